/**
 * Strict decimal text: optional sign, digits with an optional fraction (at least one digit in
 * all), optional exponent. No spaces, no hex, no `Infinity`: the forms both SQLite and
 * PostgreSQL read as the same number.
 */
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The parts of a decimal text, as written (no normalisation yet). */
export interface DecimalParts {
  readonly negative: boolean;
  /** Digits before the point, possibly empty or with leading zeros. */
  readonly int: string;
  /** Digits after the point, possibly empty or with trailing zeros. */
  readonly frac: string;
  /** The exponent as a number; 0 when absent. Huge exponents stay approximate but huge. */
  readonly exponent: number;
}

/** Split a strict decimal text into its parts, or null when it is not one. */
export function scanDecimal(text: string): DecimalParts | null {
  const m = DECIMAL_TEXT.exec(text);
  if (m === null) return null;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int.length === 0 && frac.length === 0) return null;
  return { negative: m[1] === '-', int, frac, exponent: m[4] === undefined ? 0 : Number(m[4]) };
}

/**
 * A key equal for two decimal texts exactly when they denote the same number:
 * significant digits (no leading or trailing zeros) and the power of ten of the last one,
 * e.g. '1.50' and '15e-1' → '15e-1'. Zero is '0' whatever its sign or exponent.
 */
export function decimalKey(d: DecimalParts): string {
  const digits = d.int + d.frac;
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  if (start === digits.length) return '0';
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48) end--;
  // Power of ten of the last significant digit: the point sits after `int`, shifted by the exponent.
  const lastPower = d.exponent + d.int.length - end;
  return `${d.negative ? '-' : ''}${digits.slice(start, end)}e${lastPower}`;
}
