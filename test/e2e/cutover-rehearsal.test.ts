/**
 * The dry run rehearses the cutover, and a real run checks it before loading (issue #12): run
 * as a second role that does not own the live table it must move aside, next to a live index
 * holding the name of one we bring in (index names are per schema), and as a role without
 * CREATE privileges. Each time: exit 5 before any load, every problem listed with its GRANT or
 * RENAME, the live schema unchanged. Once fixed as told, the same role cuts over.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/model/run-result.js';
import { ROOT, runCli, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { asAdmin, createTestDatabase, type TestDatabase } from '../support/pg.js';

const SHOP = join(ROOT, 'examples', 'shop.db');
const MAPPINGS = join(ROOT, 'examples', 'shop-mappings');

function asRole(url: string, role: string, password: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = password;
  return u.toString();
}

function report(run: CliResult): RunResult {
  return JSON.parse(readFileSync(run.stdout.match(/report: (.*)\.md/)![1]! + '.json', 'utf8')) as RunResult;
}


describe('the cutover rehearsed as a role that may not do it', () => {
  let db: TestDatabase;
  let work: string;
  const suffix = randomBytes(3).toString('hex');
  const migrator = `migrator_${suffix}`;
  const owner = `app_owner_${suffix}`;
  const bare = `bare_${suffix}`;
  const password = `pw-${suffix}`;
  const args = (url: string, ...extra: string[]): string[] => ['migrate', SHOP, '--target', url, '--mappings', MAPPINGS, '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), ...extra];

  async function liveState(): Promise<string[]> {
    const r = await db.query<{ x: string }>(
      `SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'sqlite2pg') ORDER BY 1`,
    );
    return r.rows.map((x) => x.x);
  }

  beforeAll(async () => {
    db = await createTestDatabase('cutover_rehearsal');
    work = tempDir('cutover-rehearsal');
    await asAdmin(`CREATE ROLE ${owner} NOLOGIN`);
    await asAdmin(`CREATE ROLE ${migrator} LOGIN PASSWORD '${password}'`);
    await asAdmin(`CREATE ROLE ${bare} LOGIN PASSWORD '${password}'`);
    await db.query(`GRANT CREATE ON DATABASE "${db.name}" TO ${migrator}`);
    await db.query(`GRANT CREATE ON SCHEMA public TO ${migrator}`);
    // The application's live customers, owned by the application's role, not by the migrating one.
    await db.query(`CREATE TABLE public.customers (id bigint PRIMARY KEY, email text NOT NULL)`);
    await db.query(`ALTER TABLE public.customers OWNER TO ${owner}`);
    // An unrelated index already holds the name of one of ours.
    await db.query(`CREATE TABLE public.unrelated (x int)`);
    await db.query(`CREATE INDEX customers_email_key ON public.unrelated (x)`);
  });
  afterAll(async () => {
    await db?.drop();
    for (const r of [migrator, bare, owner]) await asAdmin(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
  });

  it('the dry run fails (exit 5) before loading, listing the ownership and the name clash with their fixes', async () => {
    const before = await liveState();
    const run = await runCli(args(asRole(db.url, migrator, password), '--dry-run'));
    expect(run.code, run.stderr + run.stdout).toBe(5);
    const out = run.stdout + run.stderr;
    expect(out).toMatch(/The cutover into schema public would fail, so nothing was loaded \(2 problems\)/);
    expect(out).toContain(`the live table public.customers is owned by ${owner}, not by ${migrator}`);
    expect(out).toContain(`GRANT ${owner} TO ${migrator};`);
    expect(out).toMatch(/the name customers_email_key is taken in schema public by an index of table unrelated .* ALTER INDEX "public"\."customers_email_key" RENAME TO/);
    expect(out).not.toMatch(/\n\s+at /);
    const json = report(run);
    expect(json.error?.code).toBe('E_SWAP_REHEARSAL');
    expect(json.steps.map((s) => s.step)).not.toContain('load data');
    expect(await liveState()).toEqual(before);
  });

  it('a real run fails the same way before the load: no staging schema, live schema unchanged', async () => {
    const before = await liveState();
    const run = await runCli(args(asRole(db.url, migrator, password)));
    expect(run.code, run.stderr + run.stdout).toBe(5);
    expect(run.stdout + run.stderr).toMatch(/would fail, so nothing was loaded \(2 problems\)/);
    expect(report(run).steps.map((s) => s.step)).not.toContain('load data');
    const staging = await db.query(`SELECT 1 FROM pg_namespace WHERE nspname LIKE 'sqlite2pg_staging_%'`);
    expect(staging.rowCount).toBe(0);
    expect(await liveState()).toEqual(before);
  });

  it('a role without CREATE is told what to GRANT on the database and the schema', async () => {
    const run = await runCli(args(asRole(db.url, bare, password), '--dry-run'));
    expect(run.code, run.stderr + run.stdout).toBe(5);
    const out = run.stdout + run.stderr;
    // Missing privileges are found by the target pre-flight, before the snapshot and the rehearsal.
    expect(out).toContain(`GRANT CREATE ON DATABASE "${db.name}" TO "${bare}";`);
    expect(out).toContain(`GRANT CREATE ON SCHEMA "public" TO "${bare}";`);
  });

  it('fixed as told, the same role passes the dry run and cuts over', async () => {
    await db.query(`GRANT ${owner} TO ${migrator}`);
    await db.query(`ALTER INDEX public.customers_email_key RENAME TO unrelated_x_idx`);
    const dry = await runCli(args(asRole(db.url, migrator, password), '--dry-run'));
    expect(dry.code, dry.stderr + dry.stdout).toBe(0);
    expect(dry.stdout + dry.stderr).toMatch(/a cutover would move the live 1 table \(customers\) of schema public aside/);
    const run = await runCli(args(asRole(db.url, migrator, password)));
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(report(run).cutover.replaces).toEqual([{ kind: 'table', name: 'customers' }]);
  });
});
