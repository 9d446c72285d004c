/**
 * The CLI's contract with scripts: exit codes for the usual mistakes, help that exits 0 and
 * carries examples and the exit codes, and errors as one paragraph without a stack trace.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

describe('exit codes and help', () => {
  let db: TestDatabase;
  let work: string;

  beforeAll(async () => {
    db = await createTestDatabase('cli_exit');
    work = tempDir('cli-exit');
  });
  afterAll(async () => db?.drop());

  it('--help exits 0 and lists examples, the config file, the output modes and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:/);
    expect(r.stdout).toMatch(/sqlite2pg\.config\.json/);
    expect(r.stdout).toMatch(/then \$DATABASE_URL/);
    expect(r.stdout).toMatch(/NO_COLOR/);
    for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) expect(r.stdout).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
  });

  it.each([
    ['migrate', [0, 1, 2, 3, 4, 5, 6, 8, 9, 11]],
    ['plan', [0, 1, 2, 3, 4]],
    ['validate', [0, 1, 2, 3, 4]],
    ['verify', [0, 1, 2, 3, 4, 5, 6]],
    ['status', [0, 1, 2, 5]],
    ['rollback', [0, 1, 2, 5, 7]],
    ['fallback', [0, 1, 2, 4, 5, 7, 10]],
    ['prune', [0, 1, 2, 5]],
    ['embedded', [0, 1, 2]],
  ] as const)('%s --help exits 0 with examples and only the exit codes it can return', async (command, codes) => {
    const r = await runCli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ sqlite2pg /);
    const block = r.stdout.slice(r.stdout.indexOf('Exit codes:'));
    expect([...block.matchAll(/^ {2}(\d+) +\S/gm)].map((m) => Number(m[1]))).toEqual(codes);
  });

  it('--version exits 0', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown flag is a usage error: exit 2', async () => {
    const r = await runCli(['migrate', 'app.db', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
  });

  it('an unknown command and a bad flag value are usage errors: exit 2', async () => {
    expect((await runCli(['migrat', 'app.db'])).code).toBe(2);
    const r = await runCli(['migrate', 'app.db', '--lanes', '0', '--target', db.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--lanes must be a whole number/);
  });

  it('a missing source exits 4 with one paragraph and no stack trace', async () => {
    const r = await runCli(['migrate', join(work, 'nope.db'), '--target', db.url, '--reports', join(work, 'reports')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error: Source .*nope\.db does not exist/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr.trim()).not.toMatch(/\n\s*\n/);
  });

  it('a file that is not SQLite exits 4', async () => {
    const path = join(work, 'dump.sql');
    writeFileSync(path, 'CREATE TABLE t (x);\nINSERT INTO t VALUES (1);\n');
    const r = await runCli(['migrate', path, '--target', db.url, '--reports', join(work, 'reports')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/is not a SQLite 3 database/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const plan = await runCli(['plan', path, '--mappings', join(work, 'm')]);
    expect(plan.code).toBe(4);
  });

  it('an unreachable target exits 5 with one paragraph naming host and port, before anything else happens', async () => {
    const source = join(work, 'tiny.db');
    const { default: Database } = await import('better-sqlite3');
    const d = new Database(source);
    d.exec('CREATE TABLE t (x INTEGER)');
    d.close();
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const r = await runCli(['migrate', source, '--target', 'postgres://u:Pa55w0rd-x@127.0.0.1:1/db', '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/error: Cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused\./);
    expect(r.stderr).toMatch(/Is the server running and listening on that host and port\?/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout + r.stderr).not.toMatch(/Pa55w0rd-x/);
  });

  it('with --json a failure is still exactly one JSON object on stdout', async () => {
    const r = await runCli(['migrate', join(work, 'nope.db'), '--target', db.url, '--json']);
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ exitCode: 4, error: { code: 'E_SOURCE_MISSING', problems: [] } });
    expect(out.error.message).toMatch(/does not exist/);
    const usage = await runCli(['migrate', 'x.db', '--json', '--bogus']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ exitCode: 2, error: { code: 'E_USAGE' } });
  });
});
