/**
 * Issue #12 defect 6: a full or unusable reports disk. Checked before anything starts; a report
 * that cannot be written after a committed cutover says the cutover IS done, prints the rollback
 * command and the summary, and exits 9; a quarantine file that fills the disk mid-load is the load
 * error (exit 5) naming the file. Real file systems: a small tmpfs (we run as root in CI's
 * container; the tests say so and skip when mount is not permitted).
 */
import { noMappings, canMount } from '../support/fixtures.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { sqliteFromSql, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const MOUNT = canMount();
if (!MOUNT) console.warn('reports-disk: mount -t tmpfs is not permitted here: the full-disk tests are skipped (the read-only path test still runs)');

const rows = (n: number, expr: string): string => `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) SELECT ${expr} FROM s`;

describe('reports disk', () => {
  let db: TestDatabase;
  let work: string;
  const mounts: string[] = [];
  const tmpfs = (name: string, size: string): string => {
    const dir = join(work, name);
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
    mounts.push(dir);
    return dir;
  };
  const liveTables = async (): Promise<string[]> => (await db.query<{ t: string }>(`SELECT relname AS t FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1`)).rows.map((r) => r.t);

  beforeAll(async () => {
    db = await createTestDatabase('reports_disk');
    work = tempDir('reports-disk');
  });
  afterAll(async () => {
    for (const m of mounts) execFileSync('umount', ['-l', m]);
    await db?.drop();
  });

  it('a reports path that cannot be a directory is refused before anything starts (exit 2)', async () => {
    const source = sqliteFromSql(work, 'pre', `CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);`);
    writeFileSync(join(work, 'a-file'), 'x');
    const r = await runCli(['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(work, 'a-file', 'reports'), '--snapshot-dir', join(work, 'snap-pre')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/The reports directory .*a-file\/reports cannot be used: it cannot be created \(ENOTDIR\)/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(work, 'snap-pre'))).toBe(false);
    expect((await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'sqlite2pg'`)).rowCount).toBe(0);
  });

  it.skipIf(!MOUNT)('a reports disk without room is refused before anything starts (exit 2)', async () => {
    const source = sqliteFromSql(work, 'small-disk', `CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);`);
    const full = tmpfs('tiny', '64k');
    const r = await runCli(['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', full, '--snapshot-dir', join(work, 'snap-tiny')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cannot be used: only \d+ KiB free, at least 1024 KiB needed/);
    expect((await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'sqlite2pg'`)).rowCount).toBe(0);
  });

  it.skipIf(!MOUNT)('a report that cannot be written after the cutover: exit 9, "the cutover IS done", rollback command, summary, no partial file', async () => {
    // The snapshot, on the same 2 MiB disk as the reports, leaves about 8 KiB: room for no report.
    const disk = tmpfs('disk', '2m');
    const source = join(work, 'fill.db');
    const s = new Database(source);
    s.exec(`CREATE TABLE filler (id INTEGER PRIMARY KEY, b BLOB);`);
    for (let i = 0; i < 20; i++) s.exec(`CREATE TABLE t${i} (id INTEGER PRIMARY KEY, name TEXT, note TEXT); INSERT INTO t${i} ${rows(5, "i, 'n' || i, 'x'")};`);
    const pages = (): number => s.pragma('page_count', { simple: true }) as number;
    const add = s.prepare(`INSERT INTO filler (b) VALUES (randomblob(1000))`);
    s.transaction(() => {
      while (pages() < 508) add.run();
    })();
    s.close();
    const r = await runCli(['migrate', source, '--target', db.url, '--mappings', noMappings(work), '--reports', join(disk, 'reports'), '--snapshot-dir', join(disk, 'snaps')]);
    if (process.env['SHOW_OUTPUT']) console.log(r.stdout, r.stderr);
    expect(r.code, r.stdout + r.stderr).toBe(9);
    expect(r.stdout).toMatch(/^PASSED: 21 tables/m);
    expect(r.stdout).toMatch(/report: NOT WRITTEN \(ENOSPC/);
    expect(r.stdout).toMatch(/rollback: (npx )?sqlite2pg rollback --run \S+ --schema public/);
    expect(r.stderr).toMatch(/the report could not be written to .*\.md \(ENOSPC/);
    expect(r.stderr).toMatch(/The cutover IS done/);
    expect(r.stderr).toMatch(/to undo it: (npx )?sqlite2pg rollback --run/);
    expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(await liveTables()).toContain('filler');
    const status = await db.query<{ status: string }>(`SELECT status FROM sqlite2pg.runs ORDER BY started_at DESC LIMIT 1`);
    expect(status.rows[0]!.status).toBe('cut-over');
    // Atomic writes: no temp file and no half report left behind.
    expect(readdirSync(join(disk, 'reports')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.skipIf(!MOUNT)('a quarantine file that fills the disk mid-load is the load error (exit 5) naming the file', async () => {
    const disk = tmpfs('qdisk', '2m');
    // 20,000 rows whose INTEGER column holds long text: every one is quarantined with its value.
    const source = sqliteFromSql(work, 'quarantine-fill', `CREATE TABLE q (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO q ${rows(20000, "i, 'not a number ' || printf('%0300d', i)")};`);
    const r = await runCli(['migrate', source, '--target', db.url, '--schema', 'qfill', '--mappings', noMappings(work), '--reports', disk, '--snapshot-dir', join(work, 'snap-q')]);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stdout + r.stderr).toMatch(/Could not write the quarantine file .*q[^ ]*\.jsonl \(ENOSPC: no space left on the device\)/);
    expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(r.stderr).toMatch(/No cutover was done: the live schema is unchanged/);
  });
});
