import { CastFailure, type SqliteValue } from './cast-failure.js';
import { describeValue } from './describe-value.js';
import { numberText } from './number-text.js';
import { decimalKey, scanDecimal } from './scan-decimal.js';

const MAX_EXACT = 2n ** 53n;
/** PostgreSQL's float8in spellings of the special values, case-insensitive. https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-FLOAT */
const SPECIAL = /^(?:([+-]?)(?:infinity|inf)|nan)$/i;

/**
 * A SQLite value into PostgreSQL `float8` input text (shortest round-trip form).
 * REAL is exact by construction. INTEGER only when the double holds it exactly (2^53 + 1 does
 * not). TEXT only when it is a strict decimal that carries no more precision than the double:
 * its value must equal the double's shortest round-trip decimal, so '1.50' and '0.1' load and
 * '0.1000000000000000000001' or '1e400' fail instead of being silently rounded.
 */
export function toFloat8(v: SqliteValue): string | null | CastFailure {
  if (typeof v === 'number') return numberText(v);
  if (v === null) return null;
  if (typeof v === 'bigint') {
    if (v >= -MAX_EXACT && v <= MAX_EXACT) return numberText(Number(v));
    const n = Number(v);
    if (BigInt(n) === v) return numberText(n);
    return new CastFailure(`${describeValue(v)} is not exactly representable as float8 (the nearest double is ${BigInt(n)})`);
  }
  if (typeof v === 'string') return textToFloat8(v);
  return new CastFailure(`BLOB value in a float8 column (${v.length} bytes)`);
}

function textToFloat8(s: string): string | CastFailure {
  const parts = scanDecimal(s);
  if (parts === null) {
    const special = SPECIAL.exec(s);
    if (special === null) return new CastFailure(`${describeValue(s)} is not a number`);
    return special[1] === undefined ? 'NaN' : special[1] === '-' ? '-Infinity' : 'Infinity';
  }
  const n = Number(s);
  const out = numberText(n);
  if (!Number.isFinite(n)) return new CastFailure(`${describeValue(s)} is beyond the range of float8`);
  // scanDecimal accepts every form numberText produces, so this never returns null.
  const back = scanDecimal(out)!;
  if (decimalKey(parts) !== decimalKey(back)) {
    return new CastFailure(`${describeValue(s)} has more precision than float8 holds: it would be rounded to ${out}`);
  }
  return out;
}
