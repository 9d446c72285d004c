/**
 * Faults of an online migration (issue #13): each gets a clear message and an exit code from the
 * README, and loses nothing. The pre-flight that `sync` shares with `migrate` refuses before
 * anything is installed in app.db (bad mapping, unusable reports dir, a target without CREATE,
 * no room for the snapshot, app.db read-only for us), all problems at once; a first sync that
 * fails after installing capture removes it again; a following sync survives a PostgreSQL
 * restart (its own embedded cluster, never the shared test server) and gives up resumably when
 * the server stays away. Real CLI, real PostgreSQL, the application as a separate OS process.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, type CliResult } from '../../support/cli.js';
import { noMappings, tempDir, canMount } from '../../support/fixtures.js';
import { asAdmin, createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { destroyEmbedded, startEmbedded, stopEmbedded } from '../../../src/embedded/embedded-server.js';
import { onlineDb, sleep, sqliteObjects, sqliteRows, steadyWriter, writeFromOtherProcess } from './support.js';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

const MOUNT = canMount();
if (!MOUNT) console.warn('online faults: mount -t tmpfs is not permitted here: the full snapshot disk and read-only reports mount tests are skipped');
const ROOT_USER = process.getuid?.() === 0;
if (!ROOT_USER) console.warn('online faults: not root, so the test cannot run sync as another user: the read-only directory test is skipped');
/** Whether the OS user nobody can start the CLI from this checkout (a clone inside a mode-0700 directory it cannot). */
const NOBODY_RUNS = ROOT_USER && spawnSync(process.execPath, [BIN, '--version'], { cwd: '/', uid: 65534, gid: 65534, stdio: 'ignore' }).status === 0;
if (ROOT_USER && !NOBODY_RUNS) console.warn(`online faults: the user nobody cannot reach ${BIN} (a parent directory is not searchable for others): the read-only directory test is skipped`);


