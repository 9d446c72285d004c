import type { NulPolicy } from '../../model/plan.js';
import { CastFailure, type SqliteValue } from './cast-failure.js';
import { describeValue } from './describe-value.js';
import { numberText } from './number-text.js';

/**
 * Apply the column's NUL policy to text. PostgreSQL text cannot hold U+0000
 * (https://www.postgresql.org/docs/current/datatype-character.html: "the character with code
 * zero (sometimes called NUL) cannot be stored"), so a NUL is either removed because the mapping
 * says `nul: "strip"`, or the value fails. Under `fail` the caller aborts the load; here both
 * non-strip policies are just a CastFailure.
 */
export function applyNulPolicy(s: string, nul: NulPolicy): string | CastFailure {
  // indexOf is the hot path: almost no text holds a NUL, and it allocates nothing.
  if (s.indexOf('\0') === -1) return s;
  if (nul === 'strip') return s.replaceAll('\0', '');
  const count = s.split('\0').length - 1;
  return new CastFailure(
    `${describeValue(s)} contains ${count === 1 ? 'a NUL character' : `${count} NUL characters`} (U+0000), ` +
      `which PostgreSQL text cannot store; the column's policy is nul: "${nul}", and nul: "strip" would remove ` +
      (count === 1 ? 'it' : 'them'),
  );
}

/**
 * Any SQLite value into PostgreSQL `text`: text as is (after the NUL policy), INTEGER as its
 * decimal, REAL as its shortest round-trip text (`-0`, `Infinity` kept). A BLOB fails: its bytes
 * are not text in a known encoding, and guessing one would alter the value.
 */
export function toText(v: SqliteValue, nul: NulPolicy): string | null | CastFailure {
  if (typeof v === 'string') return applyNulPolicy(v, nul);
  if (v === null) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return numberText(v);
  return new CastFailure(`BLOB value in a text column (${v.length} bytes): map the column as bytea`);
}
