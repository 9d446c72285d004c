/**
 * `npm run bench -- --online [--rows N] [--target URL] [--rate W] [--cutovers K]`: online migration
 * under a live writer, beside the offline `migrate` of the same database in the same run.
 *
 * Per cutover: a WAL copy of the bench database (plus a `sessions` table with a UNIQUE token for
 * INSERT OR REPLACE), a writer process at W writes/s (default 200) and a prober process (a tiny
 * write every 10 ms; once app.db is fenced, the same write to PostgreSQL), `sync --once` twice
 * (snapshot + catch-up), the writer stopped at a random moment, `cutover`, then a full `verify`.
 * Measured: the downtime the application sees (last SQLite write → first PostgreSQL write, from
 * the prober), the downtime cutover reports (write lock → swap committed and checked), the lag at the fence
 * (changes applied inside the lock), the replay rate (keys/s of the rounds), peak RSS of sync,
 * and, in-process, the latency capture adds per write (autocommit and batched).
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { closeBenchServer, dropBenchDatabase, openBenchServer, recreateBenchDatabase, type BenchServer } from './bench-target.js';
import { ensureBenchDb } from './generate-bench-db.js';
import { startPeakSampler } from './measure.js';
import { openSqlite } from '../src/source/sqlite-db.js';
import { introspectSqlite } from '../src/source/introspect-sqlite.js';
import { captureTables, installCapture, openLiveWritable, removeCapture } from '../src/capture/capture.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH_DIR = join(REPO_ROOT, 'bench');
const CACHE_DIR = join(BENCH_DIR, '.cache');
const BIN = join(REPO_ROOT, 'bin', 'sqlite2pg.js');
const WRITER = join(REPO_ROOT, 'dist', 'bench', 'online-writer.js');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Proc {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly peakRssBytes: number;
}

function run(args: readonly string[], env: Record<string, string> = {}): Promise<Proc> {
  const start = Date.now();
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const sampler = startPeakSampler([{ name: 'p', metric: 'rss', roots: () => (child.pid ? [child.pid] : []) }], 100);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr, ms: Date.now() - start, peakRssBytes: sampler.stop()['p']!.peakBytes }));
  });
}

function background(args: readonly string[], env: Readonly<Record<string, string>> = {}): { stop(): Promise<Record<string, unknown>>; done: Promise<Record<string, unknown>> } {
  const child = spawn(process.execPath, [...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<Record<string, unknown>>((res) => child.on('close', () => res(out.trim() ? (JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>) : {})));
  return {
    done,
    async stop() {
      child.kill('SIGTERM');
      return done;
    },
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : NaN;
}

/** µs per write of `fn` over `n` writes. */
function timeWrites(n: number, fn: (i: number) => void): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t) / 1000 / n;
}

/** The latency capture adds to the application's writes: same writes, without and with the triggers. */
function captureOverhead(path: string): Record<string, number> {
  const measure = (): { autocommit: number; batched: number } => {
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    const maxId = Number(db.prepare('SELECT max(id) FROM events').pluck().get());
    const upd = db.prepare(`UPDATE events SET kind = 'overhead' WHERE id = ?`);
    const ins = db.prepare(`INSERT INTO sessions (token, user_id, seen) VALUES (?, 1, 'x')`);
    const at = (i: number): number => 1 + ((i * 7919) % maxId);
    let k = 0;
    const autocommit = (timeWrites(500, (i) => upd.run(at(i))) + timeWrites(500, () => ins.run(`ov${process.pid}-${k++}-${Math.random()}`))) / 2;
    const batch = db.transaction((from: number) => {
      for (let i = from; i < from + 1000; i++) upd.run(at(i));
    });
    const batched = timeWrites(20, (i) => batch(i * 1000)) / 1000;
    db.close();
    return { autocommit, batched };
  };
  const reader = openSqlite(path);
  const catalog = introspectSqlite(reader, path, 0);
  reader.close();
  const live = openLiveWritable(path);
  measure(); // warm-up: page cache, WAL file, statement caches
  // Alternate without / with capture, and take the median of each: single runs are noisy on a shared machine.
  const off: { autocommit: number; batched: number }[] = [];
  const on: { autocommit: number; batched: number }[] = [];
  for (let rep = 0; rep < 5; rep++) {
    off.push(measure());
    installCapture(live, 'overhead', captureTables(catalog).tables, (n) => catalog.tables.find((t) => t.name === n)!.sql, new Date());
    on.push(measure());
    removeCapture(live);
  }
  live.close();
  const before = { autocommit: median(off.map((x) => x.autocommit)), batched: median(off.map((x) => x.batched)) };
  const after = { autocommit: median(on.map((x) => x.autocommit)), batched: median(on.map((x) => x.batched)) };
  return {
    autocommitUsBefore: before.autocommit,
    autocommitUsWithCapture: after.autocommit,
    autocommitUsAdded: after.autocommit - before.autocommit,
    batchedUsBefore: before.batched,
    batchedUsWithCapture: after.batched,
    batchedUsAdded: after.batched - before.batched,
  };
}

