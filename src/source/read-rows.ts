/**
 * Streaming reads of one table, or one rowid range of it, in a stable order.
 * Rows come as arrays (`.raw()`), integers as BigInt (exact beyond 2^53).
 */
import type { ColumnPlan, TablePlan } from '../model/plan.js';
import type { SqliteDb } from './sqlite-db.js';
import { sqliteIdent } from './introspect-sqlite.js';

/** A slice of a table for one COPY: the whole table, or rowids in [lo, hi]. */
export interface RowRange {
  readonly lo: bigint;
  readonly hi: bigint;
}

/**
 * How a planned column is selected: the column itself, except for cast `text-bytes`, whose TEXT
 * values are read as the bytes SQLite stored (better-sqlite3 would decode them, replacing invalid
 * UTF-8). https://www.sqlite.org/lang_expr.html#castexpr (CAST(text AS BLOB) keeps the bytes)
 */
export function columnSelectSql(c: ColumnPlan): string {
  const x = sqliteIdent(c.source);
  if (c.cast.kind === 'bytea' && c.cast.from === 'text-bytes') return `CASE WHEN typeof(${x}) = 'text' THEN CAST(${x} AS BLOB) ELSE ${x} END`;
  return x;
}

/**
 * Columns whose TEXT values are checked for invalid UTF-8: text and json casts (every other cast
 * refuses a string holding U+FFFD anyway). Indexes into `t.columns`, in the order of the check
 * columns appended to the SELECT (see utf8CheckSql).
 */
export function utf8CheckedColumns(t: TablePlan): number[] {
  const out: number[] = [];
  t.columns.forEach((c, i) => {
    if (c.cast.kind === 'text' || c.cast.kind === 'json') out.push(i);
  });
  return out;
}

/**
 * The check column of a text column: its stored bytes, but only when they hold a genuine U+FFFD
 * (EF BF BD), else NULL. better-sqlite3 decodes invalid UTF-8 to U+FFFD, so a decoded value
 * with U+FFFD is either valid text that holds one (the bytes then come along to compare) or
 * invalid bytes (no genuine U+FFFD: NULL). Comparing byte lengths is not enough: F0 9F 98 (a cut
 * 4-byte sequence) decodes to one U+FFFD, also 3 bytes. instr() runs in C and only blobs the rare
 * value that has a U+FFFD; measured on 1M rows of two ~100-byte text columns: the read takes
 * about 30% longer (1.0 s → 1.3 s), a few percent of a whole load; selecting CAST(col AS BLOB) for
 * every value instead costs 2.8×.
 */
function utf8CheckSql(c: ColumnPlan): string {
  const x = sqliteIdent(c.source);
  return `CASE WHEN instr(${x}, char(65533)) > 0 THEN CAST(${x} AS BLOB) END`;
}

/** The planned columns, then the UTF-8 check columns (after them, so row[offset + i] stays column i). */
export function selectList(t: TablePlan): string {
  return [...t.columns.map(columnSelectSql), ...utf8CheckedColumns(t).map((i) => utf8CheckSql(t.columns[i]!))].join(', ');
}

/**
 * Columns selected for a table: the read key first (rowid), then the planned columns, then the
 * UTF-8 checks, unless `checks` is false (iterateRows then fills them in by a point read).
 */
export function selectSql(t: TablePlan, range: RowRange | null, checks = true): string {
  const cols = checks ? selectList(t) : t.columns.map(columnSelectSql).join(', ');
  const from = sqliteIdent(t.source);
  if (t.readKey.kind === 'rowid') {
    return `SELECT _rowid_, ${cols} FROM ${from}${range ? ' WHERE _rowid_ BETWEEN ? AND ?' : ''} ORDER BY _rowid_`;
  }
  if (t.readKey.kind === 'primary-key') {
    return `SELECT ${cols} FROM ${from} ORDER BY ${t.readKey.columns.map(sqliteIdent).join(', ')}`;
  }
  return `SELECT ${cols} FROM ${from}`;
}

