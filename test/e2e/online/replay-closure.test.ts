/**
 * Replay rounds closed over the keys they conflict with. A round replays the keys of changelog
 * entries (a, b] and re-reads their CURRENT rows; when such a row now holds a UNIQUE value that a
 * key outside the round gave up in a later change, or references a parent row inserted by a later
 * change, staging still has the old state and the round alone cannot apply. Each test makes the
 * round boundary fall between the changes (rounds of 10 changes, SQLITE2PG_TEST_ROUND_CHANGES),
 * writes from another process between sync calls, and ends with a cutover and a full verify.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { noMappings, sqliteFromSql, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { writeFromOtherProcess } from './support.js';

const work = tempDir('replay-closure');
const ROUND = 10;
/** ROUND inserts into the filler table: pushes what follows past the first round's boundary. */
const FILLER = Array.from({ length: ROUND }, (_, i) => `INSERT INTO filler (v) VALUES ('f${i}');`).join('\n');

describe('replay closes a round over the keys it conflicts with', () => {
  let db: TestDatabase;
  const env = { SQLITE2PG_TEST_ROUND_CHANGES: String(ROUND) };
  const common = (schema: string): string[] => ['--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--schema', schema];
  const sync = (path: string, schema: string): ReturnType<typeof runCli> => runCli(['sync', path, '--once', '--snapshot-dir', join(work, 'snap'), ...common(schema)], { env });

  beforeAll(async () => {
    db = await createTestDatabase('replay_closure');
  });
  afterAll(async () => db?.drop());

  /** Snapshot, then `changes` from another process, then sync (must pass), cutover, full verify. */
  async function scenario(name: string, ddl: string, changes: string): Promise<void> {
    const path = sqliteFromSql(work, name, `PRAGMA journal_mode = WAL; CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT); ${ddl}`);
    const first = await sync(path, name);
    expect(first.code, first.stderr).toBe(0);
    const w = writeFromOtherProcess(path, changes);
    expect(w.stderr).toBe('');
    const s = await sync(path, name);
    expect(s.code, s.stdout + s.stderr).toBe(0);
    expect(s.stderr).toMatch(/round: /);
    const again = await sync(path, name);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const c = await runCli(['cutover', path, ...common(name)], { env });
    expect(c.code, c.stdout + c.stderr).toBe(0);
    const v = await runCli(['verify', path, ...common(name)]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }

  it('a unique value swapped across a round boundary', async () => {
    await scenario(
      'swap',
      `CREATE TABLE s (id INTEGER PRIMARY KEY, token TEXT UNIQUE); INSERT INTO s VALUES (1, 'A'), (2, 'B');`,
      `UPDATE s SET token = 'B' WHERE id = 2;
       ${FILLER}
       UPDATE s SET token = 'C' WHERE id = 1;
       UPDATE s SET token = 'A' WHERE id = 2;`,
    );
    expect((await db.query(`SELECT id::int, token FROM swap.s ORDER BY id`)).rows).toEqual([
      { id: 1, token: 'C' },
      { id: 2, token: 'A' },
    ]);
  });

  it('a three-way rotation of unique values (a chain of conflicts), in a table other tables reference', async () => {
    await scenario(
      'rotation',
      `CREATE TABLE r (id INTEGER PRIMARY KEY, tok TEXT NOT NULL UNIQUE);
       CREATE TABLE ref (id INTEGER PRIMARY KEY, r_id INTEGER REFERENCES r (id));
       INSERT INTO r VALUES (1, 'A'), (2, 'B'), (3, 'C'); INSERT INTO ref VALUES (1, 3);`,
      `UPDATE r SET tok = 'C' WHERE id = 3;
       ${FILLER}
       UPDATE r SET tok = 'T' WHERE id = 1;
       UPDATE r SET tok = 'A' WHERE id = 2;
       UPDATE r SET tok = 'B' WHERE id = 3;
       UPDATE r SET tok = 'C' WHERE id = 1;`,
    );
    expect((await db.query(`SELECT id, tok FROM rotation.r ORDER BY id`)).rows.map((x) => `${x.id}${x.tok}`)).toEqual(['1C', '2A', '3B']);
  });

  it('a NOCASE unique value whose case changes hands', async () => {
    await scenario(
      'nocase',
      `CREATE TABLE n (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE UNIQUE); INSERT INTO n VALUES (1, 'abc'), (2, 'x');`,
      `UPDATE n SET name = 'x' WHERE id = 2;
       ${FILLER}
       UPDATE n SET name = 'zzz' WHERE id = 1;
       UPDATE n SET name = 'ABC' WHERE id = 2;`,
    );
    expect((await db.query(`SELECT id, name FROM nocase.n ORDER BY id`)).rows.map((x) => `${x.id}${x.name}`)).toEqual(['1zzz', '2ABC']);
  });

  it('a child updated to reference parents inserted after its earlier change (by key and by a unique column)', async () => {
    await scenario(
      'fk',
      `CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
       CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id), pcode TEXT REFERENCES p (code));
       INSERT INTO p VALUES (1, 'one'); INSERT INTO c VALUES (1, 1, 'one');`,
      `UPDATE c SET pid = 1 WHERE id = 1;
       ${FILLER}
       INSERT INTO p VALUES (2, 'two'), (3, 'three');
       UPDATE c SET pid = 2, pcode = 'three' WHERE id = 1;`,
    );
    expect((await db.query(`SELECT id::int, pid::int, pcode FROM fk.c`)).rows).toEqual([{ id: 1, pid: 2, pcode: 'three' }]);
  });

  it('a parent deleted after its children moved away, its earlier change in the round (NO ACTION: 23503)', async () => {
    await scenario(
      'moved',
      `CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
       CREATE TABLE d (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id));
       INSERT INTO p VALUES (1, 'one'), (2, 'two'); INSERT INTO d VALUES (1, 1), (2, 1);`,
      `UPDATE p SET name = 'uno' WHERE id = 1;
       ${FILLER}
       UPDATE d SET pid = 2 WHERE id = 1;
       DELETE FROM d WHERE id = 2;
       DELETE FROM p WHERE id = 1;`,
    );
    expect((await db.query(`SELECT id::int, pid::int FROM moved.d`)).rows).toEqual([{ id: 1, pid: 2 }]);
  });

  it('a parent deleted after its child moved away, ON DELETE CASCADE (PostgreSQL would remove the child silently)', async () => {
    await scenario(
      'cascade',
      `CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
       CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id) ON DELETE CASCADE);
       INSERT INTO p VALUES (1, 'one'), (2, 'two'); INSERT INTO c VALUES (1, 1);`,
      `UPDATE p SET name = 'uno' WHERE id = 1;
       ${FILLER}
       UPDATE c SET pid = 2 WHERE id = 1;
       DELETE FROM p WHERE id = 1;`,
    );
    expect((await db.query(`SELECT id::int, pid::int FROM cascade.c`)).rows).toEqual([{ id: 1, pid: 2 }]);
  });
});
