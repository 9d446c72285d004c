import { describe, expect, test } from 'vitest';
import { parseSqliteNumber, sqliteRealText } from '../../../src/plan/sqlite-sql/sqlite-number.js';

describe('parseSqliteNumber', () => {
  test.each([
    ['42', { kind: 'integer', value: 42n }],
    ['-42', { kind: 'integer', value: -42n }],
    ['+7', { kind: 'integer', value: 7n }],
    ['007', { kind: 'integer', value: 7n }],
    ['9223372036854775807', { kind: 'integer', value: 9223372036854775807n }],
    ['9223372036854775808', { kind: 'real', text: '9223372036854775808', integral: 9223372036854775808n }],
    ['1.5', { kind: 'real', text: '1.5', integral: null }],
    ['+1.0', { kind: 'real', text: '1.0', integral: 1n }],
    ['1e3', { kind: 'real', text: '1e3', integral: 1000n }],
    ['-2.50E1', { kind: 'real', text: '-2.50E1', integral: -25n }],
    ['.5', { kind: 'real', text: '.5', integral: null }],
    ['5.', { kind: 'real', text: '5.', integral: 5n }],
    ['0.0', { kind: 'real', text: '0.0', integral: 0n }],
    ['1e-3', { kind: 'real', text: '1e-3', integral: null }],
  ] as const)('%s', (text, expected) => {
    expect(parseSqliteNumber(text, { hex: false })).toEqual(expected);
  });

  test('hex is 64-bit two’s complement, and only for SQL literals', () => {
    expect(parseSqliteNumber('0x1F', { hex: true })).toEqual({ kind: 'integer', value: 31n });
    expect(parseSqliteNumber('0xFFFFFFFFFFFFFFFF', { hex: true })).toEqual({ kind: 'integer', value: -1n });
    expect(parseSqliteNumber('-0x10', { hex: true })).toEqual({ kind: 'integer', value: -16n });
    expect(parseSqliteNumber('0x1F', { hex: false })).toBeNull();
    expect(parseSqliteNumber('0x1FFFFFFFFFFFFFFFF', { hex: true })).toBeNull();
  });

  test.each(['', '-', '.', 'abc', '1.2.3', '1e', ' 1', '1_000', 'Infinity', 'NaN'])('%j is not a number', (text) => {
    expect(parseSqliteNumber(text, { hex: true })).toBeNull();
  });
});

describe('sqliteRealText', () => {
  const real = (text: string): string | null => {
    const n = parseSqliteNumber(text, { hex: false });
    if (n?.kind !== 'real') throw new Error(`${text} is not a real`);
    return sqliteRealText(n);
  };

  test.each([
    ['4.99', '4.99'],
    ['1e3', '1000.0'],
    ['1.50', '1.5'],
    ['-0.5', '-0.5'],
    ['.5', '0.5'],
    ['5.', '5.0'],
    ['0.0', '0.0'],
    ['0.0001', '0.0001'],
    ['123456789012345.0', '123456789012345.0'],
    ['12.3456789012345', '12.3456789012345'],
  ])('%s → %s, as SQLite renders the REAL', (text, expected) => {
    expect(real(text)).toBe(expected);
  });

  test.each(['0.00001', '1e15', '1234567890123456.0', '0.1234567890123456', '-0.0'])('%s is not rendered (SQLite versions differ or use exponents)', (text) => {
    expect(real(text)).toBeNull();
  });
});
