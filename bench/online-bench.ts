/**
 * `npm run bench -- --online [--rows N] [--cutovers K] [--rate W] [--lanes N] [--target URL]`:
 * online migration under a live writer, beside the offline `migrate` of the same database in the
 * same run.
 *
 * The expensive part of an online migration, the first `sync` (snapshot, load, full verify), runs
 * once, into a template: a WAL copy of the bench database (plus a `sessions` table with a UNIQUE
 * token for INSERT OR REPLACE) synced under a writer at W writes/s (default 200) into the database
 * `…_template`, caught up, then app.db checkpointed and copied aside. Each of the K cutovers
 * (default 5) starts from that state: the PostgreSQL database cloned from the template (`CREATE
 * DATABASE … TEMPLATE`), app.db copied back to the same path (the journal names it), a writer
 * started, a burst of updates, `sync --once` to catch up, a prober (a tiny write every 10 ms; once
 * app.db is fenced, the same write to PostgreSQL), the writer stopped at a random moment,
 * `cutover`, then a full `verify`. See bench/README.md (Online) for why the restore is sound.
 *
 * Measured: the downtime the application sees (prober: last SQLite write → first PostgreSQL
 * write), the downtime cutover reports, the lag at the fence, the replay rate of the catch-up,
 * peak RSS and CPU (client process and PostgreSQL) of each sync and cutover, and, in-process, the
 * latency capture adds per write (autocommit and batched).
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { cloneBenchDatabase, closeBenchServer, dropBenchDatabase, openBenchServer, recreateBenchDatabase, type BenchDatabase, type BenchServer } from './bench-target.js';
import { ensureBenchDb } from './generate-bench-db.js';
import { startPeakSampler, treeSize, untilTreeShrinks } from './measure.js';
import { openSqlite } from '../src/source/sqlite-db.js';
import { introspectSqlite } from '../src/source/introspect-sqlite.js';
import { captureTables, installCapture, openLiveWritable, removeCapture } from '../src/capture/capture.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH_DIR = join(REPO_ROOT, 'bench');
const CACHE_DIR = join(BENCH_DIR, '.cache');
const BIN = join(REPO_ROOT, 'bin', 'sqlite2pg.js');
const WRITER = join(REPO_ROOT, 'dist', 'bench', 'online-writer.js');
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MiB = 2 ** 20;

/** Issue #13's targets, checked against every run's figures. */
export const ONLINE_TARGETS = { downtimeMedianMs: 2000, downtimeWorstMs: 5000, replayKeysPerSecond: 5000, captureUsPerWrite: 100, syncPeakRssMiB: 256 } as const;

export interface Cpu {
  readonly clientMs: number;
  /** PostgreSQL postmaster and children; null when the server is not on this machine. */
  readonly serverMs: number | null;
}

interface Proc {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly peakRssBytes: number;
  readonly cpu: Cpu;
}

/**
 * Run the CLI in its own process: wall time, peak RSS of its process (lane workers are threads of
 * it; the writer and prober are other processes, not its children, so not counted) and CPU, client
 * and server, as `npm run bench` measures them (bench/measure.ts). Background processes of ours
 * must not exit while this runs: a waited-for child's CPU lands in our children time.
 */
async function run(server: BenchServer, args: readonly string[], env: Readonly<Record<string, string>>): Promise<Proc> {
  const serverRoots = (): number[] => (server.postmasterPid ? [server.postmasterPid] : []);
  const backendsBefore = treeSize(serverRoots());
  let pid: number | undefined;
  const roots = (): number[] => (pid ? [pid] : []);
  const sampler = startPeakSampler([{ name: 'p', metric: 'rss', roots }], 100, 10, { client: roots, server: serverRoots });
  const first = sampler.cpu[0]!;
  const start = performance.now();
  const child = spawn(process.execPath, [...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  pid = child.pid;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (c) => res(c));
  }).catch((e: unknown) => {
    sampler.stop();
    throw e;
  });
  const ms = performance.now() - start;
  await untilTreeShrinks(serverRoots, backendsBefore);
  const last = sampler.cpuNow();
  const peak = sampler.stop()['p']!.peakBytes;
  return { code, stdout, stderr, ms, peakRssBytes: peak, cpu: { clientMs: last.clientMs - first.clientMs, serverMs: server.postmasterPid ? last.serverMs - first.serverMs : null } };
}