/** The CLI as another OS user (nobody), for permissions root would ignore. */
function runCliAs(uid: number, gid: number, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL'));
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, uid, gid, env: { ...env, CI: '1', HOME: '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('online faults: the pre-flight of sync and cutover', () => {
  let db: TestDatabase;
  let work: string;
  let role: string;
  const PASSWORD = 'On1ine-Faults-pw';
  const mounts: string[] = [];
  const common = (schema: string, extra: string[] = []): string[] => ['--target', db.url, '--schema', schema, '--reports', join(work, 'reports'), ...extra];
  const withMappings = (extra: string[]): string[] => (extra.includes('--mappings') ? extra : ['--mappings', noMappings(work), ...extra]);
  const sync = (path: string, schema: string, ...extra: string[]): Promise<CliResult> => runCli(['sync', path, ...common(schema, ['--snapshot-dir', join(work, 'snap'), ...withMappings(extra)])]);
  /** What a refused sync may leave in the target: nothing for its schema. */
  const targetTraces = async (schema: string): Promise<{ runs: number; staging: number; live: number }> => {
    const journal = Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_namespace WHERE nspname = 'sqlite2pg'`)).rows[0]!.n) > 0;
    const count = async (sql: string): Promise<number> => Number((await db.query<{ n: string }>(sql, [schema])).rows[0]!.n);
    const runs = journal ? await count(`SELECT count(*)::text AS n FROM sqlite2pg.runs WHERE target_schema = $1`) : 0;
    const staging = journal ? await count(`SELECT count(*)::text AS n FROM pg_namespace WHERE nspname IN (SELECT staging_schema FROM sqlite2pg.runs WHERE target_schema = $1)`) : 0;
    const live = Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_namespace WHERE nspname = $1`, [schema])).rows[0]!.n);
    return { runs, staging, live };
  };
  const untouched = { runs: 0, staging: 0, live: 0 };
  const badMappings = (): string => {
    const dir = join(work, 'bad-mappings');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'items.json'), JSON.stringify({ table: 'items', columns: { no_such_column: { cast: 'integer' } } }));
    return dir;
  };

  beforeAll(async () => {
    db = await createTestDatabase('online_faults');
    work = tempDir('online-faults');
    chmodSync(work, 0o755);
    role = `u_${randomBytes(4).toString('hex')}`;
    await asAdmin(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
    await asAdmin(`REVOKE CREATE ON DATABASE "${db.name}" FROM PUBLIC`);
  });
  afterAll(async () => {
    for (const m of mounts) execFileSync('umount', ['-l', m]);
    await db?.drop();
    if (role) await asAdmin(`DROP ROLE IF EXISTS ${role}`);
  });

  it('a bad mapping file: exit 3 before capture is installed; app.db unchanged, nothing in the target', async () => {
    const path = onlineDb(work, 'badmap');
    const before = sha256(path);
    const r = await sync(path, 'badmap', '--once', '--mappings', badMappings());
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/no_such_column/);
    expect(r.stderr).not.toMatch(/install change capture/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(sqliteObjects(path)).toEqual([]);
    expect(sha256(path)).toBe(before);
    expect(await targetTraces('badmap')).toEqual(untouched);
  });

  it('a bad mapping and a target role without CREATE are reported at once, before anything is installed', async () => {
    const path = onlineDb(work, 'twoproblems');
    const u = new URL(db.url);
    u.username = role;
    u.password = PASSWORD;
    const r = await runCli(['sync', path, '--target', u.toString(), '--schema', 'twoproblems', '--mappings', badMappings(), '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), '--once']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/pre-flight found 2 problems/);
    expect(r.stderr).toMatch(/GRANT CREATE ON DATABASE/);
    expect(r.stderr).toMatch(/no_such_column/);
    expect(sqliteObjects(path)).toEqual([]);
    expect(await targetTraces('twoproblems')).toEqual(untouched);
  });

  it('a reserved --schema is refused by sync and cutover (exit 2)', async () => {
    const path = onlineDb(work, 'reserved');
    for (const cmd of ['sync', 'cutover']) {
      const r = await runCli([cmd, path, '--target', db.url, '--schema', 'pg_stuff', '--mappings', noMappings(work), '--reports', join(work, 'reports')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--schema "pg_stuff" cannot be used/);
    }
    expect(sqliteObjects(path)).toEqual([]);
  });

  it.skipIf(!MOUNT)('a read-only reports directory: exit 2, listed with a bad mapping, nothing installed in app.db', async () => {
    const path = onlineDb(work, 'roreports');
    const before = sha256(path);
    const reports = join(work, 'ro-reports');
    mkdirSync(reports);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', reports]);
    mounts.push(reports);
    const r = await runCli(['sync', path, '--target', db.url, '--schema', 'roreports', '--mappings', badMappings(), '--reports', reports, '--snapshot-dir', join(work, 'snap'), '--once']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/The reports directory .*ro-reports cannot be used: a file cannot be created in it \(EROFS\)/);
    expect(r.stderr).toMatch(/no_such_column/);
    expect(sqliteObjects(path)).toEqual([]);
    expect(sha256(path)).toBe(before);
    expect(await targetTraces('roreports')).toEqual(untouched);
  });

  it.skipIf(!MOUNT)('no room for the snapshot: exit 2 before capture is installed (free space checked against the source size)', async () => {
    const path = onlineDb(work, 'fullsnap');
    const before = sha256(path);
    const snap = join(work, 'small-snap');
    mkdirSync(snap);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', snap]);
    mounts.push(snap);
    const r = await runCli(['sync', path, '--target', db.url, '--schema', 'fullsnap', '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--snapshot-dir', snap, '--once']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/The snapshot directory .*small-snap has [\d.]+ MiB free; a snapshot of .*fullsnap\.db needs up to [\d.]+ MiB/);
    expect(r.stderr).not.toMatch(/install change capture/);
    expect(sqliteObjects(path)).toEqual([]);
    expect(sha256(path)).toBe(before);
    expect(await targetTraces('fullsnap')).toEqual(untouched);
    // migrate shares the check.
    const m = await runCli(['migrate', path, '--target', db.url, '--schema', 'fullsnap', '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--snapshot-dir', snap]);
    expect(m.code, m.stderr).toBe(2);
    expect(m.stderr).toMatch(/needs up to/);
  });

  it('a snapshot that fails after capture was installed removes the capture again (one transaction) and says so', async () => {
    const path = onlineDb(work, 'snapfail');
    // The snapshot's manifest cannot be written: its name is taken by a directory.
    const snap = join(work, 'snap-broken');
    mkdirSync(join(snap, 'sqlite2pg-snapshots.json'), { recursive: true });
    const r = await runCli(['sync', path, '--target', db.url, '--schema', 'snapfail', '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--snapshot-dir', snap, '--once']);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/install change capture/);
    expect(r.stderr).toMatch(/Could not record the snapshot/);
    expect(r.stderr).toMatch(/The change capture this sync installed was removed from .*snapfail\.db again/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(sqliteObjects(path)).toEqual([]);
    // And the next sync starts afresh (no leftover capture to trip on).
    const again = await sync(path, 'snapfail', '--once');
    expect(again.code, again.stderr).toBe(0);
    expect((await sync(path, 'snapfail', '--abort')).code).toBe(0);
  });

  it('app.db read-only (file mode 0444): exit 4 from sync and cutover, app.db unchanged, nothing in the target', async () => {
    const path = onlineDb(work, 'rofile');
    const before = sha256(path);
    chmodSync(path, 0o444);
    try {
      const r = await sync(path, 'rofile', '--once');
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/Cannot install change capture in .*rofile\.db: the file is read-only \(mode 0444\)/);
      expect(r.stderr).toMatch(/migrate offline with sqlite2pg migrate/);
      const c = await runCli(['cutover', path, ...common('rofile', ['--mappings', noMappings(work)])]);
      expect(c.code, c.stderr).toBe(4);
    } finally {
      chmodSync(path, 0o644);
    }
    expect(sha256(path)).toBe(before);
    expect(sqliteObjects(path)).toEqual([]);
    expect(await targetTraces('rofile')).toEqual(untouched);
  });

  it.skipIf(!NOBODY_RUNS)('app.db in a directory we cannot write (WAL needs -wal/-shm there): exit 4, app.db unchanged, nothing in the target', async () => {
    const dir = join(work, 'rodir');
    mkdirSync(dir);
    const path = onlineDb(dir, 'app');
    const before = sha256(path);
    // The application's user owns the file; the directory is read-only for it (and for us: nobody).
    const nobody = { uid: 65534, gid: 65534 };
    chownSync(path, nobody.uid, nobody.gid);
    chmodSync(dir, 0o555);
    const out = join(work, 'nobody-out');
    mkdirSync(out);
    chownSync(out, nobody.uid, nobody.gid);
    try {
      const r = await runCliAs(nobody.uid, nobody.gid, ['sync', path, '--target', db.url, '--schema', 'rodir', '--mappings', noMappings(work), '--reports', join(out, 'reports'), '--snapshot-dir', join(out, 'snap'), '--once']);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/Cannot install change capture in .*app\.db/);
      expect(r.stderr).toMatch(/-wal and -shm files/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      chmodSync(dir, 0o755);
    }
    expect(sha256(path)).toBe(before);
    expect(sqliteObjects(path)).toEqual([]);
    expect(await targetTraces('rodir')).toEqual(untouched);
  });

  it('the application killed mid-transaction: its rolled-back writes leave no changelog rows and never reach PostgreSQL', async () => {
    const path = onlineDb(work, 'appkill');
    expect((await sync(path, 'appkill', '--once')).code).toBe(0);
    const head = (): number => Number((sqliteRows(path, 'SELECT coalesce(max(seq), 0) AS n FROM _sqlite2pg_changes') as { n: number }[])[0]!.n);
    const before = head();
    // Its own OS process and connection: a transaction of writes, then SIGKILL before COMMIT.
    const script = `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(path)}); db.exec("BEGIN; INSERT INTO items (email, n) VALUES ('killed@x', 1); UPDATE items SET note = 'killed' WHERE id <= 20; DELETE FROM bulk WHERE id <= 100;"); process.kill(process.pid, 'SIGKILL');`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.signal).toBe('SIGKILL');
    expect(head()).toBe(before);
    expect(sqliteRows(path, `SELECT count(*) AS n FROM items WHERE email = 'killed@x' OR note = 'killed'`)).toEqual([{ n: 0 }]);
    expect((await sync(path, 'appkill', '--once')).code).toBe(0);
    const c = await runCli(['cutover', path, ...common('appkill', ['--mappings', noMappings(work)])]);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM appkill.items WHERE email = 'killed@x' OR note = 'killed'`)).rows[0]!.n).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM appkill.bulk`)).rows[0]!.n).toBe(3000);
    const v = await runCli(['verify', path, ...common('appkill', ['--mappings', noMappings(work)])]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('cutover killed in the window before its swap: app.db is unchanged and writable, the target not swapped, and a rerun cuts over', async () => {
    const path = onlineDb(work, 'killwindow');
    await db.query(`CREATE SCHEMA killwindow; CREATE TABLE killwindow.items (id bigint PRIMARY KEY)`);
    expect((await sync(path, 'killwindow', '--once')).code).toBe(0);
    // A long query on the live table holds the swap, so the kill lands before it, every time.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query(`BEGIN; SELECT * FROM killwindow.items`);
    try {
      const k = await runCli(['cutover', path, ...common('killwindow', ['--mappings', noMappings(work), '--lock-timeout', '60000'])], { killAfterStderr: { match: /✔ window: /, signal: 'SIGKILL' } });
      expect(k.signal, k.stderr).toBe('SIGKILL');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect((await db.query(`SELECT status FROM sqlite2pg.runs WHERE target_schema = 'killwindow' AND mode = 'online'`)).rows[0]!.status).toBe('syncing');
    expect((await db.query(`SELECT count(*)::int AS n FROM killwindow.items`)).rows[0]!.n).toBe(0);
    // SQLite rolled the killed process's write lock back: writable, capture intact, no fence.
    expect(sqliteObjects(path).some((o) => o.includes('fence'))).toBe(false);
    expect(writeFromOtherProcess(path, `UPDATE items SET note = 'after the killed cutover' WHERE id = 3`).status).toBe(0);
    const c = await runCli(['cutover', path, ...common('killwindow', ['--mappings', noMappings(work)])]);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect((await db.query(`SELECT note FROM killwindow.items WHERE id = 3`)).rows[0]!.note).toBe('after the killed cutover');
    const v = await runCli(['verify', path, ...common('killwindow', ['--mappings', noMappings(work)])]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('a second sync or cutover of the same target at once is refused (exit 5), and the first goes on', async () => {
    const path = onlineDb(work, 'twice');
    expect((await sync(path, 'twice', '--once')).code).toBe(0);
    const locks = async (): Promise<number> => Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)).rows[0]!.n);
    const holder = spawn(process.execPath, [BIN, 'sync', path, ...common('twice', ['--snapshot-dir', join(work, 'snap'), '--mappings', noMappings(work), '--interval', '50'])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let held = '';
    holder.stderr!.on('data', (d: Buffer) => (held += d.toString()));
    const closed = new Promise<number | null>((r) => holder.on('close', (code) => r(code)));
    try {
      for (let i = 0; i < 200 && (await locks()) === 0; i++) await sleep(50);
      const second = await sync(path, 'twice', '--once');
      expect(second.code, second.stderr).toBe(5);
      expect(second.stderr).toMatch(/Another sqlite2pg run is working on schema twice/);
      const c = await runCli(['cutover', path, ...common('twice', ['--mappings', noMappings(work)])]);
      expect(c.code, c.stderr).toBe(5);
      expect(c.stdout + c.stderr).toMatch(/Another sqlite2pg run is working on schema twice/);
    } finally {
      holder.kill('SIGINT');
    }
    expect(await closed, held).toBe(0);
    expect(sqliteObjects(path).some((o) => o.includes('fence'))).toBe(false);
    expect((await sync(path, 'twice', '--abort')).code).toBe(0);
  });
});

describe('online faults: PostgreSQL restarted during a sync', () => {
  let dir: string;
  let url: string;
  let work: string;

  beforeAll(async () => {
    dir = tempDir('restart-pg');
    chmodSync(dir, 0o755); // as root, the postgres OS user must reach the data directory
    const { server } = await startEmbedded(dir);
    url = server.url;
    work = tempDir('restart-work');
  }, 120_000);
  afterAll(async () => {
    if (dir) await destroyEmbedded(dir);
  });

  it('a following sync reconnects after a restart and loses nothing; past --reconnect-for it exits 5, resumable; then cutover and a full verify with zero differences', async () => {
    const path = onlineDb(work, 'restart');
    const common = ['--target', url, '--mappings', noMappings(work), '--reports', join(work, 'reports')];
    const first = await runCli(['sync', path, ...common, '--snapshot-dir', join(work, 'snap'), '--once']);
    expect(first.code, first.stderr).toBe(0);
    const writer = steadyWriter(path, 150);
    let follow: Promise<CliResult> | null = null;
    try {
      // 1. Restarted within the bound: the sync says so and keeps applying.
      let stderr = '';
      const child = spawn(process.execPath, [BIN, 'sync', path, ...common, '--snapshot-dir', join(work, 'snap'), '--interval', '100', '--reconnect-for', '30'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      let stdout = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      follow = new Promise((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
      for (let i = 0; i < 200 && !/round: /.test(stderr); i++) await sleep(50);
      expect(stderr).toMatch(/round: /);
      await stopEmbedded(dir);
      await sleep(1500);
      await startEmbedded(dir);
      for (let i = 0; i < 400 && !/reconnected to the target/.test(stderr); i++) await sleep(50);
      expect(stderr, stderr).toMatch(/lost the connection to the target .*reconnecting for up to 30 s/);
      expect(stderr).toMatch(/reconnected to the target after [\d.]+ s/);
      // Rounds continue after the reconnect.
      const mark = stderr.length;
      for (let i = 0; i < 200 && !/round: /.test(stderr.slice(mark)); i++) await sleep(50);
      expect(stderr.slice(mark)).toMatch(/round: /);
      child.kill('SIGINT');
      const f = await follow;
      follow = null;
      expect(f.code, f.stderr).toBe(0);

      // 2. Down longer than the bound: exit 5, saying how to continue.
      let stderr2 = '';
      const child2 = spawn(process.execPath, [BIN, 'sync', path, ...common, '--snapshot-dir', join(work, 'snap'), '--interval', '100', '--reconnect-for', '2'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
      child2.stderr!.on('data', (d: Buffer) => (stderr2 += d.toString()));
      const gone = new Promise<number | null>((res) => child2.on('close', (code) => res(code)));
      for (let i = 0; i < 200 && !/round: /.test(stderr2); i++) await sleep(50);
      await stopEmbedded(dir);
      const code = await gone;
      expect(code, stderr2).toBe(5);
      expect(stderr2).toMatch(/did not come back within 2 s/);
      expect(stderr2).toMatch(/Run sqlite2pg sync .*restart\.db again when the server is back/);
      expect(stderr2).not.toMatch(/^\s+at /m);
      // --once does not wait: the server is down, exit 5 at once.
      const once = await runCli(['sync', path, ...common, '--snapshot-dir', join(work, 'snap'), '--once']);
      expect(once.code, once.stderr).toBe(5);
      await startEmbedded(dir);
      const caught = await runCli(['sync', path, ...common, '--snapshot-dir', join(work, 'snap'), '--once']);
      expect(caught.code, caught.stderr).toBe(0);
    } finally {
      writer.child.kill('SIGTERM');
      await writer.done;
      if (follow) await follow;
    }
    const c = await runCli(['cutover', path, ...common]);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    // Every write the application made reached PostgreSQL, none twice: a full verify of the frozen file.
    const v = await runCli(['verify', path, ...common]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const n = sqliteRows(path, 'SELECT count(*) AS n FROM items') as { n: number }[];
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect(Number((await client.query<{ n: string }>('SELECT count(*)::text AS n FROM public.items')).rows[0]!.n)).toBe(n[0]!.n);
    } finally {
      await client.end();
    }
  }, 240_000);
});
