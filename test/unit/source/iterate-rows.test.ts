/**
 * iterateRows(): the UTF-8 check columns of a rowid table are read per row, only for rows whose
 * text holds U+FFFD, in the scan's own read transaction; the encoder sees the same verdicts as
 * with the checks in the scan.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ColumnPlan, TablePlan } from '../../../src/model/plan.js';
import { createRowEncoder, isRowProblem } from '../../../src/encode/row-encoder.js';
import { iterateRows, selectSql } from '../../../src/source/read-rows.js';
import type { SqliteValue } from '../../../src/plan/casts/index.js';

const work = mkdtempSync(join(tmpdir(), 'sqlite2pg-iterate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const c = (source: string, cast: ColumnPlan['cast']): ColumnPlan => ({
  source, target: source, pgType: 'text', notNull: false, defaultSql: null, cast, onError: 'quarantine', nul: 'quarantine', identity: false, reason: '',
});

function plan(source: string, readKey: TablePlan['readKey']): TablePlan {
  return {
    source, target: source, columns: [c('id', { kind: 'integer', bits: 64 }), c('s', { kind: 'text' }), c('j', { kind: 'json', target: 'jsonb' })],
    skippedColumns: [], readKey, primaryKey: null, indexes: [], foreignKeys: [], checks: [], touchColumn: null, rowCount: 0,
  };
}

// s and j per row, as SQL: valid text, a genuine U+FFFD, invalid bytes, a cut 4-byte sequence (decodes to one U+FFFD of 3 bytes), both columns at once.
const VALUES = [
  `'plain', '{"a": 1}'`,
  `'A' || char(65533), '{"b": "' || char(65533) || '"}'`,
  `CAST(x'41ff42' AS TEXT), '{"c": 2}'`,
  `CAST(x'f09f98' AS TEXT), NULL`,
  `'ok', CAST(x'7b2264223a2022ff227d' AS TEXT)`,
  `char(65533) || CAST(x'ff' AS TEXT), '[1]'`,
];

function fill(db: Database.Database, table: string, withoutRowid: boolean): void {
  db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, s TEXT, j TEXT)${withoutRowid ? ' WITHOUT ROWID' : ''}`);
  VALUES.forEach((v, i) => db.exec(`INSERT INTO ${table} VALUES (${i + 1}, ${v})`));
}

/** What the encoder makes of each row: its COPY line, or the problem's column and value. */
function verdicts(rows: Iterable<unknown[]>, t: TablePlan): string[] {
  const encode = createRowEncoder(t, () => 'k');
  const offset = t.readKey.kind === 'rowid' ? 1 : 0;
  return [...rows].map((row) => {
    const r = encode(row as SqliteValue[], offset);
    return isRowProblem(r) ? `quarantined ${r.column}: ${r.value}` : r.line;
  });
}

describe('iterateRows: UTF-8 checks by rowid, in the scan read transaction', () => {
  const db = new Database(':memory:');
  fill(db, 't', false);
  fill(db, 'w', true);
  const t = plan('t', { kind: 'rowid' });

  it('leaves the checks out of a rowid table scan, keeps them for WITHOUT ROWID', () => {
    expect(selectSql(t, null, false)).toBe('SELECT _rowid_, "id", "s", "j" FROM "t" ORDER BY _rowid_');
    expect(selectSql(t, null)).toContain('CASE WHEN instr("s", char(65533)) > 0 THEN CAST("s" AS BLOB) END');
  });

  it('gives the encoder the same verdicts as the checks in the scan', () => {
    const inScan = db.prepare(selectSql(t, null, true)).raw(true).safeIntegers(true).iterate() as IterableIterator<unknown[]>;
    const expected = verdicts(inScan, t);
    expect(expected).toEqual([
      '1\tplain\t{"a": 1}\n',
      '2\tA\uFFFD\t{"b": "\uFFFD"}\n',
      // No genuine U+FFFD: the check column is NULL, the excerpt is the decoded text.
      'quarantined s: A\uFFFDB',
      'quarantined s: \uFFFD',
      'quarantined j: {"d": "\uFFFD"}',
      // A genuine U+FFFD beside an invalid byte: the stored bytes come along and decide.
      "quarantined s: x'efbfbdff' (4 bytes)",
    ]);
    expect(verdicts(iterateRows(db, t, null), t)).toEqual(expected);
    expect(verdicts(iterateRows(db, t, { lo: 2n, hi: 3n }), t)).toEqual(expected.slice(1, 3));
    // Rows without U+FFFD carry no check columns; the others all of them.
    expect([...iterateRows(db, t, null)].map((r) => r.length)).toEqual([4, 6, 6, 6, 6, 6]);
    const w = plan('w', { kind: 'primary-key', columns: ['id'] });
    expect(verdicts(iterateRows(db, w, null), w)).toEqual(expected);
  });

  it('closes the scan when the loop stops early', () => {
    for (const row of iterateRows(db, t, null)) {
      expect(row[0]).toBe(1n);
      break;
    }
    // An open statement would make this throw: "This database connection is busy executing a query".
    expect(() => db.exec('CREATE TABLE after_break (x)')).not.toThrow();
  });

  it('reads the bytes of the snapshot the scan reads, not a later commit', () => {
    const path = join(work, 'live.db');
    const writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    fill(writer, 't', false);
    const reader = new Database(path, { readonly: true });
    const seen: string[] = [];
    const encode = createRowEncoder(t, () => 'k');
    for (const row of iterateRows(reader, t, null)) {
      // After row 1: row 2's genuine U+FFFD (41 EF BF BD) becomes invalid bytes that decode the same (41 FF).
      if (row[0] === 1n) writer.exec(`UPDATE t SET s = CAST(x'41ff' AS TEXT) WHERE id = 2`);
      const r = encode(row as SqliteValue[], 1);
      seen.push(isRowProblem(r) ? `quarantined ${r.column}` : r.line);
    }
    expect(seen[1]).toBe('2\tA\uFFFD\t{"b": "\uFFFD"}\n');
    // The next scan reads the new bytes and refuses them.
    expect(verdicts(iterateRows(reader, t, { lo: 2n, hi: 2n }), t)).toEqual(['quarantined s: A\uFFFD']);
    reader.close();
    writer.close();
  });
});
