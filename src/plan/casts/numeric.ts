import { CastFailure, type SqliteValue } from './cast-failure.js';
import { describeValue } from './describe-value.js';
import { scanDecimal, type DecimalParts } from './scan-decimal.js';

/**
 * PostgreSQL's limits for numeric: "up to 131072 digits before the decimal point; up to 16383
 * digits after the decimal point". https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-NUMERIC-DECIMAL
 */
const MAX_INT_DIGITS = 131072;
const MAX_FRAC_DIGITS = 16383;
/** Beyond this an exponent cannot produce an in-range plain decimal; refuse before building a huge string. */
const MAX_EXPONENT = MAX_INT_DIGITS + MAX_FRAC_DIGITS;
/** Already canonical text: no '+', no leading zeros, no exponent. The common case skips all rebuilding. */
const CANONICAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const NEGATIVE_ZERO = /^-0(?:\.0+)?$/;

/** The constraint of a numeric column; `numeric(p)` means scale 0, as in PostgreSQL. */
export interface NumericTypmod {
  readonly precision: number | null;
  readonly scale: number | null;
}

/**
 * A SQLite value into PostgreSQL `numeric` input text: a plain decimal (never an exponent),
 * without '+' or extra leading zeros, `-0` → `0`, fractional digits kept as the source wrote
 * them ('1.50' stays '1.50'; PostgreSQL applies the column's scale itself). A value the typmod
 * would round (more significant fractional digits than the scale) or overflow (too many integer
 * digits) fails, as do NaN and ±Infinity.
 *
 * REAL loads the EXACT value of the double, never a rounding of it: every double is m·2^e, whose
 * decimal expansion is finite (2^64 → 18446744073709551616, 0.1 →
 * 0.1000000000000000055511151231257827021181583404541015625). With a scale (numeric(p,s)) the
 * exact value is rounded to s digits, as PostgreSQL's own input would, and accepted only when
 * that decimal still reads back as the same double (19.99 into numeric(10,2) → 19.99; 0.125 →
 * fails, 0.13 is another double): the typmod keeps what the double holds, or the row is refused.
 */
export function toNumeric(v: SqliteValue, typmod: NumericTypmod): string | null | CastFailure {
  if (v === null) return null;
  if (typeof v === 'bigint') {
    const text = v.toString();
    return checkTypmod(v, text, typmod) ?? text;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return new CastFailure(`${describeValue(v)} in a numeric column: not a finite number`);
    return realToNumeric(v, typmod);
  }
  if (typeof v === 'string') return decimalToNumeric(v, v, typmod);
  return new CastFailure(`BLOB value in a numeric column (${v.length} bytes)`);
}

const float64 = new DataView(new ArrayBuffer(8));
/** 5^k for k = 0..1074 (a double has at most 1074 fractional binary digits), filled on demand. */
const POW5: bigint[] = [1n];

function pow5(k: number): bigint {
  for (let i = POW5.length; i <= k; i++) POW5.push(POW5[i - 1]! * 5n);
  return POW5[k]!;
}

/**
 * The exact decimal value of a finite double, as plain text without trailing zeros (`-0` → `0`).
 * A non-integer double is m·2^−k with m odd, which is m·5^k / 10^k: k fractional digits, the last
 * a 5. https://en.wikipedia.org/wiki/Double-precision_floating-point_format
 */
