import type { NulPolicy } from '../../model/plan.js';
import { CastFailure, type SqliteValue } from './cast-failure.js';
import { describeValue } from './describe-value.js';
import { numberText } from './number-text.js';
import { applyNulPolicy } from './text.js';

/**
 * A SQLite value into json/jsonb input text. Text passes unchanged: validity is checked with
 * SQLite's json_valid() while reading and PostgreSQL parses it again (DESIGN.md: no JSON.parse
 * per value). A raw U+0000 is never valid JSON (RFC 8259 §7 requires control characters to be
 * escaped, https://www.rfc-editor.org/rfc/rfc8259#section-7) and cannot cross COPY either, so
 * the column's NUL policy applies as for text. Numbers become JSON numbers; non-finite REALs
 * have no JSON form and fail, as do BLOBs.
 */
export function toJson(v: SqliteValue, nul: NulPolicy): string | null | CastFailure {
  if (typeof v === 'string') return applyNulPolicy(v, nul);
  if (v === null) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    return Number.isFinite(v) ? numberText(v) : new CastFailure(`${describeValue(v)} has no JSON representation`);
  }
  return new CastFailure(`BLOB value in a JSON column (${v.length} bytes)`);
}