async function prepareCopy(source: string, dest: string): Promise<void> {
  await rm(dest, { force: true });
  await rm(`${dest}-wal`, { force: true });
  await rm(`${dest}-shm`, { force: true });
  await copyFile(source, dest);
  const db = new Database(dest);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE sessions (id INTEGER PRIMARY KEY, token TEXT UNIQUE, user_id INTEGER, seen TEXT);
    INSERT INTO sessions (id, token, user_id, seen) SELECT x, 'tok' || x, x, 'never' FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT x FROM c);`);
  db.close();
}

const roundRe = /round: (\d+) keys in (\d+) ms/g;

export async function runOnlineBench(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { rows: { type: 'string' }, target: { type: 'string' }, rate: { type: 'string' }, cutovers: { type: 'string' }, lanes: { type: 'string' } }, strict: true });
  const rows = Number(values.rows ?? 1_000_000);
  const rate = Number(values.rate ?? 200);
  const cutovers = Number(values.cutovers ?? 5);
  const lanes = values.lanes ?? '2';
  const source = await ensureBenchDb(CACHE_DIR, rows, log);
  const work = join(CACHE_DIR, 'online', String(rows));
  await mkdir(work, { recursive: true });
  const server: BenchServer = await openBenchServer(CACHE_DIR, values.target);
  const results: Record<string, unknown>[] = [];
  let offline: Record<string, unknown> | null = null;
  let overhead: Record<string, number> | null = null;
  try {
    // Offline, for comparison: the whole migrate is the window.
    {
      const name = `sqlite2pg_bench_online_offline_${rows}`;
      const db = await recreateBenchDatabase(server, name);
      const path = join(work, 'offline.db');
      await prepareCopy(source.path, path);
      log(`offline: migrate ${rows} rows ...`);
      const m = await run([BIN, 'migrate', path, '--target', db.url, '--mappings', join(BENCH_DIR, 'mappings'), '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), '--lanes', lanes, '--allow-quarantine'], db.env);
      offline = { exitCode: m.code, windowMs: m.ms, peakRssBytes: m.peakRssBytes };
      await dropBenchDatabase(server, name).catch(() => undefined);
      overhead = captureOverhead(path);
      log(`capture overhead: ${JSON.stringify(overhead)}`);
    }
    for (let k = 1; k <= cutovers; k++) {
      const name = `sqlite2pg_bench_online_${rows}_${k}`;
      const db = await recreateBenchDatabase(server, name);
      const path = join(work, `app-${k}.db`);
      await prepareCopy(source.path, path);
      const common = ['--target', db.url, '--mappings', join(BENCH_DIR, 'mappings'), '--reports', join(work, 'reports')];
      const writer = background([WRITER, 'writer', path, String(rate)]);
      log(`online ${k}/${cutovers}: sync (snapshot + load + verify) under a writer at ${rate} writes/s ...`);
      const s1 = await run([BIN, 'sync', path, ...common, '--snapshot-dir', join(work, 'snap'), '--lanes', lanes, '--once'], db.env);
      if (s1.code !== 0) throw new Error(`sync failed (${s1.code}): ${s1.stderr.slice(-2000)}`);
      // A backlog for the replay rate: a burst of updates (another connection) on top of the writer's.
      const burst = Math.min(50_000, Math.max(1000, Math.floor(rows / 20)));
      {
        const b = new Database(path);
        b.pragma('busy_timeout = 10000');
        const maxId = Number(b.prepare('SELECT max(id) FROM events').pluck().get());
        const u = b.prepare(`UPDATE events SET kind = 'burst' WHERE id = ?`);
        b.transaction(() => {
          for (let i = 0; i < burst; i++) u.run(1 + ((i * 104729) % maxId));
        })();
        b.close();
      }
      const s2 = await run([BIN, 'sync', path, ...common, '--snapshot-dir', join(work, 'snap'), '--once'], db.env);
      if (s2.code !== 0) throw new Error(`sync failed (${s2.code}): ${s2.stderr.slice(-2000)}`);
      for (const l of s2.stderr.split('\n')) if (/round:|TRACE/.test(l)) log(`  sync: ${l.trim()}`);
      let keys = 0;
      let roundMs = 0;
      for (const m of s2.stderr.matchAll(roundRe)) {
        keys += Number(m[1]);
        roundMs += Number(m[2]);
      }
      const prober = background([WRITER, 'prober', path, db.url], db.env);
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 1500));
      const w = await writer.stop();
      const c = await run([BIN, 'cutover', path, ...common, '--json'], db.env);
      const p = await Promise.race([prober.done, new Promise<Record<string, unknown>>((r) => setTimeout(() => r({ timeout: true }), 20_000))]);
      if (c.code !== 0) throw new Error(`cutover failed (${c.code}): ${c.stdout.slice(0, 1500)} ${c.stderr.slice(-1500)}`);
      const cj = JSON.parse(c.stdout) as { downtimeMs: number; changesInWindow: number };
      log(`  verify after cutover ...`);
      const v = await run([BIN, 'verify', path, ...common], db.env);
      const r = {
        cutover: k,
        syncMs: s1.ms,
        syncPeakRssBytes: Math.max(s1.peakRssBytes, s2.peakRssBytes),
        replayKeys: keys,
        replayKeysPerSecond: roundMs > 0 ? (keys * 1000) / roundMs : null,
        writer: w,
        reportedDowntimeMs: cj.downtimeMs,
        lagAtFenceChanges: cj.changesInWindow,
        appDowntimeMs: (p as { downtimeMs?: number | null }).downtimeMs ?? null,
        prober: p,
        verifyExitCode: v.code,
      };
      log(`  ${JSON.stringify(r)}`);
      results.push(r);
      await dropBenchDatabase(server, name).catch(() => undefined);
      await rm(path, { force: true });
    }
  } finally {
    await closeBenchServer(server, false).catch(() => undefined);
  }
  const down = results.map((r) => Number(r['appDowntimeMs'] ?? r['reportedDowntimeMs']));
  const summary = {
    date: new Date().toISOString(),
    rows,
    rate,
    offline,
    captureOverhead: overhead,
    cutovers: results,
    appDowntimeMsMedian: median(down),
    appDowntimeMsWorst: Math.max(...down),
    reportedDowntimeMsMedian: median(results.map((r) => Number(r['reportedDowntimeMs']))),
    replayKeysPerSecondMedian: median(results.map((r) => Number(r['replayKeysPerSecond'] ?? NaN)).filter((x) => !Number.isNaN(x))),
    syncPeakRssMiB: Math.max(...results.map((r) => Number(r['syncPeakRssBytes']))) / 2 ** 20,
    verifyAllZeroDifferences: results.every((r) => r['verifyExitCode'] === 0),
  };
  const lines = [
    `online vs offline, ${rows.toLocaleString('en-US')} rows, writer at ${rate} writes/s, ${results.length} cutovers`,
    `  offline migrate window        ${((offline?.['windowMs'] as number) / 1000).toFixed(1)} s`,
    `  online downtime (app-seen)    median ${summary.appDowntimeMsMedian} ms, worst ${summary.appDowntimeMsWorst} ms`,
    `  online downtime (reported)    median ${summary.reportedDowntimeMsMedian} ms (write lock → swap committed and checked)`,
    `  replay rate                   ${Math.round(summary.replayKeysPerSecondMedian)} keys/s`,
    `  capture overhead per write    autocommit +${overhead?.['autocommitUsAdded']?.toFixed(1)} µs (${overhead?.['autocommitUsBefore']?.toFixed(1)} → ${overhead?.['autocommitUsWithCapture']?.toFixed(1)}), batched +${overhead?.['batchedUsAdded']?.toFixed(1)} µs (${overhead?.['batchedUsBefore']?.toFixed(1)} → ${overhead?.['batchedUsWithCapture']?.toFixed(1)})`,
    `  peak RSS of sync              ${summary.syncPeakRssMiB.toFixed(0)} MiB`,
    `  full verify after cutover     ${summary.verifyAllZeroDifferences ? 'zero differences' : 'DIFFERENCES'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await mkdir(join(BENCH_DIR, 'results'), { recursive: true });
  const file = join(BENCH_DIR, 'results', `${summary.date.slice(0, 10)}-${rows}-online.json`);
  await writeFile(file, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
  return summary.verifyAllZeroDifferences ? 0 : 1;
}
