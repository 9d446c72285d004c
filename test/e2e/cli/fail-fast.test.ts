/**
 * Fail fast: a typo in a mapping file, a wrong password or a user without the right to create
 * schemas is found before the run copies the source. No snapshot file is left behind, no run is
 * journalled, no staging schema is created.
 */
import { noMappings } from '../../support/fixtures.js';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { fixtureDb, tempDir } from '../../support/fixtures.js';
import { asAdmin, createTestDatabase, type TestDatabase } from '../../support/pg.js';

function asUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}


/** Files in the snapshot directory (none when it was never created). */
function snapshots(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('fail fast: nothing is copied before the mappings and the target are checked', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  let role: string;
  const PASSWORD = 'Fa1l-Fast-pw';

  beforeAll(async () => {
    db = await createTestDatabase('cli_fail_fast');
    work = tempDir('cli-fail-fast');
    source = fixtureDb(work, 'store');
    role = `u_${randomBytes(4).toString('hex')}`;
    // A real role that can log in but may not create schemas in the database.
    await asAdmin(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
    await asAdmin(`REVOKE CREATE ON DATABASE "${db.name}" FROM PUBLIC`);
  });
  afterAll(async () => {
    await db?.drop();
    if (role) await asAdmin(`DROP ROLE IF EXISTS ${role}`);
  });

  async function journalled(): Promise<number> {
    const r = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_namespace WHERE nspname = 'sqlite2pg' OR nspname LIKE 'sqlite2pg_staging_%'`);
    return Number(r.rows[0]!.n);
  }

  it('a bad mapping file exits 3 and leaves no snapshot', async () => {
    const mappings = join(work, 'bad-mappings');
    mkdirSync(mappings, { recursive: true });
    writeFileSync(join(mappings, 'notes.json'), JSON.stringify({ table: 'notes', columns: { no_such_column: { cast: 'integer' } } }));
    const snap = join(work, 'snap-mapping');
    const r = await runCli(['migrate', source, '--target', db.url, '--mappings', mappings, '--snapshot-dir', snap, '--reports', join(work, 'reports')]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/no_such_column/);
    expect(r.stderr).not.toMatch(/snapshot source/);
    expect(snapshots(snap)).toEqual([]);
    expect(await journalled()).toBe(0);
  });

  it('a wrong password exits 5 and leaves no snapshot', async () => {
    const snap = join(work, 'snap-password');
    const r = await runCli(['migrate', source, '--target', asUser(db.url, role, 'Wr0ng-pw-x'), '--mappings', noMappings(work), '--snapshot-dir', snap, '--reports', join(work, 'reports')]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/rejected the password/);
    expect(snapshots(snap)).toEqual([]);
  });

  it('a user who may not create schemas exits 5 with the GRANT to run, and leaves no snapshot', async () => {
    const snap = join(work, 'snap-privilege');
    const r = await runCli(['migrate', source, '--target', asUser(db.url, role, PASSWORD), '--mappings', noMappings(work), '--snapshot-dir', snap, '--reports', join(work, 'reports')]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain(`CREATE on database ${db.name}`);
    expect(r.stderr).toMatch(/GRANT CREATE ON DATABASE/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(snapshots(snap)).toEqual([]);
    expect(await journalled()).toBe(0);
  });

  it('with everything right the snapshot is taken after the checks and the run passes', async () => {
    const snap = join(work, 'snap-ok');
    const r = await runCli(['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--snapshot-dir', snap, '--reports', join(work, 'reports'), '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const check = r.stderr.indexOf('check mappings');
    const copy = r.stderr.indexOf('snapshot source');
    expect(check).toBeGreaterThanOrEqual(0);
    expect(copy).toBeGreaterThan(check);
  });
});
