/**
 * Issue #12: the source side of "nothing is lost silently".
 * - Defect 1: a snapshot dir holding the source is refused before any work, and pruning deletes
 *   only manifest-listed, unchanged snapshots (it used to delete app.db, a backup and a README).
 *   Issue #15: a run that does not cut over keeps no snapshot unless --keep-snapshot.
 * - Defect 2: a corrupt source (a damaged cell-pointer array: "Rowid … out of order") is exit 4
 *   before loading, and a damaged page met mid-load is exit 4 naming the table, not exit 5.
 * - Hints: locked by a running application, hot journal, WAL in a read-only directory, truncated.
 */
import { noMappings, canMount } from '../support/fixtures.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { sqliteFromSql, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const DAY = 86_400_000;
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
const rows = (n: number, expr: string): string => `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) SELECT ${expr} FROM s`;
const SMALL = `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t ${rows(50, "i, 'v' || i")};`;

/** Whether this process may mount a tmpfs (root in a container that allows it). */
const MOUNT = canMount();
if (!MOUNT) console.warn('source-safety: mount -t tmpfs is not permitted here: the WAL-in-a-read-only-directory test is skipped');

/** Overwrite cell pointer `k` of table `table`'s (single, leaf) root page with pointer k+1: row k+1 read twice, row k never. */
function damageCellPointers(path: string, table: string, k: number): void {
  const db = new Database(path, { readonly: true });
  const root = db.prepare(`SELECT rootpage FROM sqlite_schema WHERE name = ?`).pluck().get(table) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const buf = readFileSync(path);
  const header = (root - 1) * pageSize + (root === 1 ? 100 : 0);
  expect(buf[header]).toBe(0x0d); // a table leaf page: https://www.sqlite.org/fileformat.html#b_tree_pages
  const pointers = header + 8;
  buf.writeUInt16BE(buf.readUInt16BE(pointers + 2 * (k + 1)), pointers + 2 * k);
  writeFileSync(path, buf);
}

