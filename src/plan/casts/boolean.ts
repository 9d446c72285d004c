import { CastFailure, type SqliteValue } from './cast-failure.js';
import { describeValue } from './describe-value.js';

/**
 * A SQLite value into PostgreSQL `boolean` input ('t'/'f'). SQLite has no boolean storage class
 * and stores TRUE/FALSE as 1/0 (https://www.sqlite.org/datatype3.html#boolean_datatype), so
 * INTEGER or REAL 0/1 convert, and so do the texts '0', '1', 't', 'f', 'true', 'false' in any
 * case. Anything else (2, 'yes', ' true') fails rather than being guessed.
 */
export function toBoolean(v: SqliteValue): string | null | CastFailure {
  if (typeof v === 'bigint') {
    if (v === 0n) return 'f';
    if (v === 1n) return 't';
  } else if (typeof v === 'number') {
    if (v === 0) return 'f';
    if (v === 1) return 't';
  } else if (typeof v === 'string') {
    if (v.length <= 5) {
      switch (v.toLowerCase()) {
        case '0':
        case 'f':
        case 'false':
          return 'f';
        case '1':
        case 't':
        case 'true':
          return 't';
      }
    }
  } else if (v === null) {
    return null;
  }
  return new CastFailure(`${describeValue(v)} is not a boolean (expected 0, 1, t, f, true or false)`);
}
