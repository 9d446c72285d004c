import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CastFailure, toInteger } from '../../../src/plan/casts/index.js';

describe('toInteger', () => {
  it('accepts the exact range edges of bigint (64 bits)', () => {
    expect(toInteger(9223372036854775807n, 64)).toBe('9223372036854775807');
    expect(toInteger(-9223372036854775808n, 64)).toBe('-9223372036854775808');
    expect(toInteger('9223372036854775807', 64)).toBe('9223372036854775807');
    expect(toInteger('-9223372036854775808', 64)).toBe('-9223372036854775808');
  });

  it('rejects one past the 64-bit edges instead of wrapping', () => {
    expect(toInteger('9223372036854775808', 64)).toEqual(
      new CastFailure('TEXT "9223372036854775808" is out of range for bigint (-9223372036854775808..9223372036854775807)'),
    );
    expect(toInteger('-9223372036854775809', 64)).toBeInstanceOf(CastFailure);
    // 2^63 as a double is just outside; -2^63 is the minimum itself.
    expect(toInteger(9223372036854775808, 64)).toEqual(
      new CastFailure('REAL 9223372036854776000 is out of range for bigint (-9223372036854775808..9223372036854775807)'),
    );
    expect(toInteger(-9223372036854775808, 64)).toBe('-9223372036854775808');
  });

  it('checks the smallint and integer ranges', () => {
    expect(toInteger(32767n, 16)).toBe('32767');
    expect(toInteger(-32768n, 16)).toBe('-32768');
    expect(toInteger(32768n, 16)).toEqual(new CastFailure('INTEGER 32768 is out of range for smallint (-32768..32767)'));
    expect(toInteger(-32769n, 16)).toEqual(new CastFailure('INTEGER -32769 is out of range for smallint (-32768..32767)'));
    expect(toInteger(2147483647n, 32)).toBe('2147483647');
    expect(toInteger(-2147483648n, 32)).toBe('-2147483648');
    expect(toInteger(2147483648n, 32)).toEqual(
      new CastFailure('INTEGER 2147483648 is out of range for integer (-2147483648..2147483647)'),
    );
    expect(toInteger(-2147483649, 32)).toBeInstanceOf(CastFailure);
    expect(toInteger('32768', 16)).toBeInstanceOf(CastFailure);
    expect(toInteger('-32768', 16)).toBe('-32768');
  });

  it('accepts an integral REAL at its exact value and refuses a fraction', () => {
    expect(toInteger(42, 32)).toBe('42');
    expect(toInteger(-0, 32)).toBe('0');
    expect(toInteger(2 ** 60, 64)).toBe('1152921504606846976');
    // The exact value of the double, not its shortest text 9223372036854775000.
    expect(toInteger(9223372036854774784, 64)).toBe('9223372036854774784');
    expect(toInteger(1.5, 64)).toEqual(new CastFailure('REAL 1.5 in an integer column: the fraction would be lost'));
    expect(toInteger(Infinity, 64)).toEqual(new CastFailure('REAL Infinity in an integer column: not a finite number'));
    expect(toInteger(NaN, 64)).toEqual(new CastFailure('REAL NaN in an integer column: not a finite number'));
  });

  it('accepts only strict integer text and writes it canonically', () => {
    expect(toInteger('+0042', 32)).toBe('42');
    expect(toInteger('-0', 32)).toBe('0');
    expect(toInteger('-000000000000000000000017', 64)).toBe('-17');
    expect(toInteger(' 42', 32)).toEqual(new CastFailure('TEXT " 42" is not an integer (expected optional sign and digits only)'));
    expect(toInteger('42 ', 32)).toBeInstanceOf(CastFailure);
    expect(toInteger('4.0', 32)).toBeInstanceOf(CastFailure);
    expect(toInteger('1e3', 32)).toBeInstanceOf(CastFailure);
    expect(toInteger('', 32)).toBeInstanceOf(CastFailure);
    expect(toInteger('0x10', 32)).toBeInstanceOf(CastFailure);
    expect(toInteger('٤٢', 32)).toBeInstanceOf(CastFailure);
  });

  it('parses 15-, 16- and 17-digit texts exactly (the double fast path stops at 15 characters)', () => {
    expect(toInteger('999999999999999', 64)).toBe('999999999999999');
    expect(toInteger('9999999999999999', 64)).toBe('9999999999999999');
    expect(toInteger('-9007199254740993', 64)).toBe('-9007199254740993');
    expect(toInteger('99999999999999999', 64)).toBe('99999999999999999');
  });

  it('refuses a BLOB and keeps NULL', () => {
    expect(toInteger(Buffer.from([1]), 64)).toEqual(new CastFailure('BLOB value in an integer column (1 bytes)'));
    expect(toInteger(null, 16)).toBeNull();
  });

  it('reads back integer text of every length exactly (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.integer({ min: 0, max: 18 }), (b, shift) => {
        const n = b / 10n ** BigInt(shift);
        expect(toInteger(n.toString(), 64)).toBe(n.toString());
      }),
    );
  });

  it('round-trips every int64 (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (b) => {
        const out = toInteger(b, 64);
        expect(typeof out).toBe('string');
        expect(BigInt(out as string)).toBe(b);
        expect(toInteger(String(b), 64)).toBe(out);
      }),
    );
  });
});