describe('the source side: snapshots, integrity, hints', () => {
  let db: TestDatabase;
  let work: string;
  const live = async (): Promise<string[]> => (await db.query<{ t: string }>(`SELECT relname AS t FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1`)).rows.map((r) => r.t);
  const migrate = (source: string, ...extra: string[]): string[] => ['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'reports'), ...extra];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('source_safety');
    work = tempDir('source-safety');
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await db?.drop();
  });

  it('refuses a snapshot dir that holds the source, before any work, and deletes nothing there', async () => {
    const appDir = join(work, 'app');
    mkdirSync(appDir);
    const source = sqliteFromSql(appDir, 'app', SMALL);
    sqliteFromSql(appDir, 'other', SMALL);
    writeFileSync(join(appDir, 'app.db.bak'), readFileSync(source));
    writeFileSync(join(appDir, 'README'), 'do not delete\n');
    const old = new Date(Date.now() - 90 * DAY);
    for (const f of readdirSync(appDir)) utimesSync(join(appDir, f), old, old);
    const before = readdirSync(appDir).sort();
    const r = await runCli(migrate(source, '--dry-run', '--snapshot-dir', appDir, '--snapshot-retention-days', '1'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/snapshot directory .* is the directory of the source/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(readdirSync(appDir).sort()).toEqual(before);
    // Before any work: nothing in the target either.
    expect((await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'sqlite2pg'`)).rowCount).toBe(0);
    // A directory above the source's is refused too.
    const up = await runCli(migrate(source, '--dry-run', '--snapshot-dir', work));
    expect(up.code).toBe(2);
    expect(up.stderr).toMatch(/contains the directory of the source/);
  });

  it('prunes only old manifest snapshots; a dry run keeps no snapshot unless --keep-snapshot, which the manifest and journal record', async () => {
    const source = sqliteFromSql(work, 'prune', SMALL);
    const snaps = join(work, 'snaps');
    // A kept snapshot of an earlier run, made old by rewriting its manifest date.
    const first = await runCli(migrate(source, '--dry-run', '--keep-snapshot', '--snapshot-dir', snaps));
    expect(first.code, first.stderr).toBe(0);
    const manifestPath = join(snaps, 'sqlite2pg-snapshots.json');
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(m.snapshots).toHaveLength(1);
    expect(m.snapshots[0].kept).toBe('--keep-snapshot');
    const keptFile = join(snaps, m.snapshots[0].file);
    expect(existsSync(keptFile)).toBe(true);
    const journal = await db.query<{ snapshot_path: string | null }>(`SELECT snapshot_path FROM sqlite2pg.runs`);
    expect(journal.rows[0]!.snapshot_path).toBe(keptFile);
    m.snapshots[0].createdAt = new Date(Date.now() - 10 * DAY).toISOString();
    writeFileSync(manifestPath, JSON.stringify(m));
    // The user's own old files in the same directory.
    writeFileSync(join(snaps, 'notes.db'), 'mine');
    writeFileSync(join(snaps, `20200101T000000Z-aaaaaa-prune.db`), 'looks like a snapshot, is not listed');
    for (const f of ['notes.db', '20200101T000000Z-aaaaaa-prune.db']) utimesSync(join(snaps, f), new Date(Date.now() - 90 * DAY), new Date(Date.now() - 90 * DAY));

    // A plain dry run: prunes the old listed snapshot, and deletes its own at the end.
    const dry = await runCli(migrate(source, '--dry-run', '--snapshot-dir', snaps, '--snapshot-retention-days', '1'));
    expect(dry.code, dry.stderr).toBe(0);
    expect(existsSync(keptFile)).toBe(false);
    expect(readdirSync(snaps).sort()).toEqual(['20200101T000000Z-aaaaaa-prune.db', 'notes.db', 'sqlite2pg-snapshots.json']);
    expect(JSON.parse(readFileSync(manifestPath, 'utf8')).snapshots).toEqual([]);
    const dryRun = await db.query<{ snapshot_path: string | null }>(`SELECT snapshot_path FROM sqlite2pg.runs ORDER BY started_at DESC LIMIT 1`);
    expect(dryRun.rows[0]!.snapshot_path).toBeNull();

    // A cutover keeps its snapshot (verify reads it the morning after).
    const cut = await runCli(migrate(source, '--snapshot-dir', snaps));
    expect(cut.code, cut.stderr).toBe(0);
    const after = JSON.parse(readFileSync(manifestPath, 'utf8')).snapshots;
    expect(after).toHaveLength(1);
    expect(existsSync(join(snaps, after[0].file))).toBe(true);
  });

  it('a run that stops before reaching the target (unreachable) keeps no snapshot', async () => {
    const source = sqliteFromSql(work, 'unreachable', SMALL);
    const snaps = join(work, 'snaps-unreachable');
    const r = await runCli(['migrate', source, '--target', 'postgres://u@127.0.0.1:1/db', '--mappings', noMappings(work), '--reports', join(work, 'reports'), '--snapshot-dir', snaps]);
    expect(r.code, r.stderr).toBe(5);
    // The target is checked before the snapshot: no copy was even started.
    expect(existsSync(snaps) ? readdirSync(snaps).filter((f) => f.endsWith('.db')) : []).toEqual([]);
  });

  it('a corrupt source (cell-pointer array damaged: a row missing, another twice) is exit 4 before loading', async () => {
    const source = sqliteFromSql(work, 'corrupt', `CREATE TABLE t (id INTEGER, v TEXT); INSERT INTO t ${rows(20, "i, 'v' || i")}; CREATE TABLE u (id INTEGER PRIMARY KEY); INSERT INTO u VALUES (1);`);
    damageCellPointers(source, 't', 4);
    const check = new Database(source, { readonly: true });
    expect(String(check.pragma('quick_check', { simple: true }))).toMatch(/Rowid 6 out of order/);
    check.close();
    const r = await runCli(migrate(source, '--snapshot-dir', join(work, 'snaps-corrupt')));
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stderr).toMatch(/corrupt: PRAGMA quick_check found/);
    expect(r.stderr).toMatch(/Rowid 6 out of order/);
    expect(r.stderr).toMatch(/\.recover/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(await live()).not.toContain('u');
    // No snapshot of a corrupt source is left behind.
    expect(readdirSync(join(work, 'snaps-corrupt')).filter((f) => f.endsWith('.db'))).toEqual([]);

    // The same source checked beside the snapshot's copy (the worker path of a large file, forced):
    // the same refusal, and the report's row says the check failed.
    const beside = await runCli(migrate(source, '--snapshot-dir', join(work, 'snaps-corrupt-beside'), '--json'), { env: { ...process.env, SQLITE2PG_TEST_PARALLEL_HASH_BYTES: '0' } });
    expect(beside.code, beside.stdout + beside.stderr).toBe(4);
    expect(beside.stdout + beside.stderr).toMatch(/Rowid 6 out of order/);
    expect(await live()).not.toContain('u');
    expect(readdirSync(join(work, 'snaps-corrupt-beside')).filter((f) => f.endsWith('.db'))).toEqual([]);

    // --skip-integrity-check: the report says the check was skipped.
    const skipped = await runCli(migrate(source, '--dry-run', '--skip-integrity-check', '--no-snapshot', '--json'));
    const out = JSON.parse(skipped.stdout);
    expect(out.steps.find((s: { step: string }) => /integrity check/.test(s.step))).toMatchObject({ status: 'skipped' });
    expect(out.warnings.join('\n')).toMatch(/integrity check of the source was skipped/);
  });

  it('a damaged page met mid-load is exit 4 naming the table (not exit 5 after other tables were staged)', async () => {
    // Rows of 10000 bytes: each spills into a chain of overflow pages, which counting rows never reads.
    const source = sqliteFromSql(work, 'midload', `CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO big ${rows(400, "i, printf('%010000d', i)")}; CREATE TABLE small (id INTEGER PRIMARY KEY); INSERT INTO small VALUES (1);`);
    const d = new Database(source, { readonly: true });
    const pageSize = d.pragma('page_size', { simple: true }) as number;
    const pages = d.pragma('page_count', { simple: true }) as number;
    d.close();
    // Point an overflow chain in the middle past the end of the file: reading that row is SQLITE_CORRUPT.
    // https://www.sqlite.org/fileformat.html#cell_payload_overflow_pages (4-byte next page, then data)
    const buf = readFileSync(source);
    let page = Math.floor(pages / 2);
    const next = (p: number): number => buf.readUInt32BE((p - 1) * pageSize);
    while (!(next(page) > 1 && next(page) <= pages && buf[(page - 1) * pageSize + 4] === 0x30)) page++;
    buf.writeUInt32BE(pages + 1000, (page - 1) * pageSize);
    writeFileSync(source, buf);
    const r = await runCli(migrate(source, '--dry-run', '--skip-integrity-check', '--no-snapshot', '--lanes', '2'));
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout + r.stderr).toMatch(/is corrupt while reading table big: database disk image is malformed/);
    expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
  });

  it('a source locked by a running application says so, and by whom', async () => {
    const source = sqliteFromSql(work, 'locked', SMALL);
    // The application: another OS process holding SQLite's EXCLUSIVE lock.
    const app = spawn(process.execPath, ['-e', `const D = require('better-sqlite3'); const d = new D(process.argv[1]); d.pragma('cache_size = 1'); d.exec('BEGIN EXCLUSIVE'); d.exec("INSERT INTO t (v) SELECT hex(randomblob(3000)) FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200) SELECT i FROM s)"); console.log('locked'); setTimeout(() => {}, 60000);`, source], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(app);
    await new Promise((res) => app.stdout!.once('data', res));
    const r = await runCli(migrate(source, '--dry-run', '--snapshot-dir', join(work, 'snaps-locked')));
    app.kill('SIGKILL');
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`is locked by another process: pid ${app.pid}`));
    expect(r.stderr).toMatch(/The application is still running/);
    expect(r.stderr).not.toMatch(/free disk space/);
  });

  it('a hot rollback journal says the file needs recovery, and leaves it as it is', async () => {
    const source = sqliteFromSql(work, 'hot', SMALL);
    // A writer killed mid-transaction, after its changes spilled into the file: a hot journal.
    try {
      execFileSync(process.execPath, ['-e', `const D = require('better-sqlite3'); const d = new D(process.argv[1]); d.pragma('cache_size = 1'); d.exec('BEGIN'); d.exec("INSERT INTO t (v) SELECT hex(randomblob(3000)) FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 500) SELECT i FROM s)"); process.kill(process.pid, 'SIGKILL');`, source], { cwd: ROOT, stdio: 'ignore' });
    } catch {
      /* killed, as intended */
    }
    expect(existsSync(`${source}-journal`)).toBe(true);
    const before = [sha(source), sha(`${source}-journal`)];
    const r = await runCli(migrate(source, '--dry-run', '--snapshot-dir', join(work, 'snaps-hot')));
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/hot rollback journal/);
    expect(r.stderr).toMatch(/Open it once with the application or sqlite3/);
    expect(r.stderr).not.toMatch(/free disk space/);
    expect([sha(source), sha(`${source}-journal`)]).toEqual(before);
  });

  it('a truncated file says it is truncated', async () => {
    const source = sqliteFromSql(work, 'truncated', `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t ${rows(2000, "i, printf('%0200d', i)")};`);
    truncateSync(source, 4096 * 20);
    const r = await runCli(migrate(source, '--dry-run', '--snapshot-dir', join(work, 'snaps-trunc')));
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/is truncated: it has 81920 bytes, its header says \d+/);
    expect(r.stderr).not.toMatch(/free disk space/);
  });

  it.skipIf(!MOUNT)('a WAL database in a read-only directory says SQLite needs to create its -shm file there', async () => {
    const dir = join(work, 'ro');
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    try {
      const path = join(dir, 'wal.db');
      const w = new Database(path);
      w.pragma('journal_mode = wal');
      w.exec(SMALL);
      w.close();
      execFileSync('mount', ['-o', 'remount,ro', dir]);
      const r = await runCli(migrate(path, '--dry-run', '--snapshot-dir', join(work, 'snaps-ro')));
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/is a WAL database in a directory that cannot be written/);
      expect(r.stderr).toMatch(/wal\.db-shm/);
      expect(r.stderr).not.toMatch(/free disk space/);
    } finally {
      execFileSync('umount', [dir]);
    }
  });
});
