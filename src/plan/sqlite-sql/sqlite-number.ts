/**
 * Numeric literals, read exactly (no detour through a JS double): SQLite's hex integers,
 * integers beyond 64 bits (which SQLite turns into REAL), and whether a decimal is integral.
 * https://www.sqlite.org/lang_expr.html#literal_values_constants_
 */

/** A number as SQLite reads it from SQL text. */
export type SqliteNumber =
  | { readonly kind: 'integer'; readonly value: bigint }
  | {
      readonly kind: 'real';
      /** Decimal literal text valid in PostgreSQL, as written minus a leading `+`. */
      readonly text: string;
      /** The exact integer value when the number is integral (and not absurdly large), else null. */
      readonly integral: bigint | null;
    };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function inInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Read a numeric literal: `42`, `-1`, `+1.5e3`, `.5`, and with `hex: true` also `0x1F`
 * (64-bit two's complement, as SQLite: 0xFFFFFFFFFFFFFFFF is -1). Text conversion by column
 * affinity does not accept hex, hence the option. Null when `text` is not a number.
 */
export function parseSqliteNumber(text: string, options: { readonly hex: boolean }): SqliteNumber | null {
  const hex = /^([+-]?)0[xX]([0-9A-Fa-f]{1,16})$/.exec(text);
  if (hex) {
    if (!options.hex) return null;
    const v = BigInt.asIntN(64, BigInt(`0x${hex[2]}`));
    return { kind: 'integer', value: hex[1] === '-' ? -v : v };
  }
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const [, sign = '', int = '', frac, exp] = m;
  if (int === '' && (frac === undefined || frac === '')) return null;
  if (frac === undefined && exp === undefined) {
    const v = BigInt(sign + int);
    // An integer literal too large for 64 bits is read as REAL.
    if (inInt64(v)) return { kind: 'integer', value: v };
    return { kind: 'real', text: text.replace(/^\+/, ''), integral: v };
  }
  return { kind: 'real', text: text.replace(/^\+/, ''), integral: integralValue(sign, int, frac ?? '', exp) };
}

function integralValue(sign: string, int: string, frac: string, exp: string | undefined): bigint | null {
  let digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return 0n;
  let e = Number(exp ?? '0') - frac.length;
  while (e < 0 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    e++;
  }
  if (e < 0) return null;
  if (digits.length + e > 40) return null;
  const v = BigInt(digits + '0'.repeat(e));
  return sign === '-' ? -v : v;
}

/**
 * How SQLite renders a REAL as text (`%!.15g`: 1500.0, 4.99, 0.5), for the values where every
 * SQLite version agrees: at most 15 significant digits and a decimal exponent in [-4, 15).
 * Null for anything else (exponent notation, more digits, negative zero), which callers refuse
 * rather than guess.
 */
export function sqliteRealText(n: Extract<SqliteNumber, { kind: 'real' }>): string | null {
  const m = DECIMAL.exec(n.text);
  if (!m) return null;
  const [, sign = '', int = '', frac = '', exp] = m;
  let digits = (int + frac).replace(/^0+/, '');
  let e = Number(exp ?? '0') - frac.length;
  if (digits === '') return sign === '-' ? null : '0.0';
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    e++;
  }
  const sciExponent = digits.length - 1 + e;
  if (digits.length > 15 || sciExponent < -4 || sciExponent >= 15) return null;
  let intPart: string;
  let fracPart: string;
  if (e >= 0) {
    intPart = digits + '0'.repeat(e);
    fracPart = '0';
  } else if (-e >= digits.length) {
    intPart = '0';
    fracPart = '0'.repeat(-e - digits.length) + digits;
  } else {
    intPart = digits.slice(0, digits.length + e);
    fracPart = digits.slice(digits.length + e);
  }
  return `${sign === '-' ? '-' : ''}${intPart}.${fracPart}`;
}
