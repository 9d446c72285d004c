/**
 * The journal without runs.write_counters (unused since rollback detects writes from the capture
 * triggers): a new journal has no such column, and a journal created by an earlier version (the
 * column present, as its DDL made it) still reads and writes through every runs function.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ensureJournal, insertRun, listRuns, markRunning, recordRunSnapshot, resumableRun, setRunOperator, setRunStatus, syncingRun } from '../../src/cutover/journal.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

/** sqlite2pg.runs as sqlite2pg 0.1.0 up to 2026-12-04 created it (src/cutover/journal.ts, JOURNAL_DDL[1]). */
const OLD_RUNS_DDL = `CREATE TABLE sqlite2pg.runs (
    run_id text PRIMARY KEY,
    mode text NOT NULL,
    status text NOT NULL,
    target_schema text NOT NULL,
    staging_schema text NOT NULL,
    previous_schema text,
    source_path text NOT NULL,
    source_sha256 text,
    source_size bigint,
    mapping_hash text,
    tool_version text,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    cutover_at timestamptz,
    rolled_back_at timestamptz,
    moved jsonb,
    write_counters jsonb,
    error text,
    result jsonb
  )`;

async function columns(db: TestDatabase): Promise<string[]> {
  const r = await db.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'sqlite2pg' AND table_name = 'runs' ORDER BY ordinal_position`);
  return r.rows.map((x) => x.c);
}

/** Every write and read of a run row the tool does, on `client`. */
async function exercise(client: pg.Client): Promise<void> {
  await ensureJournal(client);
  await insertRun(client, { runId: 'r1', mode: 'migrate', schema: 'public', staging: 'sqlite2pg_staging_r1', sourcePath: '/a/app.db', snapshotPath: '/s/r1-app.db', sha256: 'ab', size: 10, mappingHash: 'mh', version: '0.1.0' });
  await setRunOperator(client, 'r1', 'u@h');
  await recordRunSnapshot(client, 'r1', null);
  await setRunStatus(client, 'r1', 'failed', { error: 'boom', result: { ok: false } });
  await markRunning(client, 'r1');
  await setRunStatus(client, 'r1', 'cut-over');
  const runs = await listRuns(client, 'public');
  expect(runs.map((r) => [r.run_id, r.status, r.operator, r.snapshot_path, r.error])).toEqual([['r1', 'cut-over', 'u@h', null, null]]);
  expect(await resumableRun(client, 'public')).toBeNull();
  expect(await syncingRun(client, 'public')).toBeNull();
}

describe('journal runs table without write_counters', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase('journal_old_ddl');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end().catch(() => undefined);
    await db?.drop();
  });

  it('a new journal has no write_counters column, and works', async () => {
    await exercise(client);
    expect(await columns(db)).not.toContain('write_counters');
  });

  it('a journal created by an earlier version keeps its column and works the same', async () => {
    await client.query('DROP SCHEMA IF EXISTS sqlite2pg CASCADE');
    await client.query('CREATE SCHEMA sqlite2pg');
    await client.query(OLD_RUNS_DDL);
    await exercise(client);
    expect(await columns(db)).toContain('write_counters');
    const r = await client.query<{ w: unknown }>(`SELECT write_counters AS w FROM sqlite2pg.runs WHERE run_id = 'r1'`);
    expect(r.rows).toEqual([{ w: null }]);
  });
});
