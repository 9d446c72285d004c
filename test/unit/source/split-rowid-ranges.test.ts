/** splitRowidRanges(): contiguous rowid ranges of similar row counts that cover every row once, dense or sparse. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { TablePlan } from '../../../src/model/plan.js';
import { splitRowidRanges, type RowRange } from '../../../src/source/read-rows.js';

function table(rowCount: number): TablePlan {
  return { source: 't', target: 't', columns: [], skippedColumns: [], readKey: { kind: 'rowid' }, primaryKey: null, indexes: [], foreignKeys: [], checks: [], touchColumn: null, rowCount };
}

function dbWith(rowids: readonly number[]): Database.Database {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (x)');
  const ins = db.prepare('INSERT INTO t (rowid, x) VALUES (?, 1)');
  db.transaction(() => rowids.forEach((r) => ins.run(r)))();
  return db;
}

/** Rows per range, checking that the ranges are ordered, disjoint and cover min..max. */
function rowsPerRange(db: Database.Database, ranges: readonly RowRange[]): number[] {
  const { lo, hi } = db.prepare('SELECT min(rowid) AS lo, max(rowid) AS hi FROM t').safeIntegers(true).get() as { lo: bigint; hi: bigint };
  expect(ranges[0]!.lo).toBe(lo);
  expect(ranges.at(-1)!.hi).toBe(hi);
  ranges.forEach((r, i) => {
    expect(r.lo <= r.hi).toBe(true);
    if (i > 0) expect(r.lo).toBe(ranges[i - 1]!.hi + 1n);
  });
  const count = db.prepare('SELECT count(*) AS n FROM t WHERE rowid BETWEEN ? AND ?').pluck();
  return ranges.map((r) => count.get(r.lo, r.hi) as number);
}

describe('splitRowidRanges', () => {
  it('splits dense rowids evenly', () => {
    const db = dbWith(Array.from({ length: 1000 }, (_, i) => i + 1));
    const ranges = splitRowidRanges(db, table(1000), 4)!;
    expect(ranges).toEqual([
      { lo: 1n, hi: 250n },
      { lo: 251n, hi: 500n },
      { lo: 501n, hi: 750n },
      { lo: 751n, hi: 1000n },
    ]);
  });

  it('splits sparse rowids on quantiles, not on min..max arithmetic', () => {
    // 900 rows at 1..900, then 100 rows far away: arithmetic would put 900 rows in the first range.
    const rowids = [...Array.from({ length: 900 }, (_, i) => i + 1), ...Array.from({ length: 100 }, (_, i) => 1_000_000 + i * 7)];
    const db = dbWith(rowids);
    const ranges = splitRowidRanges(db, table(1000), 4)!;
    expect(rowsPerRange(db, ranges)).toEqual([250, 250, 250, 250]);
  });

  it('handles negative rowids, uneven counts and more parts than rows', () => {
    const db = dbWith([-50, -7, 0, 3, 9, 12, 40]);
    expect(rowsPerRange(db, splitRowidRanges(db, table(7), 3)!)).toEqual([3, 3, 1]);
    expect(rowsPerRange(db, splitRowidRanges(db, table(7), 20)!)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    const dense = dbWith(Array.from({ length: 10 }, (_, i) => i - 5));
    expect(rowsPerRange(dense, splitRowidRanges(dense, table(10), 3)!)).toEqual([3, 3, 4]);
  });

  it('does not split an empty table, a single part, or a table without rowids', () => {
    const db = dbWith([1, 2, 3]);
    expect(splitRowidRanges(db, table(0), 4)).toBeNull();
    expect(splitRowidRanges(db, table(3), 1)).toBeNull();
    expect(splitRowidRanges(db, { ...table(3), readKey: { kind: 'none' } }, 4)).toBeNull();
  });
});
