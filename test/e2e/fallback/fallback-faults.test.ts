/**
 * Issue #14, faults: a value SQLite's format cannot hold (exit 10, nothing written), a changed or
 * different app.db, app.db locked by the application (a separate process), a run cut over
 * without capture or after --forget, PostgreSQL writes arriving during the fence, and a
 * fallback killed mid-way (app.db unchanged, the rerun completes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../support/cli.js';
import { fixtureDb, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const MAPPINGS = join(ROOT, 'test', 'fixtures', 'fallback-mappings');

/** The logical content of a SQLite file (opening it also recovers a hot journal). */
function dump(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT *, typeof(1) FROM "${t}" ORDER BY rowid`).raw().all()]), (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? v.toString() : v));
  } finally {
    db.close();
  }
}

describe('fallback faults', () => {
  let work: string;
  let original: string;
  const dbs: TestDatabase[] = [];
  let n = 0;
  /** A fresh database and a fresh copy of app.db, migrated. */
  const setup = async (...extra: string[]): Promise<{ db: TestDatabase; app: string }> => {
    const db = await createTestDatabase(`fbfault${n}`);
    dbs.push(db);
    const app = join(work, `app${n++}.db`);
    copyFileSync(original, app);
    const m = await runCli(['migrate', app, '--target', db.url, '--mappings', MAPPINGS, '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), ...extra]);
    expect(m.code, m.stderr).toBe(0);
    return { db, app };
  };
  const fallback = (db: TestDatabase, app: string, ...extra: string[]) => runCli(['fallback', app, '--target', db.url, '--reports', join(work, 'reports'), '--json', ...extra]);
  const liveTables = async (db: TestDatabase): Promise<number> => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0]!.n;

  beforeAll(() => {
    work = tempDir('fbfault');
    original = fixtureDb(work, 'fallback');
  });
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  it('a value the source format cannot hold stops the fallback before it writes (exit 10), unless --inexact nearest', async () => {
    const { db, app } = await setup();
    await db.query(`UPDATE public.users SET created_ms = '2026-12-04 10:00:00.123456+00' WHERE id = 1`);
    await db.query(`UPDATE public.users SET last_login = 'infinity' WHERE id = 2`);
    const before = dump(app);
    const dry = await fallback(db, app, '--dry-run');
    expect(dry.code, dry.stderr).toBe(10);
    expect(JSON.parse(dry.stdout).inexactCount).toBe(2);
    const r = await fallback(db, app);
    expect(r.code, r.stderr).toBe(10);
    const err = JSON.parse(r.stdout).error;
    expect(err.code).toBe('E_FALLBACK_INEXACT');
    expect(err.problems).toEqual([
      'users (id=1) created_ms = 2026-12-04T10:00:00.123456Z (epoch µs 1796378400123456): has a fraction of a millisecond (456 µs) that whole milliseconds cannot hold (nearest: 1796378400123)',
      'users (id=2) last_login = Infinity: infinity has no SQLite form',
    ]);
    expect(dump(app)).toBe(before);
    expect(await liveTables(db)).toBe(4);
    // The application corrects the infinity; the microseconds are accepted as the nearest millisecond.
    await db.query(`UPDATE public.users SET last_login = '2026-12-04 10:00:00+00' WHERE id = 2`);
    const ok = await fallback(db, app, '--inexact', 'nearest');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).inexact[0].nearest).toBe('1796378400123');
    const s = new Database(app, { readonly: true });
    expect(s.prepare(`SELECT created_ms, last_login FROM users WHERE id IN (1, 2) ORDER BY id`).all()).toEqual([
      { created_ms: 1796378400123, last_login: '2024-01-01 10:00:00' },
      { created_ms: 1700000001000, last_login: '2026-12-04 10:00:00' },
    ]);
    s.close();
  });

  it('a changed or different app.db is refused', async () => {
    const { db, app } = await setup();
    await db.query(`INSERT INTO public.log VALUES ('x', 1)`);
    const other = fixtureDb(tempDir('fbother'), 'fallback');
    const w = new Database(other);
    w.exec(`INSERT INTO log VALUES ('changed', 9)`);
    w.close();
    const r = await fallback(db, other);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('E_SOURCE_CHANGED');
    const changed = new Database(app);
    changed.exec(`UPDATE users SET email = 'typo@example.com' WHERE id = 3`);
    changed.close();
    const r2 = await fallback(db, app);
    expect(r2.code).toBe(4);
    expect(r2.stderr).toMatch(/is not the file run \S+ migrated/);
    expect(await liveTables(db)).toBe(4);
  });

  it('app.db locked by the application (another process) is refused, and PostgreSQL is left as it was', async () => {
    const { db, app } = await setup();
    await db.query(`INSERT INTO public.log VALUES ('x', 1)`);
    const holder: ChildProcess = spawn(process.execPath, ['-e', `const D=require('better-sqlite3');const d=new D(process.argv[1]);d.exec('BEGIN IMMEDIATE');process.stdout.write('locked\\n');setInterval(()=>{},1000);`, app], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((res) => holder.stdout!.once('data', () => res()));
      const before = dump(app);
      const r = await fallback(db, app);
      expect(r.code, r.stderr).toBe(4);
      expect(JSON.parse(r.stdout).error.code).toBe('E_SOURCE_LOCKED');
      expect(r.stderr).toMatch(/the application is still running/);
      expect(dump(app)).toBe(before);
    } finally {
      holder.kill('SIGKILL');
    }
    expect(await liveTables(db)).toBe(4);
    expect((await fallback(db, app)).code).toBe(0);
  });

  it('a run cut over without capture, or after --forget, cannot fall back', async () => {
    const a = await setup('--no-fallback-capture');
    const r = await fallback(a.db, a.app);
    expect(r.code).toBe(7);
    expect(JSON.parse(r.stdout).error.code).toBe('E_NO_CAPTURE');
    const b = await setup();
    await b.db.query(`INSERT INTO public.log VALUES ('x', 1)`);
    const f = await runCli(['fallback', '--forget', '--target', b.db.url]);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toMatch(/8 triggers dropped, 1 recorded changes deleted/);
    expect((await b.db.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'sqlite2pg_capture%'`)).rows[0]!.n).toBe(0);
    const r2 = await fallback(b.db, b.app);
    expect(r2.code).toBe(7);
    expect(r2.stderr).toMatch(/removed by fallback --forget/);
  });

  it('a column added in PostgreSQL since the cutover, or a dropped table, is refused before anything is written', async () => {
    const { db, app } = await setup();
    await db.query(`ALTER TABLE public.log ADD COLUMN extra text`);
    const r = await fallback(db, app);
    expect(r.code).toBe(7);
    expect(JSON.parse(r.stdout).error.problems).toEqual(['log.extra: added in PostgreSQL since the cutover; SQLite has no column for it']);
    await db.query(`DROP TABLE public.log`);
    const r2 = await fallback(db, app);
    expect(r2.code).toBe(7);
    expect(JSON.parse(r2.stdout).error.code).toBe('E_TABLES_MISSING');
  });

  it('a WAL database whose last writer was killed (frames not checkpointed) is recognised and written back', async () => {
    const db = await createTestDatabase(`fbfault${n}`);
    dbs.push(db);
    const app = join(work, `app${n++}.db`);
    copyFileSync(original, app);
    const w = spawn(process.execPath, ['-e', `const D=require('better-sqlite3');const d=new D(process.argv[1]);d.pragma('journal_mode = WAL');d.pragma('wal_autocheckpoint = 0');d.exec("INSERT INTO log VALUES ('wal', 7)");process.stdout.write('ok\\n');setInterval(()=>{},1000);`, app], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => w.stdout!.once('data', () => res()));
    w.kill('SIGKILL');
    await new Promise((res) => w.once('close', res));
    const m = await runCli(['migrate', app, '--target', db.url, '--mappings', MAPPINGS, '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap')]);
    expect(m.code, m.stderr).toBe(0);
    await db.query(`INSERT INTO public.log VALUES ('after', 8)`);
    const r = await fallback(db, app);
    expect(r.code, r.stderr).toBe(0);
    const s = new Database(app, { readonly: true });
    expect(s.prepare(`SELECT msg FROM log ORDER BY rowid`).all()).toEqual([{ msg: 'boot' }, { msg: 'boot' }, { msg: 'login' }, { msg: 'wal' }, { msg: 'after' }]);
    s.close();
  });

  it('the fence holds against PostgreSQL writes; killed mid-way, app.db is unchanged and the rerun completes', async () => {
    const { db, app } = await setup();
    await db.query(`INSERT INTO public.users (email, created_ms, active) SELECT 'u' || g || '@example.com', '2026-01-01 00:00:00+00', true FROM generate_series(1, 60000) g`);
    const before = dump(app);
    let pid = 0;
    const run = runCli(['fallback', app, '--target', db.url, '--reports', join(work, 'reports')], { onSpawn: (p) => (pid = p) });
    let exited = false;
    void run.then(() => (exited = true));
    const watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
    try {
      // Wait for the fence: sqlite2pg's backend holding SHARE ROW EXCLUSIVE on users.
      for (let i = 0; i < 400; i++) {
        const l = await watcher.query(`SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.relation = 'public.users'::regclass AND l.mode = 'ShareRowExclusiveLock' AND l.granted AND a.application_name = 'sqlite2pg'`);
        if (l.rowCount) break;
        await new Promise((res) => setTimeout(res, 25));
      }
      await watcher.query(`SET lock_timeout = '300ms'`);
      await expect(watcher.query(`INSERT INTO public.users (email) VALUES ('late@example.com')`)).rejects.toMatchObject({ code: '55P03' });
      await expect(watcher.query(`DELETE FROM public.orders`)).rejects.toMatchObject({ code: '55P03' });
      // Reads go on.
      expect((await watcher.query(`SELECT count(*)::int AS n FROM public.orders`)).rows[0].n).toBe(3);
    } finally {
      await watcher.end();
    }
    expect(exited, 'the fallback finished before it could be killed').toBe(false);
    process.kill(pid, 'SIGKILL');
    const killed = await run;
    expect(killed.signal).toBe('SIGKILL');
    expect(dump(app)).toBe(before);
    expect(await liveTables(db)).toBe(4);
    const again = await runCli(['fallback', app, '--target', db.url, '--reports', join(work, 'reports'), '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).tables.find((t: { table: string }) => t.table === 'users')).toMatchObject({ inserted: 60000, proven: 60000 });
  }, 120_000);
});
