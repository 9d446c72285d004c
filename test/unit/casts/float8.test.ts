import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CastFailure, toFloat8 } from '../../../src/plan/casts/index.js';

describe('toFloat8', () => {
  it('writes REAL as its shortest round-trip text', () => {
    expect(toFloat8(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(toFloat8(1.7976931348623157e308)).toBe('1.7976931348623157e+308');
    expect(toFloat8(5e-324)).toBe('5e-324');
    expect(toFloat8(-0)).toBe('-0');
    expect(toFloat8(Infinity)).toBe('Infinity');
    expect(toFloat8(-Infinity)).toBe('-Infinity');
    expect(toFloat8(null)).toBeNull();
  });

  it('accepts INTEGER only when the double holds it exactly', () => {
    expect(toFloat8(2n ** 53n)).toBe('9007199254740992');
    expect(toFloat8(-(2n ** 53n))).toBe('-9007199254740992');
    expect(toFloat8(2n ** 53n + 1n)).toEqual(
      new CastFailure('INTEGER 9007199254740993 is not exactly representable as float8 (the nearest double is 9007199254740992)'),
    );
    expect(toFloat8(2n ** 60n)).toBe('1152921504606847000');
    expect(toFloat8(9223372036854775807n)).toBeInstanceOf(CastFailure);
    expect(toFloat8(-9223372036854775808n)).toBe('-9223372036854776000');
  });

  it('accepts decimal text that the double holds without rounding', () => {
    expect(toFloat8('1.50')).toBe('1.5');
    expect(toFloat8('0.1')).toBe('0.1');
    expect(toFloat8('+.5e1')).toBe('5');
    expect(toFloat8('-0.0')).toBe('-0');
    expect(toFloat8('0.30000000000000004')).toBe('0.30000000000000004');
    expect(toFloat8('1e21')).toBe('1e+21');
    expect(toFloat8('100000000000000000000000')).toBe('1e+23');
    expect(toFloat8('12345678901234567890000')).toBeInstanceOf(CastFailure);
  });

  it('refuses decimal text that would be rounded, overflow or underflow', () => {
    expect(toFloat8('0.1000000000000000000001')).toEqual(
      new CastFailure('TEXT "0.1000000000000000000001" has more precision than float8 holds: it would be rounded to 0.1'),
    );
    expect(toFloat8('9007199254740993')).toBeInstanceOf(CastFailure);
    expect(toFloat8('1e400')).toEqual(new CastFailure('TEXT "1e400" is beyond the range of float8'));
    expect(toFloat8('1e-400')).toEqual(new CastFailure('TEXT "1e-400" has more precision than float8 holds: it would be rounded to 0'));
  });

  it('reads the special values PostgreSQL spells, and nothing looser', () => {
    expect(toFloat8('Infinity')).toBe('Infinity');
    expect(toFloat8('-inf')).toBe('-Infinity');
    expect(toFloat8('NaN')).toBe('NaN');
    expect(toFloat8(' 1.5')).toEqual(new CastFailure('TEXT " 1.5" is not a number'));
    expect(toFloat8('0x10')).toBeInstanceOf(CastFailure);
    expect(toFloat8('')).toBeInstanceOf(CastFailure);
    expect(toFloat8('.')).toBeInstanceOf(CastFailure);
    expect(toFloat8('1,5')).toBeInstanceOf(CastFailure);
  });

  it('refuses a BLOB', () => {
    expect(toFloat8(Buffer.alloc(8))).toEqual(new CastFailure('BLOB value in a float8 column (8 bytes)'));
  });

  it('round-trips every finite double, from REAL and from its own text (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        const out = toFloat8(d) as string;
        expect(Object.is(Number(out), d)).toBe(true);
        expect(toFloat8(out)).toBe(out);
      }),
    );
  });
});
