/**
 * The vocabulary shared by every converter in this folder.
 * Values arrive as better-sqlite3 returns them with `safeIntegers(true)`:
 * https://github.com/WiseLibs/better-sqlite3/blob/master/docs/integer.md
 */

import type { SqliteValue } from '../../model/catalog.js';

export type { SqliteValue };

/**
 * Why one value cannot be converted exactly. A plain value, not an Error: converters return it
 * (no stack capture, no exceptions for control flow) and the caller decides, per the column's
 * `onError`, whether the row is quarantined, the value becomes NULL, or the load stops.
 */
export class CastFailure {
  constructor(readonly reason: string) {}
}

/**
 * Turns one SQLite value into PostgreSQL input text for the column's type (not yet COPY-escaped),
 * `null` for SQL NULL, or a CastFailure. Never truncates, strips, rounds or rolls a value over
 * unless the column's mapping says so.
 */
export type Converter = (v: SqliteValue) => string | null | CastFailure;
