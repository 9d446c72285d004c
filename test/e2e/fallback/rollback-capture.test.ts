/**
 * Issue #12 defect 5: rollback detects writes since the cutover exactly, from the capture
 * triggers the cutover installs in its own transaction: a write of a connection that stays open
 * (in flight, then committed), a crash right after the cutover commit, and a run cut over without
 * capture (refused unless --force).
 */
import { noMappings } from '../../support/fixtures.js';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { sqliteFromSql, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const FIXTURE = `
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
CREATE TABLE tags (name TEXT);
INSERT INTO users VALUES (1, 'a@example.com'), (2, 'b@example.com');
INSERT INTO tags VALUES ('x'), ('y');
`;

describe('rollback detects writes since the cutover from the capture triggers', () => {
  let work: string;
  let source: string;
  const dbs: TestDatabase[] = [];
  const migrate = (db: TestDatabase, ...extra: string[]): string[] => ['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), ...extra];
  const fresh = async (name: string): Promise<TestDatabase> => {
    const db = await createTestDatabase(name);
    dbs.push(db);
    return db;
  };
  const liveUsers = async (db: TestDatabase): Promise<number> => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM public.users`)).rows[0]!.n);

  beforeAll(() => {
    work = tempDir('rbcap');
    source = sqliteFromSql(work, 'app', FIXTURE);
  });
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  it('a write in flight on an open connection blocks the rollback; once committed, it is seen', async () => {
    const db = await fresh('rbcap_open');
    const m = await runCli(migrate(db));
    expect(m.code, m.stderr).toBe(0);
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    try {
      await app.query('BEGIN');
      await app.query(`INSERT INTO public.users (email) VALUES ('in-flight@example.com')`);
      const inflight = await runCli(['rollback', '--target', db.url, '--json']);
      expect(inflight.code, inflight.stderr).toBe(7);
      expect(JSON.parse(inflight.stdout).error.code).toBe('E_WRITES_IN_FLIGHT');
      expect(inflight.stderr).toMatch(/pid \d+ .*holds RowExclusiveLock on users, idle in transaction/);
      await app.query('COMMIT');
      // Committed, and the connection stays open: statistics counters may not show it yet, the changes table does.
      await app.query(`INSERT INTO public.users (email) VALUES ('second@example.com')`);
      const committed = await runCli(['rollback', '--target', db.url, '--json']);
      expect(committed.code, committed.stderr).toBe(7);
      const err = JSON.parse(committed.stdout).error;
      expect(err.code).toBe('E_WRITES_SINCE_CUTOVER');
      expect(err.problems).toEqual(['users: 2 inserted, 0 updated, 0 deleted']);
      expect(await liveUsers(db)).toBe(4);
    } finally {
      await app.end();
    }
    const forced = await runCli(['rollback', '--target', db.url, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/writes made since the cutover stay in sqlite2pg_rolledback_/);
  });

  it('a crash right after the cutover commit leaves the capture in place', async () => {
    const db = await fresh('rbcap_crash');
    const m = await runCli(migrate(db), { env: { SQLITE2PG_TEST_CRASH: 'after-cutover-commit' } });
    expect(m.signal).toBe('SIGKILL');
    expect((await db.query<{ status: string }>(`SELECT status FROM sqlite2pg.runs`)).rows.map((r) => r.status)).toEqual(['cut-over']);
    await db.query(`DELETE FROM public.tags WHERE name = 'x'`);
    const r = await runCli(['rollback', '--target', db.url, '--json']);
    expect(r.code, r.stderr).toBe(7);
    expect(JSON.parse(r.stdout).error.problems).toEqual(['tags: 0 inserted, 0 updated, 1 deleted']);
  });

  it('no writes: rollback goes through; a truncate counts as a write', async () => {
    const db = await fresh('rbcap_clean');
    expect((await runCli(migrate(db))).code).toBe(0);
    const trig = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_trigger WHERE tgname LIKE 'sqlite2pg_capture%'`);
    expect(Number(trig.rows[0]!.n)).toBe(4);
    await db.query(`SELECT * FROM public.users`); // reads are not writes
    expect((await runCli(['rollback', '--target', db.url])).code).toBe(0);
    expect((await runCli(migrate(db))).code).toBe(0);
    await db.query(`TRUNCATE public.tags`);
    const r = await runCli(['rollback', '--target', db.url, '--json']);
    expect(r.code).toBe(7);
    expect(JSON.parse(r.stdout).error.problems).toEqual(['tags: 0 inserted, 0 updated, 0 deleted, truncated 1×']);
  });

  it('a run cut over without capture: rollback refuses unless --force', async () => {
    const db = await fresh('rbcap_none');
    expect((await runCli(migrate(db, '--no-fallback-capture'))).code).toBe(0);
    const trig = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_trigger WHERE tgname LIKE 'sqlite2pg_capture%'`);
    expect(Number(trig.rows[0]!.n)).toBe(0);
    const r = await runCli(['rollback', '--target', db.url, '--json']);
    expect(r.code).toBe(7);
    expect(JSON.parse(r.stdout).error.code).toBe('E_NO_CAPTURE');
    expect((await runCli(['rollback', '--target', db.url, '--force'])).code).toBe(0);
  });
});
