import { describe, expect, it } from 'vitest';
import { CastFailure, toNumeric } from '../../../src/plan/casts/index.js';
import { exactDecimal } from '../../../src/plan/casts/numeric.js';

const free = { precision: null, scale: null };
const money = { precision: 5, scale: 2 };

describe('toNumeric', () => {
  it('writes plain, normalised decimals and keeps the source fractional digits', () => {
    expect(toNumeric('1.50', free)).toBe('1.50');
    expect(toNumeric('+007.250', free)).toBe('7.250');
    expect(toNumeric('.5', free)).toBe('0.5');
    expect(toNumeric('5.', free)).toBe('5');
    expect(toNumeric('-0', free)).toBe('0');
    expect(toNumeric('-0.00', free)).toBe('0.00');
    expect(toNumeric('-000.0e3', free)).toBe('0');
    expect(toNumeric('-12.5', free)).toBe('-12.5');
  });

  it('expands exponents into plain decimals', () => {
    expect(toNumeric('1.5e3', free)).toBe('1500');
    expect(toNumeric('1.50e1', free)).toBe('15.0');
    expect(toNumeric('150E-2', free)).toBe('1.50');
    expect(toNumeric('-1e-7', free)).toBe('-0.0000001');
    expect(toNumeric(1e21, free)).toBe('1000000000000000000000');
  });

  it('writes INTEGER exactly, and REAL as the exact value of the double (never its shortest text)', () => {
    expect(toNumeric(-9223372036854775808n, free)).toBe('-9223372036854775808');
    // Issue 12: 2^64 is not 18446744073709552000 (its shortest round-trip text).
    expect(toNumeric(2 ** 64, free)).toBe('18446744073709551616');
    expect(toNumeric(-(2 ** 63), free)).toBe('-9223372036854775808');
    expect(toNumeric(2 ** 53 + 2, free)).toBe('9007199254740994');
    expect(toNumeric(0.1, free)).toBe('0.1000000000000000055511151231257827021181583404541015625');
    expect(toNumeric(0.1 + 0.2, free)).toBe('0.3000000000000000444089209850062616169452667236328125');
    expect(toNumeric(1e-7, free)).toBe('0.0000000999999999999999954748111825886258685613938723690807819366455078125');
    expect(toNumeric(-2.5, free)).toBe('-2.5');
    expect(toNumeric(0.125, free)).toBe('0.125');
    expect(toNumeric(-0, free)).toBe('0');
    expect(toNumeric(null, free)).toBeNull();
  });

  it('exactDecimal: the extremes of the double, and the expansion reads back as the same double', () => {
    const tiny = exactDecimal(5e-324);
    expect(tiny).toMatch(/^0\.0{323}4940656458412465441765687928682213723650598026143247/);
    expect(tiny.length - 2).toBe(1074);
    expect(exactDecimal(Number.MAX_VALUE)).toBe((2n ** 1024n - 2n ** 971n).toString());
    for (const x of [0.1, 1 / 3, Math.PI, -1e-300, 123456.789, 2 ** -1022, 1e22, 4.35]) expect(Number(exactDecimal(x))).toBe(x);
    expect(exactDecimal(4.35)).toBe('4.3499999999999996447286321199499070644378662109375');
  });

  it('numeric(p,s) with a REAL: the exact value rounded to the scale, only when it reads back as the same double', () => {
    expect(toNumeric(0.1, { precision: 30, scale: 20 })).toBe('0.10000000000000000555');
    expect(toNumeric(19.99, { precision: 10, scale: 2 })).toBe('19.99');
    expect(toNumeric(-0.5, { precision: 10, scale: 0 })).toEqual(new CastFailure('REAL -0.5 is exactly -0.5; numeric(10,0) keeps 0 fractional digits and -1 is another double: it would be rounded'));
    expect(toNumeric(2 ** 64, { precision: 30, scale: 2 })).toBe('18446744073709551616');
  });

  it('keeps huge precise strings digit for digit', () => {
    const digits = '123456789012345678901234567890123456789012345678901234567890.000000000000000000000000000000000000001';
    expect(toNumeric(digits, free)).toBe(digits);
    expect(toNumeric('-' + digits, free)).toBe('-' + digits);
  });

  it('numeric(5,2): 10.99 fits, 0.125 would round, 1000.00 would overflow', () => {
    expect(toNumeric('10.99', money)).toBe('10.99');
    expect(toNumeric(10.99, money)).toBe('10.99');
    expect(toNumeric('999.99', money)).toBe('999.99');
    expect(toNumeric('1.500', money)).toBe('1.500');
    expect(toNumeric('0.125', money)).toEqual(
      new CastFailure('TEXT "0.125" has 3 fractional digits but numeric(5,2) keeps 2: it would be rounded'),
    );
    expect(toNumeric(0.125, money)).toEqual(
      new CastFailure('REAL 0.125 is exactly 0.125; numeric(5,2) keeps 2 fractional digits and 0.13 is another double: it would be rounded'),
    );
    expect(toNumeric('1000.00', money)).toEqual(
      new CastFailure('TEXT "1000.00" has 4 integer digits but numeric(5,2) allows at most 3: it would overflow'),
    );
    expect(toNumeric(1000n, money)).toEqual(
      new CastFailure('INTEGER 1000 has 4 integer digits but numeric(5,2) allows at most 3: it would overflow'),
    );
    expect(toNumeric('-999.99', money)).toBe('-999.99');
    expect(toNumeric('0.00', money)).toBe('0.00');
  });

  it('numeric(p) means scale 0, as in PostgreSQL', () => {
    expect(toNumeric('12345', { precision: 5, scale: null })).toBe('12345');
    expect(toNumeric('1.5', { precision: 5, scale: null })).toEqual(
      new CastFailure('TEXT "1.5" has 1 fractional digits but numeric(5,0) keeps 0: it would be rounded'),
    );
    expect(toNumeric('123456', { precision: 5, scale: 0 })).toBeInstanceOf(CastFailure);
  });

  it('handles a scale above the precision and a negative scale (PostgreSQL 15+)', () => {
    expect(toNumeric('0.00123', { precision: 3, scale: 5 })).toBe('0.00123');
    expect(toNumeric('0.0123', { precision: 3, scale: 5 })).toEqual(
      new CastFailure('TEXT "0.0123" has 0 integer digits but numeric(3,5) allows only values below 10^-2: it would overflow'),
    );
    expect(toNumeric('12000', { precision: 2, scale: -3 })).toBe('12000');
    expect(toNumeric('12345', { precision: 2, scale: -3 })).toEqual(
      new CastFailure('TEXT "12345" has non-zero digits below 10^3, which numeric(2,-3) rounds away'),
    );
  });

  it('refuses non-numbers, NaN and infinities', () => {
    expect(toNumeric(NaN, free)).toEqual(new CastFailure('REAL NaN in a numeric column: not a finite number'));
    expect(toNumeric(Infinity, free)).toBeInstanceOf(CastFailure);
    expect(toNumeric('NaN', free)).toEqual(new CastFailure('TEXT "NaN" is not a decimal number'));
    expect(toNumeric(' 1', free)).toBeInstanceOf(CastFailure);
    expect(toNumeric('1 000', free)).toBeInstanceOf(CastFailure);
    expect(toNumeric('1,5', free)).toBeInstanceOf(CastFailure);
    expect(toNumeric('', free)).toBeInstanceOf(CastFailure);
    expect(toNumeric('e5', free)).toBeInstanceOf(CastFailure);
    expect(toNumeric(Buffer.from('1'), free)).toEqual(new CastFailure('BLOB value in a numeric column (1 bytes)'));
  });

  it('refuses values beyond what PostgreSQL numeric holds', () => {
    expect(toNumeric('1e999999999', free)).toEqual(new CastFailure('TEXT "1e999999999" is beyond the range of numeric'));
    expect(toNumeric('1e-20000', free)).toEqual(new CastFailure('TEXT "1e-20000" is beyond the range of numeric'));
    expect(toNumeric('1e131071', free)).toBe('1' + '0'.repeat(131071));
  });
});