/** Writers and probers still running: stopped when the bench fails half-way. */
const backgrounds = new Set<{ stop(): Promise<void> }>();

/** A writer or prober process: its first JSON line on stdout, and stop() (SIGTERM, then its exit). */
function background(args: readonly string[], env: Readonly<Record<string, string>> = {}): { stop(): Promise<void>; result: Promise<Record<string, unknown>> } {
  const child = spawn(process.execPath, [...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const closed = new Promise<void>((res) => child.on('close', () => res()));
  const result = new Promise<Record<string, unknown>>((res) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) res(JSON.parse(out.slice(0, nl)) as Record<string, unknown>);
    });
    void closed.then(() => res({}));
  });
  const handle = {
    result,
    async stop() {
      child.kill('SIGTERM');
      await closed;
      backgrounds.delete(handle);
    },
  };
  backgrounds.add(handle);
  return handle;
}

export function median(xs: readonly number[]): number {
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

async function removeSqlite(path: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) await rm(`${path}${suffix}`, { force: true });
}

async function prepareCopy(source: string, dest: string): Promise<void> {
  await removeSqlite(dest);
  await copyFile(source, dest);
  const db = new Database(dest);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE sessions (id INTEGER PRIMARY KEY, token TEXT UNIQUE, user_id INTEGER, seen TEXT);
    INSERT INTO sessions (id, token, user_id, seen) SELECT x, 'tok' || x, x, 'never' FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT x FROM c);`);
  db.close();
}

/**
 * The whole of app.db in its main file: every WAL frame checkpointed and the WAL truncated, with
 * no other connection open (writer stopped, sync exited), so a byte copy of the main file is the
 * database as the last sync left it.
 */
function checkpointFully(path: string): void {
  const db = new Database(path);
  const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
  db.close();
  if (!r || r.busy !== 0) throw new Error(`could not checkpoint ${path} (busy): another connection is open`);
}

/** A backlog for the replay rate: `n` updates in one transaction on another connection, beside the writer's. */
function burst(path: string, n: number): void {
  const b = new Database(path);
  b.pragma('busy_timeout = 10000');
  const maxId = Number(b.prepare('SELECT max(id) FROM events').pluck().get());
  const u = b.prepare(`UPDATE events SET kind = 'burst' WHERE id = ?`);
  b.transaction(() => {
    for (let i = 0; i < n; i++) u.run(1 + ((i * 104729) % maxId));
  })();
  b.close();
}

const roundRe = /round: (\d+) keys in (\d+) ms/g;

/** Keys and ms of the rounds a sync printed. */
export function roundTotals(stderr: string): { keys: number; ms: number; rounds: number } {
  let keys = 0;
  let ms = 0;
  let rounds = 0;
  for (const m of stderr.matchAll(roundRe)) {
    keys += Number(m[1]);
    ms += Number(m[2]);
    rounds++;
  }
  return { keys, ms, rounds };
}

const cpuText = (c: Cpu): string => `CPU client ${(c.clientMs / 1000).toFixed(2)} s, server ${c.serverMs === null ? '—' : `${(c.serverMs / 1000).toFixed(2)} s`}`;

function failIf(p: Proc, what: string): void {
  if (p.code !== 0) throw new Error(`${what} failed (exit ${p.code}): ${p.stdout.slice(0, 1500)} ${p.stderr.slice(-2000)}`);
}

class OnlineUsageError extends Error {}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new OnlineUsageError(`--${name} must be a whole number ≥ 1, not "${value}"`);
  return n;
}

/** The latest committed online result of another size, for the comparison (not necessarily of today). */
async function latestOnline(rows: number): Promise<Record<string, unknown> | null> {
  const dir = join(BENCH_DIR, 'results');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(`-${rows}-online.json`)).sort();
  const last = names[names.length - 1];
  return last ? (JSON.parse(await readFile(join(dir, last), 'utf8')) as Record<string, unknown>) : null;
}

export async function runOnlineBench(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { rows: { type: 'string' }, target: { type: 'string' }, rate: { type: 'string' }, cutovers: { type: 'string' }, lanes: { type: 'string' } }, strict: true }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\nusage: npm run bench -- --online [--rows N] [--cutovers K] [--rate W] [--lanes N] [--target URL]\n`);
    return 2;
  }
  let rows: number, rate: number, cutovers: number, lanes: number;
  try {
    rows = positiveInt('rows', values.rows, 1_000_000);
    rate = positiveInt('rate', values.rate, 200);
    cutovers = positiveInt('cutovers', values.cutovers, 5);
    lanes = positiveInt('lanes', values.lanes, 2);
  } catch (e) {
    if (!(e instanceof OnlineUsageError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
  const loadBefore = loadavg()[0]!;
  const source = await ensureBenchDb(join(CACHE_DIR, 'db'), rows, log);
  const work = join(CACHE_DIR, 'online', String(rows));
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const server: BenchServer = await openBenchServer(CACHE_DIR, values.target);
  const mappings = ['--mappings', join(BENCH_DIR, 'mappings')];
  const results: Record<string, unknown>[] = [];
  let offline: Record<string, unknown> | null = null;
  let overhead: Record<string, number> | null = null;
  let template: Record<string, unknown> | null = null;
  const tplName = `sqlite2pg_bench_online_${rows}_template`;
  const liveName = `sqlite2pg_bench_online_${rows}`;
  const created: string[] = [];
  try {
    // Offline, for comparison: the whole migrate is the window.
    {
      const name = `sqlite2pg_bench_online_offline_${rows}`;
      const db = await recreateBenchDatabase(server, name);
      const path = join(work, 'offline.db');
      await prepareCopy(source.path, path);
      log(`offline: migrate ${rows} rows ...`);
      const m = await run(server, [BIN, 'migrate', path, '--target', db.url, ...mappings, '--reports', join(work, 'reports-offline'), '--snapshot-dir', join(work, 'snap-offline'), '--lanes', String(lanes), '--allow-quarantine'], db.env);
      failIf(m, 'migrate');
      offline = { exitCode: m.code, windowMs: m.ms, peakRssBytes: m.peakRssBytes, cpu: m.cpu };
      log(`  migrate ${(m.ms / 1000).toFixed(1)} s, peak RSS ${(m.peakRssBytes / MiB).toFixed(0)} MiB, ${cpuText(m.cpu)}`);
      await dropBenchDatabase(server, name).catch(() => undefined);
      await rm(join(work, 'snap-offline'), { recursive: true, force: true });
      overhead = captureOverhead(path);
      await removeSqlite(path);
      log(`capture overhead: ${JSON.stringify(overhead)}`);
    }

    // The template: one full sync under the writer, caught up, app.db checkpointed and copied aside.
    const app = join(work, 'app.db');
    const appTemplate = join(work, 'app.template.db');
    {
      const db = await recreateBenchDatabase(server, tplName);
      created.push(tplName);
      await prepareCopy(source.path, app);
      const common = ['--target', db.url, ...mappings, '--reports', join(work, 'reports-template'), '--snapshot-dir', join(work, 'snap')];
      const writer = background([WRITER, 'writer', app, String(rate)]);
      log(`template: sync (snapshot + load + verify) under a writer at ${rate} writes/s ...`);
      const s = await run(server, [BIN, 'sync', app, ...common, '--lanes', String(lanes), '--once'], db.env);
      await writer.stop();
      const w = await writer.result;
      failIf(s, 'sync');
      // The writer's tail, so the template is caught up (its own rounds; not a figure).
      const tail = await run(server, [BIN, 'sync', app, ...common, '--once'], db.env);
      failIf(tail, 'sync (tail)');
      checkpointFully(app);
      await copyFile(app, appTemplate);
      const r = roundTotals(s.stderr);
      template = { syncMs: s.ms, peakRssBytes: s.peakRssBytes, cpu: s.cpu, roundsAfterLoad: r, tailPeakRssBytes: tail.peakRssBytes, writer: w };
      log(`  sync ${(s.ms / 1000).toFixed(1)} s, peak RSS ${(s.peakRssBytes / MiB).toFixed(0)} MiB, ${cpuText(s.cpu)}; ${r.keys} keys replayed after the load`);
    }

    for (let k = 1; k <= cutovers; k++) {
      log(`online ${k}/${cutovers}: restore the synced state (database from the template, app.db copied back) ...`);
      const db: BenchDatabase = await cloneBenchDatabase(server, tplName, liveName);
      if (!created.includes(liveName)) created.push(liveName);
      await removeSqlite(app);
      await copyFile(appTemplate, app);
      const common = ['--target', db.url, ...mappings, '--reports', join(work, `reports-${k}`)];
      const writer = background([WRITER, 'writer', app, String(rate)]);
      const burstKeys = Math.min(50_000, Math.max(1000, Math.floor(rows / 20)));
      await sleep(500 + Math.random() * 1000);
      burst(app, burstKeys);
      log(`  sync --once: catch up ${burstKeys} burst updates and the writer's ...`);
      const s = await run(server, [BIN, 'sync', app, ...common, '--snapshot-dir', join(work, 'snap'), '--once'], db.env);
      failIf(s, 'sync');
      const rt = roundTotals(s.stderr);
      if (rt.keys < burstKeys) throw new Error(`sync --once reported ${rt.keys} replayed keys for a burst of ${burstKeys}: did its "round: N keys in M ms" lines change? ${s.stderr.slice(-1500)}`);
      const prober = background([WRITER, 'prober', app, db.url], db.env);
      await sleep(200 + Math.random() * 1500);
      await writer.stop();
      const w = await writer.result;
      const c = await run(server, [BIN, 'cutover', app, ...common, '--json'], db.env);
      const p = await Promise.race([prober.result, sleep(20_000).then(() => ({ timeout: true }) as Record<string, unknown>)]);
      await prober.stop();
      failIf(c, 'cutover');
      const cj = JSON.parse(c.stdout) as { downtimeMs: number; changesInWindow: number };
      log(`  verify after cutover ...`);
      const v = await run(server, [BIN, 'verify', app, ...common], db.env);
      const r = {
        cutover: k,
        burstKeys,
        syncMs: s.ms,
        syncPeakRssBytes: s.peakRssBytes,
        syncCpu: s.cpu,
        replayKeys: rt.keys,
        replayRounds: rt.rounds,
        replayKeysPerSecond: rt.ms > 0 ? (rt.keys * 1000) / rt.ms : null,
        // Less at the mercy of a shared machine than the wall rate: the whole sync process (start-up, plan) and its backends.
        replayKeysPerCpuSecond: s.cpu.serverMs === null ? null : (rt.keys * 1000) / (s.cpu.clientMs + s.cpu.serverMs),
        writer: w,
        cutoverMs: c.ms,
        cutoverPeakRssBytes: c.peakRssBytes,
        cutoverCpu: c.cpu,
        reportedDowntimeMs: cj.downtimeMs,
        lagAtFenceChanges: cj.changesInWindow,
        appDowntimeMs: (p as { downtimeMs?: number | null }).downtimeMs ?? null,
        prober: p,
        verifyMs: v.ms,
        verifyExitCode: v.code,
        loadAverage: loadavg()[0]!,
      };
      log(
        `  cutover ${k}: app-seen downtime ${r.appDowntimeMs ?? '?'} ms, reported ${r.reportedDowntimeMs} ms, lag at fence ${r.lagAtFenceChanges}; catch-up ${rt.keys} keys at ${Math.round(r.replayKeysPerSecond ?? 0)} keys/s, sync peak RSS ${(s.peakRssBytes / MiB).toFixed(0)} MiB, sync ${cpuText(s.cpu)}; cutover ${(c.ms / 1000).toFixed(2)} s, ${cpuText(c.cpu)}; verify exit ${v.code} (${(v.ms / 1000).toFixed(1)} s); load ${r.loadAverage.toFixed(2)}`,
      );
      results.push(r);
    }
  } finally {
    for (const b of [...backgrounds]) await b.stop();
    for (const name of created) await dropBenchDatabase(server, name).catch(() => undefined);
    await closeBenchServer(server, false).catch(() => undefined);
  }
  const down = results.map((r) => Number(r['appDowntimeMs'] ?? r['reportedDowntimeMs']));
  const syncPeaks = [Number(template?.['peakRssBytes'] ?? 0), Number(template?.['tailPeakRssBytes'] ?? 0), ...results.map((r) => Number(r['syncPeakRssBytes']))];
  const summary = {
    date: new Date().toISOString(),
    rows,
    rate,
    lanes,
    method: 'template: one full sync, then per cutover the database cloned from it and app.db restored (bench/README.md)',
    machine: { cpus: cpus().length, loadAverage: { before: loadBefore, after: loadavg()[0]! } },
    offline,
    captureOverhead: overhead,
    template,
    cutovers: results,
    appDowntimeMsMedian: median(down),
    appDowntimeMsWorst: Math.max(...down),
    reportedDowntimeMsMedian: median(results.map((r) => Number(r['reportedDowntimeMs']))),
    reportedDowntimeMsWorst: Math.max(...results.map((r) => Number(r['reportedDowntimeMs']))),
    replayKeysPerSecondMedian: median(results.map((r) => Number(r['replayKeysPerSecond'] ?? NaN)).filter((x) => !Number.isNaN(x))),
    replayKeysPerCpuSecondMedian: median(results.map((r) => Number(r['replayKeysPerCpuSecond'] ?? NaN)).filter((x) => !Number.isNaN(x))),
    syncPeakRssMiB: Math.max(...syncPeaks) / MiB,
    cutoverCpuMedian: { clientMs: median(results.map((r) => (r['cutoverCpu'] as Cpu).clientMs)), serverMs: server.postmasterPid ? median(results.map((r) => (r['cutoverCpu'] as Cpu).serverMs ?? NaN)) : null },
    catchUpCpuMedian: { clientMs: median(results.map((r) => (r['syncCpu'] as Cpu).clientMs)), serverMs: server.postmasterPid ? median(results.map((r) => (r['syncCpu'] as Cpu).serverMs ?? NaN)) : null },
    verifyAllZeroDifferences: results.length === cutovers && results.every((r) => r['verifyExitCode'] === 0),
  };
  const t = ONLINE_TARGETS;
  const mark = (ok: boolean): string => (ok ? 'ok  ' : 'MISS');
  const sec = (ms: unknown): string => `${(Number(ms) / 1000).toFixed(1)} s`;
  const ov = overhead!;
  const lines = [
    `online vs offline, ${rows.toLocaleString('en-US')} rows, writer at ${rate} writes/s, ${results.length} cutovers, load average ${loadBefore.toFixed(2)} → ${summary.machine.loadAverage.after.toFixed(2)} (${cpus().length} CPUs)`,
    `  offline migrate window        ${sec(offline?.['windowMs'])}, peak RSS ${(Number(offline?.['peakRssBytes']) / MiB).toFixed(0)} MiB, ${cpuText(offline!['cpu'] as Cpu)}`,
    `  first sync (template)         ${sec(template?.['syncMs'])}, peak RSS ${(Number(template?.['peakRssBytes']) / MiB).toFixed(0)} MiB, ${cpuText(template!['cpu'] as Cpu)}`,
    `  per cutover                   app-seen ms | reported ms | lag | catch-up keys/s | sync RSS MiB | sync CPU c/s s | cutover CPU c/s s | verify`,
    ...results.map(
      (r) =>
        `    ${String(r['cutover']).padEnd(28)}${String(r['appDowntimeMs'] ?? '?').padStart(11)} | ${String(r['reportedDowntimeMs']).padStart(11)} | ${String(r['lagAtFenceChanges']).padStart(3)} | ${String(Math.round(Number(r['replayKeysPerSecond'] ?? 0))).padStart(15)} | ${(Number(r['syncPeakRssBytes']) / MiB).toFixed(0).padStart(12)} | ${`${((r['syncCpu'] as Cpu).clientMs / 1000).toFixed(2)}/${(((r['syncCpu'] as Cpu).serverMs ?? NaN) / 1000).toFixed(2)}`.padStart(14)} | ${`${((r['cutoverCpu'] as Cpu).clientMs / 1000).toFixed(2)}/${(((r['cutoverCpu'] as Cpu).serverMs ?? NaN) / 1000).toFixed(2)}`.padStart(17)} | ${r['verifyExitCode'] === 0 ? 'equal' : `exit ${r['verifyExitCode']}`}`,
    ),
    `  ${mark(summary.appDowntimeMsMedian <= t.downtimeMedianMs && summary.appDowntimeMsWorst <= t.downtimeWorstMs)} downtime (app-seen)     median ${summary.appDowntimeMsMedian} ms, worst ${summary.appDowntimeMsWorst} ms (target ≤ ${t.downtimeMedianMs} / ≤ ${t.downtimeWorstMs})`,
    `       downtime (reported)     median ${summary.reportedDowntimeMsMedian} ms, worst ${summary.reportedDowntimeMsWorst} ms (write lock → swap committed and checked)`,
    `  ${mark(summary.replayKeysPerSecondMedian >= t.replayKeysPerSecond)} replay rate            ${Math.round(summary.replayKeysPerSecondMedian)} keys/s median (target ≥ ${t.replayKeysPerSecond}); ${Math.round(summary.replayKeysPerCpuSecondMedian)} keys per CPU-second of sync + PostgreSQL`,
    `  ${mark(ov['autocommitUsAdded']! <= t.captureUsPerWrite)} capture per write      autocommit +${ov['autocommitUsAdded']!.toFixed(1)} µs (${ov['autocommitUsBefore']!.toFixed(1)} → ${ov['autocommitUsWithCapture']!.toFixed(1)}), batched +${ov['batchedUsAdded']!.toFixed(1)} µs (${ov['batchedUsBefore']!.toFixed(1)} → ${ov['batchedUsWithCapture']!.toFixed(1)}) (target ≤ ${t.captureUsPerWrite})`,
    `  ${mark(summary.syncPeakRssMiB <= t.syncPeakRssMiB)} peak RSS of sync       ${summary.syncPeakRssMiB.toFixed(0)} MiB, every sync of the run (target ≤ ${t.syncPeakRssMiB})`,
    `  ${mark(summary.verifyAllZeroDifferences)} full verify after      ${summary.verifyAllZeroDifferences ? `zero differences, ${results.length} of ${cutovers}` : 'DIFFERENCES or missing cutovers'}`,
  ];
  // The other size, from its latest committed results file: does the window grow with the data?
  const otherRows = rows === 1_000_000 ? 5_000_000 : rows === 5_000_000 ? 1_000_000 : null;
  const other = otherRows ? await latestOnline(otherRows) : null;
  if (other) {
    const row = (s: Record<string, unknown>, label: string): string =>
      `    ${label.padEnd(28)}${String(s['rows']).padStart(9)} | ${sec((s['offline'] as Record<string, unknown> | null)?.['windowMs']).padStart(9)} | ${`${s['appDowntimeMsMedian']} / ${s['appDowntimeMsWorst']}`.padStart(13)} | ${String(s['reportedDowntimeMsMedian']).padStart(8)} | ${String(Math.round(Number(s['replayKeysPerSecondMedian']))).padStart(6)} | ${Number(s['syncPeakRssMiB']).toFixed(0).padStart(4)} | ${Array.isArray(s['cutovers']) ? s['cutovers'].length : '?'} cutovers`;
    lines.push(`  size comparison               rows | offline | app-seen med/worst ms | reported | keys/s | RSS MiB`);
    lines.push(row(summary, 'this run'));
    lines.push(row(other, `${String(other['date']).slice(0, 10)} (results file)`));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  await mkdir(join(BENCH_DIR, 'results'), { recursive: true });
  const file = join(BENCH_DIR, 'results', `${summary.date.slice(0, 10)}-${rows}-online.json`);
  await writeFile(file, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
  return summary.verifyAllZeroDifferences ? 0 : 1;
}