/** Index of the first planned column in a selected row. */
export function columnOffset(t: TablePlan): number {
  return t.readKey.kind === 'rowid' ? 1 : 0;
}

/**
 * The rows of a table or range, laid out as selectSql selects them: rowid, planned columns,
 * UTF-8 check columns. For a rowid table the check columns are not part of the scan: a row
 * whose text holds U+FFFD (better-sqlite3 decodes invalid UTF-8 to it) gets them from the same
 * expressions evaluated on that one row, by rowid, on the same connection while the scan is
 * open, so in the same read transaction: the same bytes the scan read. The other rows carry no
 * check columns (read as undefined: the encoder looks only for values holding U+FFFD). In the
 * scan, instr() over every text value cost SQLite ~0.4 µs per benchmark events row of ~1.4
 * (bench/README.md, fifth round); WITHOUT ROWID tables keep them in the scan, as a text key read
 * back decoded would not find its row.
 */
export function iterateRows(db: SqliteDb, t: TablePlan, range: RowRange | null): IterableIterator<unknown[]> {
  const checked = utf8CheckedColumns(t);
  const inScan = t.readKey.kind !== 'rowid' || checked.length === 0;
  const stmt = db.prepare(selectSql(t, range, inScan)).raw(true).safeIntegers(true);
  const rows = (range ? stmt.iterate(range.lo, range.hi) : stmt.iterate()) as IterableIterator<unknown[]>;
  if (inScan) return rows;
  const at = checked.map((i) => 1 + i);
  const checks = db
    .prepare(`SELECT ${checked.map((i) => utf8CheckSql(t.columns[i]!)).join(', ')} FROM ${sqliteIdent(t.source)} WHERE _rowid_ = ?`)
    .raw(true)
    .safeIntegers(true);
  return withChecks(rows, at, (rowid) => checks.get(rowid) as unknown[] | undefined);
}

/**
 * `rows` with the check columns (one per checked column, in `at`'s order) appended to each row
 * that holds U+FFFD in a checked column (`at`: their positions in the row). An iterator object, not a generator: ~0.1 µs less per row; `return` closes the scan.
 */
function withChecks(rows: IterableIterator<unknown[]>, at: readonly number[], read: (rowid: unknown) => unknown[] | undefined): IterableIterator<unknown[]> {
  const it: IterableIterator<unknown[]> = {
    [Symbol.iterator]: () => it,
    next(): IteratorResult<unknown[]> {
      const r = rows.next();
      if (r.done) return r;
      const row = r.value;
      for (let j = 0; j < at.length; j++) {
        const v = row[at[j]!];
        if (typeof v === 'string' && v.indexOf('\uFFFD') !== -1) {
          // The row cannot vanish inside the read transaction; were it to, NULLs read as "not the stored bytes".
          const found = read(row[0]);
          for (let k = 0; k < at.length; k++) row.push(found ? found[k] : null);
          break;
        }
      }
      return r;
    },
    return(value?: unknown): IteratorResult<unknown[]> {
      rows.return?.();
      return { done: true, value };
    },
  };
  return it;
}

/**
 * Split a rowid table into up to `parts` contiguous rowid ranges of similar row counts. Dense
 * rowids (max - min + 1 = count, the common case) split by arithmetic without reading the table;
 * sparse ones on quantiles, each found by stepping `count / parts` rows on from the previous one
 * (one pass over the rowid b-tree in all; `LIMIT 1 OFFSET i·step` from the start instead read
 * 5.5M rowids to split 1.1M rows in 10, ~1 s before any lane could start).
 */
