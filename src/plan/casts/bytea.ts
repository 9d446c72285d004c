import { CastFailure, type SqliteValue } from './cast-failure.js';
import { describeValue, storageClass } from './describe-value.js';

/**
 * Output is bytea's hex format, `\x` then two lowercase hex digits per byte.
 * https://www.postgresql.org/docs/current/datatype-binary.html#DATATYPE-BINARY-BYTEA-HEX-FORMAT
 * (The backslash is doubled later, by COPY text escaping.)
 */
const HEX_DIGITS = /^[0-9a-fA-F]*$/;

/** A BLOB into bytea. Text or numbers in a BLOB column fail: their bytes depend on an encoding we would be guessing. */
export function blobToBytea(v: SqliteValue): string | null | CastFailure {
  if (v === null) return null;
  if (typeof v === 'object') return '\\x' + v.toString('hex');
  const hint = typeof v === 'string' ? 'map it as hex-bytea if it holds hex digits, or as text-bytes to keep the text\'s bytes' : 'map the column as text or a number if it holds numbers';
  return new CastFailure(`${storageClass(v)} value in a BLOB column: ${describeValue(v)} (${hint})`);
}

/**
 * cast `text-bytes`: the bytes SQLite stored. The reader selects TEXT values of such a column as
 * `CAST(col AS BLOB)` (see source/read-rows.ts), so they arrive as Buffers holding the stored
 * bytes, valid UTF-8 or not; numbers have no stored bytes of their own and fail.
 */
export function textBytesToBytea(v: SqliteValue): string | null | CastFailure {
  if (v === null) return null;
  if (typeof v === 'object') return '\\x' + v.toString('hex');
  if (typeof v === 'string') return new CastFailure(`${describeValue(v)} arrived as decoded text, not as its stored bytes`);
  return new CastFailure(`${storageClass(v)} value in a text-bytes column: ${describeValue(v)} (it has no stored bytes; map the column as text)`);
}

/**
 * Hex text into bytea: an even number of hex digits, optionally after a `\x` or `0x` prefix;
 * a BLOB is taken as is. Odd length or a non-hex character fails (no padding, no skipping).
 */
export function hexToBytea(v: SqliteValue): string | null | CastFailure {
  if (typeof v === 'string') {
    const c0 = v.charCodeAt(0);
    const c1 = v.charCodeAt(1);
    // `\x` (PostgreSQL's own output) or `0x`/`0X` (most languages' literal prefix).
    const prefixed = (c0 === 92 && c1 === 120) || (c0 === 48 && (c1 === 120 || c1 === 88));
    const hex = prefixed ? v.slice(2) : v;
    if (hex.length % 2 !== 0) return new CastFailure(`${describeValue(v)} has an odd number of hex digits`);
    if (!HEX_DIGITS.test(hex)) return new CastFailure(`${describeValue(v)} is not hex text`);
    return '\\x' + hex.toLowerCase();
  }
  if (v === null) return null;
  if (typeof v === 'object') return '\\x' + v.toString('hex');
  return new CastFailure(`${describeValue(v)} in a hex-bytea column: expected hex text`);
}
