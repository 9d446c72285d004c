/**
 * A password given on the command line never leaves the process: not on stdout, not on stderr
 * (even with --verbose showing the SQL), not in the Markdown report, not in the JSON report.
 * The role and its password are real, so the run really authenticates with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../../support/cli.js';
import { fixtureDb, noMappings, tempDir } from '../../support/fixtures.js';
import { asAdmin, createTestDatabase, type TestDatabase } from '../../support/pg.js';

const PASSWORD = 'S3cr3t-Pa55';
const WRONG = 'Wr0ng-Pa55-x';

/** `url` with another user and password. */
function asUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}


describe('secrets stay secret', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  let role: string;
  let run: CliResult;
  let markdown: string;
  let json: string;

  beforeAll(async () => {
    db = await createTestDatabase('cli_secrets');
    work = tempDir('cli-secrets');
    source = fixtureDb(work, 'store');
    role = `u_${randomBytes(4).toString('hex')}`;
    await asAdmin(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
    await asAdmin(`ALTER DATABASE "${db.name}" OWNER TO ${role}`);
    await db.query(`ALTER SCHEMA public OWNER TO ${role}`);
    const target = asUser(db.url, role, PASSWORD);
    run = await runCli(['migrate', source, '--target', target, '--json', '--verbose', '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), '--mappings', noMappings(work)]);
    const out = JSON.parse(run.stdout) as { report: string; reportJson: string };
    markdown = readFileSync(out.report, 'utf8');
    json = readFileSync(out.reportJson, 'utf8');
  });
  afterAll(async () => {
    await db?.drop();
    if (role) await asAdmin(`DROP ROLE IF EXISTS ${role}`);
  });

  it('the run authenticated with the password and passed', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).outcome).toBe('passed');
    // --verbose really printed the SQL, so the redaction was put to the test.
    expect(run.stderr).toMatch(/CREATE TABLE/);
  });

  it('appears in none of stdout, stderr, the Markdown report and the JSON report', () => {
    for (const [where, text] of [['stdout', run.stdout], ['stderr', run.stderr], ['Markdown report', markdown], ['JSON report', json]] as const) {
      expect(text.includes(PASSWORD), `${where} holds the password`).toBe(false);
      expect(text.includes(encodeURIComponent(PASSWORD)), `${where} holds the encoded password`).toBe(false);
    }
    expect(JSON.parse(json).target.url).toBe(`postgres://${role}:***@${new URL(db.url).host}/${db.name}`);
    expect(markdown).toContain(`postgres://${role}:***@`);
  });

  it('a wrong password exits 5 with one paragraph, no stack trace and no password', async () => {
    const r = await runCli(['migrate', source, '--target', asUser(db.url, role, WRONG), '--reports', join(work, 'reports-wrong'), '--snapshot-dir', join(work, 'snap'), '--mappings', noMappings(work)]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/error: PostgreSQL rejected the password for user u_/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/internal error/);
    // One paragraph: the error and its hint, no blank line in between.
    const errorPart = r.stderr.slice(r.stderr.indexOf('error:')).trim();
    expect(errorPart).not.toMatch(/\n\s*\n/);
    expect(errorPart.split('\n').length).toBeLessThanOrEqual(3);
    for (const text of [r.stdout, r.stderr]) {
      expect(text.includes(WRONG)).toBe(false);
      expect(text.includes(PASSWORD)).toBe(false);
    }
  });
});

/**
 * Issue 12, defect 8: a password written unencoded in the URL. Whatever the parser makes of it,
 * no piece of it reaches stderr (even with --verbose) or the --json object on stdout: the URL is
 * refused as a usage error (exit 2) and shown with everything between `//` and the last `@` hidden.
 */
describe('a password written unencoded in the target URL', () => {
  let work: string;
  let source: string;
  beforeAll(() => {
    work = tempDir('cli-raw-password');
    source = fixtureDb(work, 'store');
  });

  const PIECES = ['Pq', 'Zx7', 'Wv9', 'Rk3', 'Yy5', 'Tt6'];
  const cases: [string, string][] = [
    ['@ : / % ! # together', 'Pq@Zx7:Wv9/Rk3%20!Yy5#Tt6'],
    ['a / that makes the rest a valid path', '123/Rk3Yy5'],
    ['a % not followed by hex digits', 'Rk3%zzYy5'],
    ['a # that starts a fragment', '1#Tt6Yy5'],
    ['a ? that starts a query', 'Wv9?Tt6=Yy5'],
  ];
  for (const [what, password] of cases) {
    it(`${what}: exit 2, and no piece of it on stderr or in --json`, async () => {
      const url = `postgres://app:${password}@127.0.0.1:1/appdb`;
      const r = await runCli(['migrate', source, '--target', url, '--json', '--verbose', '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap')]);
      expect(r.code, r.stderr).toBe(2);
      const out = JSON.parse(r.stdout) as { exitCode: number; error: { code: string; message: string; hint: string } };
      expect(out.error.code).toBe('E_USAGE');
      expect(out.error.message).toContain('postgres://***@127.0.0.1:1/appdb');
      expect(out.error.hint).toMatch(/percent-encoded/);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
      const pieces = PIECES.filter((p) => password.includes(p));
      expect(pieces.length).toBeGreaterThan(0);
      for (const [where, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
        for (const p of pieces) expect(text.includes(p), `${where} holds "${p}" of the password: ${text}`).toBe(false);
      }
    });
  }
});