export function splitRowidRanges(db: SqliteDb, t: TablePlan, parts: number): RowRange[] | null {
  if (t.readKey.kind !== 'rowid' || parts <= 1 || t.rowCount === 0) return null;
  const from = sqliteIdent(t.source);
  const { lo: min, hi: max } = db.prepare(`SELECT min(_rowid_) AS lo, max(_rowid_) AS hi FROM ${from}`).safeIntegers(true).get() as { lo: bigint | null; hi: bigint | null };
  if (min === null || max === null) return null;
  const count = BigInt(t.rowCount);
  const bounds: bigint[] = [];
  if (max - min + 1n === count) {
    for (let i = 1n; i < BigInt(parts); i++) bounds.push(min + (count * i) / BigInt(parts));
  } else {
    const step = Math.ceil(t.rowCount / parts);
    const stmt = db.prepare(`SELECT _rowid_ AS r FROM ${from} WHERE _rowid_ >= ? ORDER BY _rowid_ LIMIT 1 OFFSET ?`).safeIntegers(true);
    let at = min;
    for (let i = 1; i < parts; i++) {
      const row = stmt.get(at, step) as { r: bigint } | undefined;
      if (!row) break;
      bounds.push(row.r);
      at = row.r;
    }
  }
  const ranges: RowRange[] = [];
  let lo = min;
  for (const b of bounds) {
    if (b > lo) {
      ranges.push({ lo, hi: b - 1n });
      lo = b;
    }
  }
  ranges.push({ lo, hi: max });
  return ranges;
}

/** Key text of a row for quarantine entries and reports: `rowid=12` or `id=abc, n=2`. */
export function keyReader(t: TablePlan): (row: readonly unknown[]) => string {
  if (t.readKey.kind === 'rowid') {
    // Prefer the primary key the application knows (e.g. a text id) over the hidden rowid.
    const pkIdx = (t.primaryKey?.columns ?? []).map((k) => t.columns.findIndex((c) => c.target === k));
    if (pkIdx.length > 0 && pkIdx.every((i) => i >= 0)) {
      const names = pkIdx.map((i) => t.columns[i]!.source);
      return (row) => names.map((n, j) => `${n}=${fmt(row[pkIdx[j]! + 1])}`).join(', ');
    }
    return (row) => `rowid=${String(row[0])}`;
  }
  if (t.readKey.kind === 'primary-key') {
    const idx = t.readKey.columns.map((k) => t.columns.findIndex((c) => c.source === k));
    const names = t.readKey.columns;
    return (row) => names.map((n, i) => `${n}=${idx[i]! >= 0 ? fmt(row[idx[i]!]) : '?'}`).join(', ');
  }
  return () => '(no key)';
}

function fmt(v: unknown): string {
  if (Buffer.isBuffer(v)) return `x'${v.toString('hex').slice(0, 32)}'`;
  return String(v);
}

/**
 * All rows in primary-key order (SQLite BINARY = byte order for text, numeric for integers:
 * the same order PostgreSQL gives with COLLATE "C"), for merge-comparing with the target.
 */
export function iterateRowsByKey(db: SqliteDb, t: TablePlan, keySourceColumns: readonly string[]): IterableIterator<unknown[]> {
  const cols = selectList(t);
  const sql = `SELECT ${t.readKey.kind === 'rowid' ? '_rowid_, ' : ''}${cols} FROM ${sqliteIdent(t.source)} ORDER BY ${keySourceColumns.map((k) => `${sqliteIdent(k)} COLLATE BINARY`).join(', ')}`;
  return db.prepare(sql).raw(true).safeIntegers(true).iterate() as IterableIterator<unknown[]>;
}

/** The first non-NULL value of a column (for "before → after" samples in the report); undefined when none. */
export function firstValue(db: SqliteDb, table: string, column: string): unknown {
  const row = db.prepare(`SELECT ${sqliteIdent(column)} AS v FROM ${sqliteIdent(table)} WHERE ${sqliteIdent(column)} IS NOT NULL LIMIT 1`).safeIntegers(true).get() as { v: unknown } | undefined;
  return row?.v;
}

/**
 * The row of a key, selected as selectSql selects it but without the rowid (offset 0): online
 * replay re-reads the current row of each captured key. `IS` so a NULL key part matches itself.
 */
export function selectByKeySql(t: TablePlan, keySourceColumns: readonly string[]): string {
  return `SELECT ${selectList(t)} FROM ${sqliteIdent(t.source)} WHERE ${keySourceColumns.map((k) => `${sqliteIdent(k)} IS ?`).join(' AND ')}`;
}
