/**
 * Fault injection: the loading backend is terminated, the CLI is SIGKILLed or interrupted with
 * SIGINT mid-COPY, or a second run races the first. Each time the live schema is unchanged and
 * `--resume` (or the first run) completes and verifies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { noMappings, sqliteFromSql, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const ROWS = 300_000;
const FIXTURE = `
CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, n REAL);
CREATE TABLE small (id INTEGER PRIMARY KEY, v TEXT);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${ROWS})
INSERT INTO big SELECT i, printf('row %d: %s', i, substr('the quick brown fox jumps over the lazy dog, again and again and again', 1 + i % 40)), i / 7.0 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000)
INSERT INTO small SELECT i, 'v' || i FROM s;
`;

/** Wait until a sqlite2pg COPY is running in `db`; returns its backend pid. */
async function waitForCopy(db: TestDatabase, timeoutMs = 20_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const r = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sqlite2pg' AND query LIKE 'COPY%' AND state = 'active'`);
    if (r.rows[0]) return r.rows[0].pid;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error('no COPY seen');
}

async function liveTables(db: TestDatabase): Promise<string[]> {
  const r = await db.query<{ t: string }>(`SELECT relname AS t FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1`);
  return r.rows.map((x) => x.t);
}

async function runStatus(db: TestDatabase): Promise<string[]> {
  const r = await db.query<{ status: string }>(`SELECT status FROM sqlite2pg.runs ORDER BY started_at`);
  return r.rows.map((x) => x.status);
}

/** Poll `sqlite2pg status` until its output matches (the server ends a dead client's backends within moments). */
async function statusShows(db: TestDatabase, pattern: RegExp, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await runCli(['status', '--target', db.url]);
    if (pattern.test(s.stdout)) return true;
    if (Date.now() > end) throw new Error(`status never matched ${pattern}:\n${s.stdout}${s.stderr}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe('faults during the load', () => {
  let work: string;
  let source: string;
  const dbs: TestDatabase[] = [];
  const migrate = (db: TestDatabase, ...extra: string[]): string[] => ['migrate', source, '--target', db.url, '--lanes', '2', '--chunk-rows', '100000', '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), ...extra];
  const fresh = async (name: string): Promise<TestDatabase> => {
    const db = await createTestDatabase(name);
    dbs.push(db);
    return db;
  };

  beforeAll(() => {
    work = tempDir('faults');
    source = sqliteFromSql(work, 'big', FIXTURE);
  });
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  async function expectResumeCompletes(db: TestDatabase): Promise<CliResult> {
    expect(await liveTables(db)).toEqual([]);
    const resumed = await runCli(migrate(db, '--resume'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/PASSED: 2 tables, 301,000 rows, verified/);
    const n = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.big`);
    expect(n.rows[0]!.n).toBe(String(ROWS));
    return resumed;
  }

  it('a terminated loading backend fails the run (exit 5) without touching the live schema; --resume completes', async () => {
    const db = await fresh('fault_terminate');
    const running = runCli(migrate(db));
    const pid = await waitForCopy(db);
    await db.query(`SELECT pg_terminate_backend($1)`, [pid]);
    const r = await running;
    expect(r.code, r.stderr + r.stdout).toBe(5);
    expect(r.stdout).toMatch(/terminat/i);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await runStatus(db)).toEqual(['failed']);
    await expectResumeCompletes(db);
    expect(await runStatus(db)).toEqual(['cut-over']);
  });

  it('SIGKILL of the CLI mid-COPY leaves the live schema unchanged; --resume completes', async () => {
    const db = await fresh('fault_sigkill');
    let child = 0;
    const running = runCli(migrate(db), { onSpawn: (p) => (child = p) });
    await waitForCopy(db);
    process.kill(child, 'SIGKILL');
    const r = await running;
    expect(r.signal).toBe('SIGKILL');
    expect(await runStatus(db)).toEqual(['running']);
    // The journal still says running; status tells from the target lock that its process is gone.
    expect(await statusShows(db, /^ *\S+ +\S+ +\S+ +interrupted /m)).toBe(true);
    const listed = JSON.parse((await runCli(['status', '--target', db.url, '--json'])).stdout);
    expect(listed.runs.map((x: { status: string; journal_status: string }) => `${x.status}/${x.journal_status}`)).toEqual(['interrupted/running']);
    // Resuming under different mapping files would mix tables loaded under two sets of rules.
    const changed = join(work, 'changed-mappings');
    mkdirSync(changed, { recursive: true });
    writeFileSync(join(changed, 'big.json'), JSON.stringify({ table: 'big', columns: { n: { cast: 'float8' } } }));
    const refused = await runCli(migrate(db, '--resume').map((a) => (a === noMappings(work) ? changed : a)));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Cannot resume run \S+: the mapping files changed since it started/);
    await expectResumeCompletes(db);
  });

  it('SIGINT stops cleanly: COPY aborted, journal updated, live schema untouched, non-zero exit; --resume completes', async () => {
    const db = await fresh('fault_sigint');
    let child = 0;
    const running = runCli(migrate(db), { onSpawn: (p) => (child = p) });
    await waitForCopy(db);
    process.kill(child, 'SIGINT');
    const r = await running;
    expect(r.code, r.stderr + r.stdout).toBe(5);
    expect(r.stderr).toMatch(/SIGINT received/);
    expect(r.stdout).toMatch(/error: The run was interrupted before the cutover; the live schema is unchanged\./);
    expect(await runStatus(db)).toEqual(['failed']);
    await expectResumeCompletes(db);
  });

  it('a second run on the same target fails fast naming the first; the first completes', async () => {
    const db = await fresh('fault_concurrent');
    const first = runCli(migrate(db));
    await waitForCopy(db);
    // A run that is working is shown running, not interrupted.
    const during = await runCli(['status', '--target', db.url]);
    expect(during.stdout).toMatch(/^ *\S+ +\S+ +\S+ +running /m);
    const started = Date.now();
    const second = await runCli(migrate(db));
    expect(second.code, second.stderr).toBe(5);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(second.stdout).toMatch(/Another sqlite2pg run is working on schema public of this database\. Run \S+ \(from .*big\.db/);
    const r = await first;
    expect(r.code, r.stderr).toBe(0);
    expect(await liveTables(db)).toEqual(['big', 'small']);
  });
});