export function exactDecimal(x: number): string {
  if (Number.isInteger(x)) return Number.isSafeInteger(x) ? String(x === 0 ? 0 : x) : BigInt(x).toString();
  float64.setFloat64(0, x);
  const hi = float64.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(float64.getUint32(4));
  let exponent = biased === 0 ? -1074 : biased - 1075;
  if (biased !== 0) mantissa |= 1n << 52n;
  while ((mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    exponent++;
  }
  const k = -exponent; // > 0: x is not an integer
  const digits = (mantissa * pow5(k)).toString().padStart(k + 1, '0');
  const cut = digits.length - k;
  return `${x < 0 ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}

/** Round a plain decimal to `scale` (≥ 0) fractional digits, half away from zero, as numeric input does. */
function roundDecimal(plain: string, scale: number): string {
  const negative = plain.charCodeAt(0) === 45;
  const body = negative ? plain.slice(1) : plain;
  const dot = body.indexOf('.');
  if (dot === -1 || body.length - dot - 1 <= scale) return plain;
  let digits = body.slice(0, dot) + body.slice(dot + 1, dot + 1 + scale);
  if (body.charCodeAt(dot + 1 + scale) >= 53 /* '5' */) {
    const up = (BigInt(digits) + 1n).toString();
    digits = up.padStart(digits.length, '0');
  }
  const int = digits.slice(0, digits.length - scale).replace(/^0+(?=\d)/, '') || '0';
  const out = scale > 0 ? `${int}.${digits.slice(digits.length - scale)}` : int;
  return negative && /[1-9]/.test(out) ? `-${out}` : out;
}

function realToNumeric(v: number, typmod: NumericTypmod): string | CastFailure {
  const exact = exactDecimal(v);
  const scale = typmod.scale ?? (typmod.precision === null ? null : 0);
  if (scale !== null && scale >= 0) {
    const rounded = roundDecimal(exact, scale);
    if (rounded !== exact) {
      if (Number(rounded) !== v) {
        const type = typmod.precision === null ? `numeric(*,${scale})` : `numeric(${typmod.precision},${scale})`;
        return new CastFailure(`${describeValue(v)} is exactly ${exact.length > 60 ? `${exact.slice(0, 60)}…` : exact}; ${type} keeps ${scale} fractional digits and ${rounded} is another double: it would be rounded`);
      }
      return checkTypmod(v, rounded, typmod) ?? rounded;
    }
  }
  return checkTypmod(v, exact, typmod) ?? exact;
}

function decimalToNumeric(v: SqliteValue, text: string, typmod: NumericTypmod): string | CastFailure {
  let plain: string;
  if (CANONICAL.test(text)) {
    plain = NEGATIVE_ZERO.test(text) ? text.slice(1) : text;
  } else {
    const parts = scanDecimal(text);
    if (parts === null) return new CastFailure(`${describeValue(v)} is not a decimal number`);
    const built = plainDecimal(parts);
    if (built === null) return new CastFailure(`${describeValue(v)} is beyond the range of numeric`);
    plain = built;
  }
  return checkTypmod(v, plain, typmod) ?? plain;
}

/** Rewrite any decimal as a plain one, shifting the point by the exponent; null when absurdly large. */
export function plainDecimal(d: DecimalParts): string | null {
  if (Math.abs(d.exponent) > MAX_EXPONENT) return null;
  const digits = d.int + d.frac;
  const point = d.int.length + d.exponent;
  let int: string;
  let frac: string;
  if (point <= 0) {
    int = '';
    frac = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    int = digits + '0'.repeat(point - digits.length);
    frac = '';
  } else {
    int = digits.slice(0, point);
    frac = digits.slice(point);
  }
  let start = 0;
  while (start < int.length - 1 && int.charCodeAt(start) === 48) start++;
  int = int.length === 0 ? '0' : int.slice(start);
  const zero = int === '0' && !/[1-9]/.test(frac);
  return (d.negative && !zero ? '-' : '') + int + (frac.length > 0 ? '.' + frac : '');
}

/** Check a canonical plain decimal against the typmod and PostgreSQL's limits; null when it fits. */
function checkTypmod(v: SqliteValue, plain: string, typmod: NumericTypmod): CastFailure | null {
  const signLength = plain.charCodeAt(0) === 45 ? 1 : 0;
  const dot = plain.indexOf('.');
  const intEnd = dot === -1 ? plain.length : dot;
  const intDigits = intEnd - signLength === 1 && plain.charCodeAt(signLength) === 48 ? 0 : intEnd - signLength;
  const fracLength = dot === -1 ? 0 : plain.length - dot - 1;
  let sigFrac = fracLength;
  while (sigFrac > 0 && plain.charCodeAt(dot + sigFrac) === 48) sigFrac--;

  if (intDigits > MAX_INT_DIGITS || fracLength > MAX_FRAC_DIGITS) {
    return new CastFailure(`${describeValue(v)} is beyond the range of numeric`);
  }
  const { precision } = typmod;
  const scale = typmod.scale ?? (precision === null ? null : 0);
  if (scale === null) return null;
  const type = precision === null ? `numeric(*,${scale})` : `numeric(${precision},${scale})`;

  // PostgreSQL 15+ allows a negative scale (rounding to tens, hundreds...) and a scale above the precision.
  // https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-NUMERIC-DECIMAL
  if (sigFrac > Math.max(scale, 0)) {
    return new CastFailure(`${describeValue(v)} has ${sigFrac} fractional digits but ${type} keeps ${Math.max(scale, 0)}: it would be rounded`);
  }
  if (scale < 0 && intDigits > 0) {
    let zeros = 0;
    while (zeros < intDigits && plain.charCodeAt(intEnd - 1 - zeros) === 48) zeros++;
    if (zeros < -scale) return new CastFailure(`${describeValue(v)} has non-zero digits below 10^${-scale}, which ${type} rounds away`);
  }
  if (precision === null) return null;
  // Power of ten of the leading significant digit; PostgreSQL requires it below precision − scale.
  let lead: number;
  if (intDigits > 0) {
    lead = intDigits - 1;
  } else {
    let i = 1;
    while (i <= sigFrac && plain.charCodeAt(dot + i) === 48) i++;
    if (i > sigFrac) return null; // zero fits every typmod
    lead = -i;
  }
  if (lead >= precision - scale) {
    const allowed = precision - scale;
    return new CastFailure(
      `${describeValue(v)} has ${intDigits} integer digits but ${type} allows ` +
        (allowed > 0 ? `at most ${allowed}` : `only values below 10^${allowed}`) +
        ': it would overflow',
    );
  }
  return null;
}
