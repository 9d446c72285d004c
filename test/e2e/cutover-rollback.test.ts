/**
 * Cutover into a target that already has an older version of the tables plus objects that are
 * not ours; dry-run leaves everything as it was; rollback restores the old data byte for byte.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const SHOP = join(ROOT, 'examples', 'shop.db');
const MAPPINGS = join(ROOT, 'examples', 'shop-mappings');

/** Everything in the database except our journal: relations with their kind, plus row fingerprints. */
async function catalog(db: TestDatabase): Promise<string[]> {
  const r = await db.query<{ x: string }>(
    `SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'sqlite2pg') ORDER BY 1`,
  );
  return r.rows.map((x) => x.x);
}

async function oldFingerprint(db: TestDatabase): Promise<string> {
  const r = await db.query<{ f: string }>(`SELECT md5(string_agg(c::text, '|' ORDER BY id)) AS f FROM public.customers c`);
  return r.rows[0]!.f;
}

describe('cutover, dry-run and rollback against a target with existing objects', () => {
  let db: TestDatabase;
  let work: string;
  let fingerprint: string;
  const args = (...extra: string[]): string[] => ['migrate', SHOP, '--target', db.url, '--mappings', MAPPINGS, '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), ...extra];

  beforeAll(async () => {
    db = await createTestDatabase('cutover');
    work = tempDir('cutover');
    // The application's previous state: an older customers table, an unrelated table using an
    // extension type, a view over it, and a view of someone else's over the old customers table.
    await db.query(`CREATE EXTENSION citext`);
    await db.query(`CREATE TABLE public.customers (id bigint PRIMARY KEY, email text NOT NULL)`);
    await db.query(`INSERT INTO public.customers SELECT g, 'old' || g || '@example.com' FROM generate_series(1, 42) g`);
    await db.query(`CREATE TABLE public.audit_log (id serial PRIMARY KEY, who citext NOT NULL)`);
    await db.query(`INSERT INTO public.audit_log (who) VALUES ('Alice'), ('BOB')`);
    await db.query(`CREATE VIEW public.audit_bobs AS SELECT * FROM public.audit_log WHERE who = 'bob'`);
    await db.query(`CREATE VIEW public.customer_emails AS SELECT email FROM public.customers`);
    fingerprint = await oldFingerprint(db);
  });
  afterAll(async () => db?.drop());

  it('dry-run loads, verifies and reports, and leaves the target exactly as it was', async () => {
    const before = await catalog(db);
    const run = await runCli(args('--dry-run'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/DRY RUN/);
    expect(await catalog(db)).toEqual(before);
    expect(await oldFingerprint(db)).toBe(fingerprint);
    const report = JSON.parse(readFileSync(run.stdout.match(/report: (.*)\.md/)![1]! + '.json', 'utf8'));
    expect(report.mode).toBe('dry-run');
    expect(report.cutover.performed).toBe(false);
    expect(report.tables.map((t: { rowsLoaded: number }) => t.rowsLoaded).reduce((a: number, b: number) => a + b, 0)).toBe(8620);
  });

  it('cuts over: the new tables are live, the old ones kept aside, unrelated objects still work', async () => {
    const run = await runCli(args());
    expect(run.code, run.stderr).toBe(0);
    const live = await db.query<{ n: string; t: string }>(`SELECT count(*)::text AS n, pg_typeof(min(settings::text)::jsonb)::text AS t FROM public.customers`);
    expect(live.rows[0]).toEqual({ n: '500', t: 'jsonb' });
    const types = await db.query<{ column_name: string; data_type: string }>(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'customers' ORDER BY ordinal_position`);
    expect(types.rows.map((r) => `${r.column_name} ${r.data_type}`)).toEqual(['id bigint', 'email text', 'name text', 'created_at timestamp with time zone', 'is_active boolean', 'settings jsonb']);
    const bobs = await db.query<{ who: string }>(`SELECT who::text FROM public.audit_bobs`);
    expect(bobs.rows).toEqual([{ who: 'BOB' }]);
    // Staging tables load with autovacuum off; the live ones get the server's settings back.
    const opts = await db.query<{ relname: string; reloptions: string[] | null }>(`SELECT relname, reloptions FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname IN ('customers', 'orders', 'order_items', 'products') ORDER BY relname`);
    expect(opts.rows).toEqual(['customers', 'order_items', 'orders', 'products'].map((relname) => ({ relname, reloptions: null })));
    const prev = await db.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sqlite2pg_previous_%'`);
    expect(prev.rows).toHaveLength(1);
    const old = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${prev.rows[0]!.nspname}".customers`);
    expect(old.rows[0]!.n).toBe('42');
    // Someone else's view still reads the previous table: the report says so.
    const report = JSON.parse(readFileSync(run.stdout.match(/report: (.*)\.md/)![1]! + '.json', 'utf8'));
    expect(report.warnings.join('\n')).toMatch(/public\.customer_emails keeps reading the previous customers \(moved into sqlite2pg_previous_\w+\): re-create it/);
    expect(report.cutover.dependents.map((d: { kind: string; object: string }) => `${d.kind} ${d.object}`)).toEqual(['view public.customer_emails']);
    expect(report.cutover.performed).toBe(true);
    expect(report.cutover.rollbackCommand).toMatch(/^sqlite2pg rollback --run \S+ --schema public --target 'postgres:\/\/[^']*'$/);
  });

  it('rolls back in one transaction: the old data is back byte for byte, unrelated objects untouched', async () => {
    const run = await runCli(['rollback', '--target', db.url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Rolled back run \S+ in \d+ ms: 4 tables( and \d+ views?)? moved to sqlite2pg_rolledback_/);
    expect(await oldFingerprint(db)).toBe(fingerprint);
    const bobs = await db.query<{ who: string }>(`SELECT who::text FROM public.audit_bobs`);
    expect(bobs.rows).toEqual([{ who: 'BOB' }]);
    const orders = await db.query(`SELECT 1 FROM pg_class WHERE relname = 'orders' AND relnamespace = 'public'::regnamespace`);
    expect(orders.rowCount).toBe(0);
  });

  it('refuses to roll back over writes made after the cutover, unless --force', async () => {
    expect((await runCli(args())).code).toBe(0);
    await db.query(`INSERT INTO public.customers (email, name) VALUES ('new@example.com', 'New')`);
    // Detected exactly, at once, from the capture triggers (no statistics delay).
    const refused = await runCli(['rollback', '--target', db.url]);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(/written to since the cutover[^]*customers: 1 inserted, 0 updated, 0 deleted/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const forced = await runCli(['rollback', '--target', db.url, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await oldFingerprint(db)).toBe(fingerprint);
  });

  it('says there is nothing to roll back, with exit code 7', async () => {
    const run = await runCli(['rollback', '--target', db.url]);
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/Nothing to roll back: no cut-over run is live in schema public/);
  });

  it('status lists the runs', async () => {
    const run = await runCli(['status', '--target', db.url]);
    expect(run.code).toBe(0);
    expect(run.stdout.match(/rolled-back/g)).toHaveLength(2);
    expect(run.stdout).toMatch(/dry-run/);
    // What the two rollbacks moved aside is kept, and status says what each kept schema is.
    expect(run.stdout.match(/^ {2}sqlite2pg_rolledback_\S+ {2}4 tables, [\d.]+ \w+: the tables a rollback moved out of the live schema$/gm)).toHaveLength(2);
    const json = JSON.parse((await runCli(['status', '--target', db.url, '--json'])).stdout);
    expect(json.keptSchemas.map((k: { kind: string; tables: number }) => `${k.kind}:${k.tables}`)).toEqual(['rolledback:4', 'rolledback:4']);
  });
});

describe('a cutover that fails is rolled back by its own transaction', () => {
  let db: TestDatabase;
  let work: string;
  beforeAll(async () => {
    db = await createTestDatabase('cutover_fail');
    work = tempDir('cutover-fail');
    // An unrelated index takes the name of one of our indexes after the pre-load rehearsal checked
    // it was free (here: as soon as we build ours in staging): index names are per schema, so
    // moving our table into the live schema must fail, and with it the whole swap.
    await db.query(`CREATE TABLE public.unrelated (x int)`);
    await db.query(`CREATE FUNCTION public.take_name() RETURNS event_trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE schema_name LIKE 'sqlite2pg_staging_%' AND object_identity LIKE '%.customers_email_key')
           AND to_regclass('public.customers_email_key') IS NULL THEN
          CREATE INDEX customers_email_key ON public.unrelated (x);
        END IF;
      END $$`);
    await db.query(`CREATE EVENT TRIGGER take_name ON ddl_command_end WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION public.take_name()`);
  });
  afterAll(async () => db?.drop());

  it('exits 5, leaves the live schema as it was, keeps the staging schema, and reports the step as rolled back', async () => {
    const run = await runCli(['migrate', SHOP, '--target', db.url, '--mappings', MAPPINGS, '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap')]);
    expect(run.code).toBe(5);
    expect(run.stdout).toMatch(/Cutover failed and was rolled back: relation "customers_email_key" already exists/);
    const live = await db.query<{ relname: string }>(`SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1`);
    expect(live.rows.map((r) => r.relname)).toEqual(['unrelated']);
    const staging = await db.query(`SELECT 1 FROM pg_namespace WHERE nspname LIKE 'sqlite2pg_staging_%'`);
    expect(staging.rowCount).toBe(1);
    const report = JSON.parse(readFileSync(run.stdout.match(/report: (.*)\.md/)![1]! + '.json', 'utf8'));
    expect(report.steps.find((s: { step: string }) => s.step === 'cutover').status).toBe('rolled-back');
    expect(report.cutover.performed).toBe(false);
  });
});
