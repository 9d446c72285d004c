/**
 * A second cutover into a schema where the application has objects of its own depending on the
 * migrated tables (issue #12, defect 4). `ALTER TABLE … SET SCHEMA` keeps OIDs, so the
 * application's foreign key from `audit` to `users` would follow the old `users` into the
 * previous schema: the cutover must re-point it to the new `users` in its transaction (NOT VALID
 * with the orphans counted when rows do not match), the dry run must list the same dependents,
 * and rollback must point it back at the restored table.
 */
import { noMappings } from '../support/fixtures.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/model/run-result.js';
import { runCli, type CliResult } from '../support/cli.js';
import { sqliteFromSql, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const FIXTURE = `
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20)
INSERT INTO users SELECT i, 'u' || i || '@example.com' FROM s;
`;

function report(run: CliResult): { json: RunResult; md: string } {
  const stem = run.stdout.match(/report: (.*)\.md/)![1]!;
  return { json: JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as RunResult, md: readFileSync(`${stem}.md`, 'utf8') };
}

/** Where the application's foreign key points, and whether it is validated. */
async function auditFk(db: TestDatabase): Promise<{ ref: string; validated: boolean; def: string } | undefined> {
  const r = await db.query<{ ref: string; validated: boolean; def: string }>(
    `SELECT confrelid::regclass::text AS ref, convalidated AS validated, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'audit_user_fk' AND conrelid = 'public.audit'::regclass`,
  );
  return r.rows[0];
}

describe('cutover with application objects depending on the live tables', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  const args = (...extra: string[]): string[] => ['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), ...extra];

  beforeAll(async () => {
    db = await createTestDatabase('cutover_dependents');
    work = tempDir('cutover-dependents');
    source = sqliteFromSql(work, 'app', FIXTURE);
    const first = await runCli(args());
    expect(first.code, first.stderr + first.stdout).toBe(0);
    // The application's own objects, created after the first cutover, on the migrated users.
    await db.query(`CREATE TABLE public.audit (id serial PRIMARY KEY, user_id bigint, note text,
      CONSTRAINT audit_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)`);
    await db.query(`INSERT INTO public.audit (user_id, note) VALUES (1, 'a'), (3, 'b'), (NULL, 'system')`);
    await db.query(`CREATE VIEW public.user_emails AS SELECT email FROM public.users`);
    await db.query(`CREATE FUNCTION public.user_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM users $$`);
  });
  afterAll(async () => db?.drop());

  it('the dry run lists what depends on the tables it would move aside, and which ones', async () => {
    const run = await runCli(args('--dry-run'));
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const out = run.stdout + run.stderr;
    expect(out).toMatch(/a cutover would move the live 1 table \(users\) of schema public aside/);
    const { json, md } = report(run);
    expect(json.cutover.replaces).toEqual([{ kind: 'table', name: 'users' }]);
    const deps = (json.cutover.dependents ?? []).map((d) => `${d.kind} ${d.object} on ${d.on}`);
    expect(deps).toEqual(expect.arrayContaining(['foreign-key public.audit.audit_user_fk on users', 'view public.user_emails on users', 'function public.user_count() on users']));
    expect(json.cutover.foreignKeys).toEqual([{ constraint: 'public.audit.audit_user_fk', references: 'users (id)', validated: true, orphans: 0, validateCommand: null }]);
    expect(md).toMatch(/\*\*Change:\*\* none \(dry run\): schema `public` of .* was not touched; a cutover would move aside the live `users`\./);
    expect(md).toMatch(/public\.user_emails keeps reading the previous users/);
    expect(run.stderr).toMatch(/warning: foreign key public\.audit\.audit_user_fk references public\.users, which the cutover moves aside: it re-points the key to the new public\.users/);
    expect((await auditFk(db))!.ref).toBe('users');
  });

  it('the second cutover re-points the foreign key to the new users: inserts work, the previous schema drops without touching audit', async () => {
    const run = await runCli(args());
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const fk = await auditFk(db);
    expect(fk).toEqual({ ref: 'users', validated: true, def: 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED' });
    const { json, md } = report(run);
    expect(json.cutover.foreignKeys).toEqual([{ constraint: 'public.audit.audit_user_fk', references: 'public.users (id)', validated: true, orphans: 0, validateCommand: null }]);
    expect(md).toMatch(/\*\*Change:\*\* the migrated tables are live in schema `public` of .*, replacing the live `users` \(moved aside into `sqlite2pg_previous_/);
    expect(json.warnings.join('\n')).toMatch(/foreign key public\.audit\.audit_user_fk was re-pointed to the new public\.users \(id\)/);
    // The application's next writes: a new user, and an audit row for it.
    await db.query(`INSERT INTO public.users (email) VALUES ('new@example.com')`);
    await db.query(`INSERT INTO public.audit (user_id, note) SELECT id, 'new' FROM public.users WHERE email = 'new@example.com'`);
    // Dropping the previous tables leaves the application's foreign key alone.
    const prev = json.cutover.previousSchema!;
    await db.query(`DROP VIEW public.user_emails`);
    await db.query(`DROP SCHEMA "${prev}" CASCADE`);
    expect((await auditFk(db))!.ref).toBe('users');
    const n = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.audit`);
    expect(n.rows[0]!.n).toBe('4');
    await db.query(`DELETE FROM public.audit WHERE note = 'new'`);
  });

  it('rows referencing nothing in the new table: re-pointed NOT VALID and reported with their count; rollback points it back', async () => {
    // The source lost user 3, whom audit references.
    const s = new Database(source);
    s.exec(`DELETE FROM users WHERE id = 3`);
    s.close();
    const dry = await runCli(args('--dry-run'));
    expect(dry.code, dry.stderr + dry.stdout).toBe(0);
    expect(dry.stdout + dry.stderr).toMatch(/foreign key public\.audit\.audit_user_fk: 1 row of public\.audit references no row of the new users \(id\): the cutover would re-point it NOT VALID/);
    const run = await runCli(args());
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const out = run.stdout + run.stderr;
    expect(out).toMatch(/foreign key public\.audit\.audit_user_fk was re-pointed to the new public\.users \(id\) NOT VALID: 1 of its rows references no row of the new table .*ALTER TABLE "public"\."audit" VALIDATE CONSTRAINT "audit_user_fk";/);
    expect(await auditFk(db)).toMatchObject({ ref: 'users', validated: false });
    expect(report(run).json.cutover.foreignKeys).toEqual([{ constraint: 'public.audit.audit_user_fk', references: 'public.users (id)', validated: false, orphans: 1, validateCommand: 'ALTER TABLE "public"."audit" VALIDATE CONSTRAINT "audit_user_fk";' }]);
    // New writes are still checked.
    await expect(db.query(`INSERT INTO public.audit (user_id, note) VALUES (999, 'x')`)).rejects.toThrow(/audit_user_fk/);
    const back = await runCli(['rollback', '--target', db.url]);
    expect(back.code, back.stderr + back.stdout).toBe(0);
    expect(back.stderr).toMatch(/foreign key public\.audit\.audit_user_fk re-pointed to the restored public\.users \(id\), validated/);
    // Back on the restored users (which has user 3): validated again.
    expect(await auditFk(db)).toMatchObject({ ref: 'users', validated: true });
    const users = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.users WHERE id = 3`);
    expect(users.rows[0]!.n).toBe('1');
  });
});

describe('a second cutover of a table with a touch trigger', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  const args = (): string[] => ['migrate', source, '--target', db.url, '--mappings', join(work, 'mappings'), '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap')];
  beforeAll(async () => {
    db = await createTestDatabase('cutover_touch');
    work = tempDir('cutover-touch');
    source = sqliteFromSql(work, 'notes', `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, updated_at TEXT); INSERT INTO notes VALUES (1, 'a', '2024-01-01 00:00:00');`);
    mkdirSync(join(work, 'mappings'));
    writeFileSync(join(work, 'mappings', 'notes.json'), JSON.stringify({ table: 'notes', columns: { updated_at: { cast: 'timestamptz', format: 'sqlite-datetime', timeZone: 'UTC' } }, touchOnUpdate: 'updated_at' }));
  });
  afterAll(async () => db?.drop());

  it("moves the previous run's trigger function aside with its table (its name would clash), and rollback brings it back", async () => {
    const first = await runCli(args());
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const second = await runCli(args());
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(report(second).json.cutover.replaces).toEqual([
      { kind: 'table', name: 'notes' },
      { kind: 'function', name: 'notes_touch_updated_at()' },
    ]);
    await db.query(`UPDATE public.notes SET body = 'b' WHERE id = 1`);
    const touched = await db.query<{ y: number }>(`SELECT extract(year FROM updated_at)::int AS y FROM public.notes WHERE id = 1`);
    expect(touched.rows[0]!.y).toBeGreaterThan(2024);
    const back = await runCli(['rollback', '--target', db.url, '--force']);
    expect(back.code, back.stderr + back.stdout).toBe(0);
    const fn = await db.query(`SELECT 1 FROM pg_proc WHERE proname = 'notes_touch_updated_at' AND pronamespace = 'public'::regnamespace`);
    expect(fn.rowCount).toBe(1);
  });
});

describe('a live materialized view of the name of a migrated view', () => {
  let db: TestDatabase;
  let work: string;
  afterAll(async () => db?.drop());

  it('is moved aside by the cutover and restored by rollback (ALTER MATERIALIZED VIEW, not ALTER VIEW)', async () => {
    db = await createTestDatabase('cutover_matview');
    work = tempDir('cutover-matview');
    const source = sqliteFromSql(work, 'v', `CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1); CREATE VIEW v AS SELECT id FROM t;`);
    await db.query(`CREATE MATERIALIZED VIEW public.v AS SELECT 42 AS id`);
    const run = await runCli(['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap')]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(report(run).json.cutover.replaces).toEqual([{ kind: 'view', name: 'v' }]); // as the journal records it
    const back = await runCli(['rollback', '--target', db.url]);
    expect(back.code, back.stderr + back.stdout).toBe(0);
    const r = await db.query<{ relkind: string }>(`SELECT relkind::text FROM pg_class WHERE relname = 'v' AND relnamespace = 'public'::regnamespace`);
    expect(r.rows).toEqual([{ relkind: 'm' }]);
  });
});
