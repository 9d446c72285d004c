/**
 * `sqlite2pg prune`: removes the schemas and snapshot files that runs left behind (staging of dead
 * runs, rolled-back tables, snapshots of runs that are not live), lists them with sizes in a dry
 * run, honours --older-than, and keeps what must stay: the staging of a run whose lock is held,
 * the live run's previous schema and snapshot (unless --all), a schema that a live view depends on,
 * and of course the live schema.
 */
import { noMappings } from '../../support/fixtures.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { sqliteFromSql, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

interface Item {
  kind: string;
  name: string;
  runId: string | null;
  bytes: number;
}
interface Pruned {
  dryRun: boolean;
  bytes: number;
  dropped: Item[];
  kept: (Item & { why: string })[];
}

const BUSY_STAGING = 'sqlite2pg_staging_20991231t000000_aaaaaa';
const DEAD_STAGING = 'sqlite2pg_staging_20200101t000000_bbbbbb';

describe('sqlite2pg prune', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  let holder: pg.Client;
  const runs: Record<string, { status: string; snapshot_path: string | null; previous_schema: string | null }> = {};
  let run1 = '';
  let run2 = '';
  let run3 = '';
  const migrate = (...extra: string[]): string[] => ['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), '--json', ...extra];
  const pruneCli = async (...extra: string[]): Promise<Pruned> => {
    const r = await runCli(['prune', '--target', db.url, '--json', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Pruned;
  };
  const schemaExists = async (name: string): Promise<boolean> => (await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [name])).rowCount === 1;

  beforeAll(async () => {
    db = await createTestDatabase('cli_prune');
    work = tempDir('cli-prune');
    source = sqliteFromSql(work, 'app', `
      CREATE TABLE artist (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
      CREATE TABLE notes (id INTEGER PRIMARY KEY, artist_id INTEGER REFERENCES artist (id), body TEXT);
      INSERT INTO artist (name) VALUES ('AC/DC'), ('Accept'), ('Motörhead');
      INSERT INTO notes (artist_id, body) VALUES (1, 'loud'), (3, 'louder');
    `);
    // An older notes table and somebody's view over it: the cutover moves the table aside, the view follows it.
    await db.query(`CREATE TABLE public.notes (id bigint PRIMARY KEY)`);
    await db.query(`CREATE VIEW public.notes_ids AS SELECT id FROM public.notes`);
    const ids: string[] = [];
    for (const extra of [[], [], ['--dry-run', '--keep-staging', '--keep-snapshot']]) {
      if (ids.length === 2) {
        const rb = await runCli(['rollback', '--target', db.url]);
        expect(rb.code, rb.stderr).toBe(0);
      }
      const r = await runCli(migrate(...extra));
      expect(r.code, r.stderr).toBe(0);
      ids.push((JSON.parse(r.stdout) as { runId: string }).runId);
    }
    [run1, run2, run3] = ids as [string, string, string];
    // A run working now on another schema (its lock held by this process), and one that died long ago.
    await db.query(`INSERT INTO sqlite2pg.runs (run_id, mode, status, target_schema, staging_schema, source_path) VALUES ('busy', 'cutover', 'running', 'app_busy', $1, '/x.db')`, [BUSY_STAGING]);
    await db.query(`INSERT INTO sqlite2pg.runs (run_id, mode, status, target_schema, staging_schema, source_path, started_at) VALUES ('dead', 'cutover', 'running', 'app_dead', $1, '/x.db', '2020-01-01')`, [DEAD_STAGING]);
    await db.query(`CREATE SCHEMA ${BUSY_STAGING}; CREATE TABLE ${BUSY_STAGING}.t (x int)`);
    await db.query(`CREATE SCHEMA ${DEAD_STAGING}; CREATE TABLE ${DEAD_STAGING}.t (x int); INSERT INTO ${DEAD_STAGING}.t VALUES (1)`);
    holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock(hashtextextended('sqlite2pg:' || $1, 0))`, ['app_busy']);
    for (const row of (await db.query<{ run_id: string; status: string; snapshot_path: string | null; previous_schema: string | null }>(`SELECT run_id, status, snapshot_path, previous_schema FROM sqlite2pg.runs`)).rows) runs[row.run_id] = row;
  });
  afterAll(async () => {
    await holder?.end();
    await db?.drop();
  });

  it('the scene: run 1 is live again after run 2 was rolled back; run 3 was a dry run that kept its staging', () => {
    expect(runs[run1]!.status).toBe('cut-over');
    expect(runs[run2]!.status).toBe('rolled-back');
    expect(runs[run3]!.status).toBe('dry-run');
    for (const id of [run1, run2, run3]) expect(existsSync(runs[id]!.snapshot_path!)).toBe(true);
  });

  it('--dry-run lists what would go with sizes, changes nothing, and says what it keeps and why', async () => {
    const r = await pruneCli('--dry-run');
    expect(r.dryRun).toBe(true);
    const dropped = r.dropped.map((d) => `${d.kind} ${d.runId}`).sort();
    expect(dropped).toEqual([`rolledback ${run2}`, `snapshot ${run2}`, `snapshot ${run3}`, `staging ${run3}`, 'staging dead'].sort());
    expect(r.bytes).toBe(r.dropped.reduce((n, d) => n + d.bytes, 0));
    expect(r.dropped.every((d) => d.bytes > 0)).toBe(true);
    const kept = Object.fromEntries(r.kept.map((k) => [`${k.kind} ${k.runId}`, k.why]));
    expect(kept['staging busy']).toMatch(/a run is working on schema app_busy now/);
    expect(kept[`previous ${run1}`]).toMatch(/rolling back the live run/);
    expect(kept[`snapshot ${run1}`]).toMatch(/live run/);
    expect(await schemaExists(DEAD_STAGING)).toBe(true);
    for (const id of [run1, run2, run3]) expect(existsSync(runs[id]!.snapshot_path!)).toBe(true);
    // The plain output: a table with the sizes, and the promise about the live schema.
    const plain = await runCli(['prune', '--target', db.url, '--dry-run']);
    expect(plain.stdout).toMatch(/^Would remove 5 items, .* \(dry run: nothing was changed\):/m);
    expect(plain.stdout).toMatch(/rolled-back schema +sqlite2pg_rolledback_/);
    expect(plain.stdout).toMatch(/The live schema is never touched by prune\./);
  });

  it('--older-than keeps what is younger', async () => {
    const r = await pruneCli('--dry-run', '--older-than', '30');
    expect(r.dropped.map((d) => d.name)).toEqual([DEAD_STAGING]);
    expect(r.kept.find((k) => k.runId === run3)?.why).toMatch(/younger than 30 days/);
  });

  it('prune removes them, and leaves the live tables, the busy run and the live run alone', async () => {
    const before = (await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.artist`)).rows[0]!.n;
    const r = await pruneCli();
    expect(r.dryRun).toBe(false);
    expect(r.dropped).toHaveLength(5);
    expect(await schemaExists(DEAD_STAGING)).toBe(false);
    expect(await schemaExists(BUSY_STAGING)).toBe(true);
    expect(existsSync(runs[run2]!.snapshot_path!)).toBe(false);
    expect(existsSync(runs[run3]!.snapshot_path!)).toBe(false);
    expect(existsSync(runs[run1]!.snapshot_path!)).toBe(true);
    expect(await schemaExists(runs[run1]!.previous_schema!)).toBe(true);
    expect((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.artist`)).rows[0]!.n).toBe(before);
    expect((await pruneCli('--dry-run')).dropped).toEqual([]);
  });

  it('--all takes the live run\'s snapshot too, but never a schema a live view still depends on', async () => {
    const r = await pruneCli('--all');
    expect(r.dropped.map((d) => `${d.kind} ${d.runId}`)).toEqual([`snapshot ${run1}`]);
    expect(r.kept.find((k) => k.kind === 'previous')?.why).toMatch(/objects outside it depend on it: public\.notes_ids/);
    expect(await schemaExists(runs[run1]!.previous_schema!)).toBe(true);
    expect((await db.query(`SELECT * FROM public.notes_ids`)).rowCount).toBe(0);
    expect(existsSync(runs[run1]!.snapshot_path!)).toBe(false);
  });
});
