import { CastFailure, type SqliteValue } from './cast-failure.js';
import { describeValue } from './describe-value.js';

/**
 * The uuid text forms we accept: 8-4-4-4-12 hex, or 32 hex digits, either one optionally in
 * braces, any case. PostgreSQL reads more spellings (hyphens after any group of four,
 * https://www.postgresql.org/docs/current/datatype-uuid.html); we normalise only these
 * well-known ones and refuse the rest.
 */
const HYPHENATED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const PLAIN = /^[0-9a-fA-F]{32}$/;
const UUID_BYTES = 16;

function hyphenate(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A SQLite value into lowercase hyphenated uuid text: from the text forms above or a 16-byte BLOB. */
export function toUuid(v: SqliteValue): string | null | CastFailure {
  if (typeof v === 'string') {
    const braced = v.length > 2 && v.charCodeAt(0) === 123 && v.charCodeAt(v.length - 1) === 125;
    const inner = braced ? v.slice(1, -1) : v;
    if (HYPHENATED.test(inner)) return inner.toLowerCase();
    if (PLAIN.test(inner)) return hyphenate(inner.toLowerCase());
    return new CastFailure(`${describeValue(v)} is not a UUID`);
  }
  if (v === null) return null;
  if (typeof v === 'object') {
    if (v.length === UUID_BYTES) return hyphenate(v.toString('hex'));
    return new CastFailure(`${describeValue(v)} is not a UUID: a binary UUID has exactly 16 bytes`);
  }
  return new CastFailure(`${describeValue(v)} is not a UUID`);
}
