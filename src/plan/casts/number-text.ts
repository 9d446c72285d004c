/**
 * The shortest text that reads back as the same double: ECMAScript Number::toString is the
 * shortest round-trip form (https://tc39.es/ecma262/#sec-numeric-types-number-tostring), and
 * PostgreSQL's float8in uses a correctly rounded strtod, so this text loads as the same value.
 * `String(-0)` is `'0'`, which would lose the sign bit, hence the special case.
 */
export function numberText(n: number): string {
  return n === 0 && 1 / n < 0 ? '-0' : String(n);
}

/**
 * Integer texts of at most this many characters (sign included) hold at most 15 digits, below
 * 2^53, so Number() parses them exactly: no BigInt needed for them.
 */
export const EXACT_INTEGER_TEXT_LENGTH = 15;
