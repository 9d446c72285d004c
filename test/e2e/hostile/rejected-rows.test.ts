/**
 * Rows only PostgreSQL rejects: SQLite lets a TEXT PRIMARY KEY hold NULL (a legacy quirk,
 * https://www.sqlite.org/lang_createtable.html#the_primary_key), PostgreSQL's primary key does not.
 * The loader finds each from the COPY error's line number and sends the chunk again without it:
 * exactly those rows are quarantined, every row after them still loads. Once in a table that may
 * go as binary COPY, once in one that goes as text (a varchar type from its mapping).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteFromSql, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { migrate, tableCounts, writeMappings, type Migration } from './support.js';

const ROWS = `('a', 'x'), (NULL, 'first null'), ('c', 'y'), ('d', 'z'), (NULL, 'second null'), ('f', 'w'), ('g', 'v')`;
const SQL = `
  CREATE TABLE plain (k TEXT PRIMARY KEY, v TEXT);
  INSERT INTO plain VALUES ${ROWS};
  CREATE TABLE sized (k TEXT PRIMARY KEY, v TEXT);
  INSERT INTO sized VALUES ${ROWS};
`;

describe('hostile: rows PostgreSQL rejects in the middle of a table', () => {
  let db: TestDatabase;
  let run: Migration;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_rejected_rows');
    const work = tempDir('hostile-rejected-rows');
    const mappings = writeMappings(join(work, 'mappings'), { 'sized.json': { table: 'sized', columns: { v: { type: 'varchar(20)' } } } });
    run = await migrate(work, sqliteFromSql(work, 'rejected', SQL), db.url, ['--allow-quarantine'], { mappings });
  });
  afterAll(async () => db?.drop());

  it('quarantines exactly the rejected rows, with PostgreSQL reason, and loads the rest', async () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(tableCounts(run.report)).toEqual({
      plain: { read: 7, loaded: 5, quarantined: 2, match: true },
      sized: { read: 7, loaded: 5, quarantined: 2, match: true },
    });
    for (const file of ['plain.jsonl', 'sized.jsonl']) {
      const lines = run.quarantine.get(file) ?? [];
      expect(lines.map((l) => l.key)).toEqual(['k=null', 'k=null']);
      for (const l of lines) expect(l.reason).toMatch(/^PostgreSQL rejected the row: null value in column "k" of relation "(plain|sized)" violates not-null constraint \(COPY (plain|sized), line \d+/);
    }
    for (const t of ['plain', 'sized']) {
      const r = await db.query<{ k: string; v: string }>(`SELECT k, v FROM public.${t} ORDER BY k`);
      expect(r.rows).toEqual([
        { k: 'a', v: 'x' },
        { k: 'c', v: 'y' },
        { k: 'd', v: 'z' },
        { k: 'f', v: 'w' },
        { k: 'g', v: 'v' },
      ]);
    }
  });
});
