/**
 * sqlite2pg.config.json: found in the current directory or named by --config, flags win over it,
 * its target wins over DATABASE_URL, ${VAR} keeps passwords out of it, and every problem in it is
 * reported at once (exit 3).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runCli } from '../../support/cli.js';
import { fixtureDb, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../../support/pg.js';

/** Nothing listens on port 1: a target that must never be used. */
const UNUSED_TARGET = 'postgres://nobody:nope@127.0.0.1:1/nothing';

async function tablesIn(db: TestDatabase, schema: string): Promise<string[]> {
  const r = await db.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`, [schema]);
  return r.rows.map((x) => x.t);
}

function writeConfig(dir: string, config: unknown, name = 'sqlite2pg.config.json'): string {
  mkdirSync(dir, { recursive: true });
  // A mappings directory named in the config must exist (an empty one: the built-in defaults).
  const mappings = typeof config === 'object' && config !== null ? (config as { mappings?: unknown }).mappings : undefined;
  if (typeof mappings === 'string') mkdirSync(join(dir, mappings), { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify({ $schema: '../sqlite2pg.config.schema.json', ...(config as object) }, null, 2));
  return path;
}

describe('the config file', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;

  beforeAll(async () => {
    db = await createTestDatabase('cli_config');
    work = tempDir('cli-config');
    source = fixtureDb(work, 'store');
  });
  afterAll(async () => db?.drop());

  it('in the current directory: its settings apply, and its target wins over DATABASE_URL', async () => {
    const dir = join(work, 'from-cwd');
    writeConfig(dir, { target: '${CFG_TARGET}', schema: 'from_config', reports: 'out/reports', mappings: 'no-mappings', snapshot: { dir: 'out/snap' }, lanes: 1 });
    const r = await runCli(['migrate', source], { cwd: dir, env: { CFG_TARGET: db.url, DATABASE_URL: UNUSED_TARGET } });
    expect(r.code, r.stderr).toBe(0);
    expect(await tablesIn(db, 'from_config')).toContain('Artist');
    // Relative paths are relative to the config file.
    expect(readdirSync(join(dir, 'out', 'reports')).some((f) => f.endsWith('.md'))).toBe(true);
    expect(existsSync(join(dir, 'out', 'snap'))).toBe(true);
  });

  it('flags win over the file', async () => {
    const dir = join(work, 'flags-win');
    writeConfig(dir, { target: UNUSED_TARGET, schema: 'not_this_one', reports: 'config-reports', mappings: 'no-mappings', snapshot: { dir: 'snap' } });
    const r = await runCli(['migrate', source, '--target', db.url, '--schema', 'from_flag', '--reports', join(dir, 'flag-reports')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(await tablesIn(db, 'from_flag')).toContain('Artist');
    expect(await tablesIn(db, 'not_this_one')).toEqual([]);
    expect(existsSync(join(dir, 'flag-reports'))).toBe(true);
    expect(existsSync(join(dir, 'config-reports'))).toBe(false);
  });

  it('--config names a file elsewhere; DATABASE_URL is used when the file has no target', async () => {
    const dir = join(work, 'elsewhere');
    const file = writeConfig(join(dir, 'deploy'), { schema: 'from_named', mappings: 'no-mappings', reports: 'reports', snapshot: { enabled: false } }, 'prod.json');
    const r = await runCli(['migrate', source, '--config', file, '--json'], { cwd: dir, env: { DATABASE_URL: db.url } });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.target.schema).toBe('from_named');
    expect(out.source.snapshotPath).toBeNull();
    expect(out.report.startsWith(join(dir, 'deploy', 'reports'))).toBe(true);
  });

  it('interpolates ${VAR} in the target, percent-encoding it inside user:password', async () => {
    const role = `u_${randomBytes(4).toString('hex')}`;
    const password = 'p@ss:w/rd S3cr3t%';
    const own = await createTestDatabase('cli_config_role');
    const admin = new pg.Client({ connectionString: serverUrl() });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
      await admin.query(`ALTER DATABASE "${own.name}" OWNER TO ${role}`);
      await own.query(`ALTER SCHEMA public OWNER TO ${role}`);
      const u = new URL(own.url);
      const dir = join(work, 'interpolate');
      writeConfig(dir, { target: `postgres://${role}:\${APP_DB_PASSWORD}@${u.host}${u.pathname}`, mappings: 'no-mappings', reports: 'reports', snapshot: { dir: 'snap' } });
      const r = await runCli(['migrate', source, '--json'], { cwd: dir, env: { APP_DB_PASSWORD: password } });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).target.url).toBe(`postgres://${role}:***@${u.host}${u.pathname}`);
      expect(r.stdout + r.stderr).not.toContain('S3cr3t');
      expect(await tablesIn(own, 'public')).toContain('Artist');
    } finally {
      await own.drop();
      await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
  });

  it('lists every problem at once as file: path: message, and exits 3', async () => {
    const dir = join(work, 'invalid');
    const file = writeConfig(dir, {
      target: 'postgres://app:${NOT_SET_ANYWHERE_42}@db/app',
      lanes: 0,
      fold: 'snek',
      dryRun: true,
      tagret: 'x',
      chunkRows: 'many',
      snapshot: { dir: 5, keep: true },
    });
    const r = await runCli(['migrate', source, '--target', db.url], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/error: 8 problems in the config file/);
    const expected = [
      `${file}: lanes: must be 1 or more, not the number 0`,
      `${file}: fold: "snek" is not one of "none", "snake", "lower" (did you mean "snake"?)`,
      `${file}: dryRun: cannot be set in the config file: a dry run is chosen per run: pass --dry-run on the command line`,
      `${file}: tagret: unknown key`,
      `${file}: chunkRows: must be a whole number, not the string "many"`,
      `${file}: snapshot.dir: must be a string, not the number 5`,
      `${file}: snapshot.keep: unknown key`,
      `${file}: target: environment variable NOT_SET_ANYWHERE_42 is not set (used as \${NOT_SET_ANYWHERE_42})`,
    ];
    for (const line of expected) expect(r.stderr).toContain(`  - ${line}`);
    expect(r.stderr).toMatch(/tagret: unknown key .*did you mean "target"\?/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    // Nothing was touched.
    expect(await tablesIn(db, 'public')).toEqual([]);
  });

  it('applies to every command, and --json carries the problems', async () => {
    const dir = join(work, 'invalid-all');
    writeConfig(dir, { lanes: -1 });
    for (const args of [['plan', source], ['verify', source], ['status'], ['rollback']]) {
      const r = await runCli([...args, '--json'], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(3);
      const out = JSON.parse(r.stdout);
      expect(out.exitCode).toBe(3);
      expect(out.error.problems).toEqual([`${join(dir, 'sqlite2pg.config.json')}: lanes: must be 1 or more, not the number -1`]);
    }
  });

  it('plan, which never connects, does not need the target\'s variables', async () => {
    const dir = join(work, 'plan-no-secrets');
    writeConfig(dir, { target: 'postgres://app:${UNSET_IN_CI_42}@db/app', mappings: 'planned' });
    const r = await runCli(['plan', source], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'planned')).some((f) => f.endsWith('.json'))).toBe(true);
    expect((await runCli(['status'], { cwd: dir })).code).toBe(3);
  });

  it('reports a JSON syntax error with its line and column, and a missing --config file', async () => {
    const dir = join(work, 'syntax');
    const file = writeConfig(dir, '{\n  "schema": "app",\n  "lanes": 2,\n}\n');
    const r = await runCli(['migrate', source, '--target', db.url], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file}:3:13: trailing comma`);
    const missing = await runCli(['migrate', source, '--target', db.url, '--config', join(dir, 'nope.json')], { cwd: dir });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/nope\.json: the file does not exist/);
  });

  it('warns about a password written in clear', async () => {
    const dir = join(work, 'clear');
    writeConfig(dir, { target: 'postgres://app:hunter2-clear@127.0.0.1:1/app' });
    const r = await runCli(['migrate', join(work, 'nope.db')], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/warning: .*target: holds a password in clear/);
    expect(r.stderr).not.toContain('hunter2-clear');
  });
});
