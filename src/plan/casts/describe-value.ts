import type { SqliteValue } from './cast-failure.js';

/** SQLite storage class names, as `typeof()` reports them. https://www.sqlite.org/lang_corefunc.html#typeof */
export type StorageClass = 'NULL' | 'INTEGER' | 'REAL' | 'TEXT' | 'BLOB';

/** Longest text shown inside a failure reason; reasons end up in reports, not whole documents. */
const SHOWN_CHARS = 60;

/** The storage class of a value as better-sqlite3 returned it. */
export function storageClass(v: SqliteValue): StorageClass {
  if (v === null) return 'NULL';
  switch (typeof v) {
    case 'bigint':
      return 'INTEGER';
    case 'number':
      return 'REAL';
    case 'string':
      return 'TEXT';
    default:
      return 'BLOB';
  }
}

/**
 * A value as a reader of a failure reason needs it: storage class plus a short rendering,
 * e.g. `REAL 1.5`, `INTEGER 40000`, `TEXT "2024-02-30"`, `BLOB (16 bytes)`.
 * Text is JSON-quoted so NULs, tabs and trailing spaces stay visible.
 */
export function describeValue(v: SqliteValue): string {
  if (v === null) return 'NULL';
  switch (typeof v) {
    case 'bigint':
      return `INTEGER ${v}`;
    case 'number':
      return `REAL ${Object.is(v, -0) ? '-0' : String(v)}`;
    case 'string': {
      // Cut by code points, not UTF-16 units, so an emoji is never split into a lone surrogate.
      const long = v.length > SHOWN_CHARS * 2;
      const cps = Array.from(long ? v.slice(0, SHOWN_CHARS * 2) : v);
      const shown = long || cps.length > SHOWN_CHARS ? cps.slice(0, SHOWN_CHARS).join('') + '…' : v;
      return `TEXT ${JSON.stringify(shown)}`;
    }
    default:
      return `BLOB (${v.length} bytes)`;
  }
}
