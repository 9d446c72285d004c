/**
 * Issue 12, wrong exit codes: problems of the target or of the names, which used to end as
 * internal errors (exit 1) or silent runs, get their own code and a message that says what to do.
 * - a read-only database, a role without CREATE: exit 5 before anything is written, with the GRANT;
 * - columns PostgreSQL cannot have (`""`, xmin, ctid, ...): plan validation, exit 3, all listed,
 *   and no staging schema left behind; `oid` is an ordinary name since PostgreSQL 12 and loads;
 * - --schema sqlite2pg (the journal), sqlite2pg_* and pg_*: usage, exit 2, on every command;
 * - --mappings naming a directory that does not exist: exit 3 (the default one may be absent).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { fixtureDb, noMappings, sqliteFromSql, tempDir } from '../../support/fixtures.js';
import { asAdmin, createTestDatabase, type TestDatabase } from '../../support/pg.js';


function asUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

const NAMES_SQL = `
  CREATE TABLE events (id INTEGER PRIMARY KEY, xmin INTEGER, ctid TEXT, "" TEXT, oid INTEGER);
  CREATE TABLE log (cmax INTEGER, tableoid TEXT, msg TEXT, "XMIN" TEXT);
  INSERT INTO events VALUES (1, 10, '(0,1)', 'empty', 7);
  INSERT INTO log VALUES (1, 't', 'hello', 'upper');
`;

describe('target and name problems get their own exit codes', () => {
  let db: TestDatabase;
  let work: string;
  let store: string;
  const migrateArgs = (source: string, target: string, ...extra: string[]): string[] => ['migrate', source, '--target', target, '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), '--mappings', noMappings(work), ...extra];

  beforeAll(async () => {
    db = await createTestDatabase('cli_target_problems');
    work = tempDir('cli-target-problems');
    store = fixtureDb(work, 'store');
  });
  afterAll(async () => db?.drop());

  it('system column names and an empty name: exit 3, every one listed with its fix, nothing created in the target', async () => {
    const source = sqliteFromSql(work, 'names', NAMES_SQL);
    const r = await runCli([...migrateArgs(source, db.url), '--json']);
    expect(r.code, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout) as { error: { code: string; problems: string[] } };
    expect(out.error.code).toBe('E_CONFIG');
    const problems = out.error.problems.join('\n');
    for (const [table, column] of [['events', 'xmin'], ['events', 'ctid'], ['events', ''], ['log', 'cmax'], ['log', 'tableoid']]) {
      expect(problems).toContain(`table "${table}" column "${column}"`);
    }
    expect(out.error.problems).toHaveLength(5);
    expect(problems).toContain(`"columns": {"xmin": {"target": "xmin_"}}`);
    expect(problems).not.toContain('"oid"');
    expect(problems).not.toContain('"XMIN"');
    expect(r.stderr).not.toMatch(/internal error/);
    const schemas = await db.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sqlite2pg%'`);
    expect(schemas.rows).toEqual([]);
  });

  it('renamed through the mapping, the same tables load (oid and "XMIN" as they are)', async () => {
    const source = sqliteFromSql(work, 'names-mapped', NAMES_SQL);
    const mappings = join(work, 'names-mappings');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(mappings, { recursive: true });
    writeFileSync(join(mappings, 'events.json'), JSON.stringify({ table: 'events', columns: { xmin: { target: 'xmin_' }, ctid: { target: 'ctid_' }, '': { target: 'unnamed' } } }));
    writeFileSync(join(mappings, 'log.json'), JSON.stringify({ table: 'log', columns: { cmax: { target: 'cmax_' }, tableoid: { skip: true } } }));
    const r = await runCli(['migrate', source, '--target', db.url, '--schema', 'names', '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), '--mappings', mappings]);
    expect(r.code, r.stderr).toBe(0);
    const cols = await db.query<{ c: string }>(`SELECT string_agg(column_name, ',' ORDER BY ordinal_position) AS c FROM information_schema.columns WHERE table_schema = 'names' AND table_name = 'events'`);
    expect(cols.rows[0]!.c).toBe('id,xmin_,ctid_,unnamed,oid');
    const log = await db.query<{ c: string }>(`SELECT string_agg(column_name, ',' ORDER BY ordinal_position) AS c FROM information_schema.columns WHERE table_schema = 'names' AND table_name = 'log'`);
    expect(log.rows[0]!.c).toBe('cmax_,msg,XMIN');
  });

  it('a database with default_transaction_read_only = on: exit 5 with the setting and the fix', async () => {
    const ro = await createTestDatabase('cli_read_only');
    try {
      await asAdmin(`ALTER DATABASE "${ro.name}" SET default_transaction_read_only = on`);
      const r = await runCli([...migrateArgs(store, ro.url), '--json']);
      expect(r.code, r.stderr).toBe(5);
      const out = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } };
      expect(out.error.code).toBe('E_TARGET_READ_ONLY');
      expect(out.error.message).toContain('default_transaction_read_only is on');
      expect(out.error.hint).toContain(`ALTER DATABASE "${ro.name}" SET default_transaction_read_only = off`);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
    } finally {
      await ro.drop();
    }
  });

  it('a role without CREATE on the database or the schema: exit 5 naming each privilege and its GRANT', async () => {
    const role = `u_${randomBytes(4).toString('hex')}`;
    await asAdmin(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-${role}'`);
    try {
      await asAdmin(`GRANT CONNECT ON DATABASE "${db.name}" TO ${role}`);
      await db.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      const r = await runCli([...migrateArgs(store, asUser(db.url, role, `pw-${role}`)), '--json']);
      expect(r.code, r.stderr).toBe(5);
      const out = JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } };
      expect(out.error.code).toBe('E_TARGET_PRIVILEGE');
      expect(out.error.message).toContain(`CREATE on database ${db.name}`);
      expect(out.error.message).toContain('CREATE on schema public');
      expect(out.error.hint).toContain(`GRANT CREATE ON DATABASE "${db.name}" TO "${role}";`);
      expect(out.error.hint).toContain(`GRANT CREATE ON SCHEMA "public" TO "${role}";`);
      expect(r.stderr).toContain(`GRANT CREATE ON DATABASE "${db.name}" TO "${role}";`);
      expect(r.stderr).not.toMatch(/internal error/);
    } finally {
      await db.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await asAdmin(`REVOKE ALL ON DATABASE "${db.name}" FROM ${role}`).catch(() => undefined);
      await asAdmin(`DROP ROLE IF EXISTS ${role}`);
    }
  });

  const UNUSED = 'postgres://nobody@127.0.0.1:1/nothing';
  const reserved = ['sqlite2pg', 'sqlite2pg_staging_20261204t000000_abcdef', 'pg_catalog', 'pg_mine'];
  const commands: [string, (schema: string) => string[]][] = [
    ['migrate', (s) => ['migrate', store, '--target', UNUSED, '--schema', s]],
    ['verify', (s) => ['verify', store, '--target', UNUSED, '--schema', s]],
    ['status', (s) => ['status', '--target', UNUSED, '--schema', s]],
    ['rollback', (s) => ['rollback', '--target', UNUSED, '--schema', s]],
  ];
  for (const [command, args] of commands) {
    it(`${command} --schema <reserved>: exit 2 before connecting`, async () => {
      // verify only reads: it may compare a kept sqlite2pg_* schema (tables a rollback or fallback moved aside).
      for (const schema of reserved.filter((x) => command !== 'verify' || !x.startsWith('sqlite2pg_'))) {
        const r = await runCli([...args(schema), '--json']);
        expect(r.code, `${schema}: ${r.stderr}`).toBe(2);
        expect(JSON.parse(r.stdout).error.message).toContain(`--schema "${schema}" cannot be used`);
      }
    });
  }

  it('--mappings naming a missing directory: exit 3 with the path and what to run; the default may be absent', async () => {
    const missing = join(work, 'mappngs');
    for (const command of ['migrate', 'verify']) {
      const r = await runCli([command, store, '--target', db.url, '--mappings', missing, '--reports', join(work, 'reports'), '--json']);
      expect(r.code, r.stderr).toBe(3);
      const out = JSON.parse(r.stdout) as { error: { message: string; hint: string } };
      expect(out.error.message).toContain(missing);
      expect(out.error.hint).toContain('sqlite2pg plan');
    }
    // No --mappings and no ./mappings: the built-in defaults, as before.
    const cwd = tempDir('cli-default-mappings');
    const r = await runCli(['migrate', store, '--target', db.url, '--schema', 'defaults', '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap')], { cwd });
    expect(r.code, r.stderr).toBe(0);
  });
});
