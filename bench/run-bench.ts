/**
 * `npm run bench`: sqlite2pg end to end against the raw `sqlite3 | psql \copy` pipe (and pgloader
 * when installed), on the same generated database, the same server, in the same run.
 *
 *   npm run bench -- [--rows N] [--lanes N] [--target URL] [--keep] [--skip-raw]
 *
 * The text table goes to stdout, progress to stderr, and the figures to
 * bench/results/<YYYY-MM-DD>-<rows>.json. See bench/README.md for what is measured and how.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import {
  RESULTS_VERSION,
  renderResults,
  targetChecks,
  withFigures,
  type BenchResults,
  type MeasuredRun,
} from './bench-results.js';
import {
  benchDatabaseName,
  closeBenchServer,
  countRows,
  dropBenchDatabase,
  openBenchServer,
  recreateBenchDatabase,
  type BenchDatabase,
  type BenchServer,
} from './bench-target.js';
import { ensureBenchDb, SEED, SHAPE_VERSION, type BenchDb } from './generate-bench-db.js';
import { startPeakSampler, treeSize, untilTreeShrinks, type CpuSample, type TreePeak } from './measure.js';
import { runPgloader } from './pgloader-run.js';
import { commandExists, runRawPipe, type RawPipeResult } from './raw-pipe.js';
import { phaseBreakdown, phaseCpu, runSqlite2pg, type Sqlite2pgRun } from './sqlite2pg-run.js';

const execFileAsync = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'); // dist/bench → repo
const BENCH_DIR = join(REPO_ROOT, 'bench');
const CACHE_DIR = join(BENCH_DIR, '.cache');
const TABLES = ['events', 'users'] as const;
/** Paths in results are relative to the repository, so the results file reads the same anywhere. */
const repoPath = (path: string): string => relative(REPO_ROOT, path);
/** Rounded numbers keep the committed results file readable; nothing here is precise beyond that. */
const roundNumbers = (_key: string, value: unknown): unknown => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1e4) / 1e4 : value);

export interface BenchOptions {
  readonly rows: number;
  readonly lanes: number;
  readonly target: string | undefined;
  readonly keep: boolean;
  readonly skipRaw: boolean;
  readonly skipPgloader: boolean;
}

const USAGE = `usage: npm run bench -- [--rows N] [--lanes N] [--target postgres://user:pass@host/db] [--keep] [--skip-raw] [--skip-pgloader]
  --rows N      rows of the generated database (default 1000000: events 1.1·N, users N/10)
  --lanes N     sqlite2pg --lanes (default 2)
  --target URL  an existing server: the database sqlite2pg_bench_<rows> is created and dropped there
                (default: a throwaway embedded PostgreSQL under bench/.cache/pg)
  --keep        keep the target database (and the embedded server) afterwards
  --skip-raw    do not run the sqlite3 | psql baseline
  --skip-pgloader  do not run pgloader (e.g. while comparing builds of sqlite2pg)`;

class BenchUsageError extends Error {}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new BenchUsageError(`--${name} must be a whole number ≥ 1, not "${value}"`);
  return n;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        rows: { type: 'string' },
        lanes: { type: 'string' },
        target: { type: 'string' },
        keep: { type: 'boolean', default: false },
        'skip-raw': { type: 'boolean', default: false },
        'skip-pgloader': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new BenchUsageError((e as Error).message);
  }
  return {
    rows: positiveInt('rows', values.rows, 1_000_000),
    lanes: positiveInt('lanes', values.lanes, 2),
    target: values.target,
    keep: Boolean(values.keep),
    skipRaw: Boolean(values['skip-raw']),
    skipPgloader: Boolean(values['skip-pgloader']),
  };
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** Read the source once so every run starts with it in the page cache, whoever ran first. */
async function warmPageCache(path: string): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) void chunk;
}

async function toolVersion(cmd: string): Promise<string | null> {
  return execFileAsync(cmd, ['--version']).then(
    (r) => r.stdout.trim().split('\n')[0]!,
    () => null,
  );
}

/** Children we started and that may still run: killed if we are interrupted. */
const running = new Set<number>();

interface Measured<T> {
  readonly value: T;
  readonly own: TreePeak;
  readonly server: TreePeak;
  /** CPU of the run: client tree (with the children it waited for) and server tree, from start to `ended()`. */
  readonly cpu: { readonly clientMs: number; readonly serverMs: number } | null;
  readonly cpuSamples: readonly CpuSample[];
}

/** Called by a measured body the moment its processes have exited, before it counts rows. */
type Ended = () => Promise<void>;

/**
 * Recreate the database, warm the source, then run `body` while sampling the memory of the
 * processes it spawns (VmRSS) every 100 ms and of the PostgreSQL server (PSS) every second.
 */
async function measured<T>(server: BenchServer, dbName: string, source: BenchDb, body: (db: BenchDatabase, onSpawn: (pid: number) => void, ended: Ended) => Promise<T>): Promise<Measured<T>> {
  const db = await recreateBenchDatabase(server, dbName);
  await warmPageCache(source.path);
  const pids: number[] = [];
  const serverRoots = (): number[] => (server.postmasterPid ? [server.postmasterPid] : []);
  const processesBefore = treeSize(serverRoots());
  const sampler = startPeakSampler(
    [
      { name: 'own', metric: 'rss', roots: () => pids },
      { name: 'server', metric: 'pss', roots: serverRoots },
    ],
    100,
    10,
    { client: () => pids, server: serverRoots },
  );
  const first = sampler.cpu[0]!;
  let last: CpuSample | null = null;
  const ended: Ended = async () => {
    // The run's backends exit after its client: read the server's CPU when they are gone (at most 3 s).
    await untilTreeShrinks(serverRoots, processesBefore);
    last = sampler.cpuNow();
  };
  let peaks: Record<string, TreePeak>;
  let value: T;
  try {
    value = await body(
      db,
      (pid) => {
        pids.push(pid);
        running.add(pid);
      },
      ended,
    );
  } finally {
    peaks = sampler.stop();
    for (const pid of pids) running.delete(pid);
  }
  const end = last as CpuSample | null;
  const cpu = end ? { clientMs: end.clientMs - first.clientMs, serverMs: server.postmasterPid ? end.serverMs - first.serverMs : NaN } : null;
  const cpuSamples = sampler.cpu.filter((x) => !end || x.atMs <= end.atMs).map((x) => ({ atMs: x.atMs, clientMs: x.clientMs - first.clientMs, serverMs: x.serverMs - first.serverMs }));
  return { value, own: peaks['own']!, server: peaks['server']!, cpu, cpuSamples };
}

const runCpu = (m: Measured<unknown>): MeasuredRun['cpu'] => (m.cpu ? { clientMs: m.cpu.clientMs, serverMs: Number.isNaN(m.cpu.serverMs) ? null : m.cpu.serverMs } : null);

async function targetRows(db: BenchDatabase): Promise<number | null> {
  return countRows(db, TABLES).then(
    (counts) => Object.values(counts).reduce((a, b) => a + b, 0),
    () => null,
  );
}

const serverPss = (server: BenchServer, m: Measured<unknown>): number | null => (server.postmasterPid ? m.server.peakBytes : null);

async function benchRawPipe(server: BenchServer, dbName: string, source: BenchDb): Promise<{ run: MeasuredRun; raw: RawPipeResult | null }> {
  const name = 'raw pipe';
  const missing = [];
  for (const tool of ['sqlite3', 'psql', 'bash']) if (!(await commandExists(tool))) missing.push(tool);
  if (missing.length) {
    log(`raw pipe: ${missing.join(', ')} not on PATH, skipped`);
    return { run: skipped(name, `${missing.join(', ')} not on PATH`), raw: null };
  }
  log('raw pipe: sqlite3 -csv | psql \\copy, then keys and indexes ...');
  const m = await measured(server, dbName, source, (db, onSpawn, ended) => runRawPipe({ dbPath: source.path, pgEnv: db.env, onSpawn }).then(async (r) => (await ended(), { r, rows: r.ok ? await targetRows(db) : null })));
  const { r, rows } = m.value;
  log(`raw pipe: ${r.ok ? 'done' : 'FAILED'} in ${(r.ms / 1000).toFixed(2)} s`);
  return {
    run: {
      name,
      status: r.ok ? 'ok' : 'failed',
      note: r.error,
      exitCode: r.ok ? 0 : 1,
      wallMs: r.ms,
      rows,
      peakRssBytes: m.own.peakBytes,
      peakServerPssBytes: serverPss(server, m),
      cpu: runCpu(m),
    },
    raw: r,
  };
}

async function benchSqlite2pg(server: BenchServer, dbName: string, source: BenchDb, lanes: number, workDir: string): Promise<{ run: MeasuredRun; result: Sqlite2pgRun; cpuSamples: readonly CpuSample[] }> {
  log(`sqlite2pg: migrate --lanes ${lanes} ...`);
  const m = await measured(server, dbName, source, async (db, onSpawn, ended) => {
    const result = await runSqlite2pg({ repoRoot: REPO_ROOT, dbPath: source.path, targetUrl: db.url, pgEnv: db.env, mappingsDir: join(BENCH_DIR, 'mappings'), workDir, lanes, onSpawn });
    await ended();
    return { result, rows: result.exitCode === 0 ? await targetRows(db) : null };
  });
  const { result, rows } = m.value;
  // The snapshot is a full copy of the source: useful to nobody after the run.
  await rm(join(workDir, 'snapshots'), { recursive: true, force: true });
  const ok = result.exitCode === 0;
  log(`sqlite2pg: ${ok ? 'done' : `FAILED (exit ${result.exitCode}, output in ${result.logPath})`} in ${(result.wallMs / 1000).toFixed(2)} s`);
  const quarantined = result.report?.tables.reduce((n, t) => n + t.rowsQuarantined, 0) ?? 0;
  const notes = [
    ok ? null : `exit ${result.exitCode}${result.report?.error ? `: ${result.report.error.code} ${result.report.error.message}` : ''}; output in ${repoPath(result.logPath)}`,
    quarantined ? `${quarantined} rows quarantined` : null,
    result.report ? `outcome ${result.report.outcome}, report ${repoPath(result.reportPath!)}` : 'no JSON report written',
  ].filter((x): x is string => x !== null);
  return {
    run: {
      name: 'sqlite2pg',
      status: ok ? 'ok' : 'failed',
      note: notes.join('; '),
      exitCode: result.exitCode,
      wallMs: result.wallMs,
      rows,
      peakRssBytes: m.own.peakBytes,
      peakServerPssBytes: serverPss(server, m),
      cpu: runCpu(m),
    },
    result,
    cpuSamples: m.cpuSamples,
  };
}

async function benchPgloader(server: BenchServer, dbName: string, source: BenchDb, workDir: string): Promise<MeasuredRun> {
  if (!(await commandExists('pgloader'))) {
    log('pgloader: not installed, skipped');
    return skipped('pgloader', 'not installed, skipped');
  }
  log('pgloader: loading ...');
  const m = await measured(server, dbName, source, async (db, onSpawn, ended) => {
    const r = await runPgloader({ dbPath: source.path, targetUrl: db.url, pgEnv: db.env, workDir, onSpawn });
    await ended();
    return { r, rows: r.exitCode === 0 ? await targetRows(db) : null };
  });
  const { r, rows } = m.value;
  // pgloader logs a table it could not load and still exits 0: count what arrived.
  const expected = source.shape.events + source.shape.users;
  const complete = r.exitCode === 0 && rows === expected;
  const heap = r.exitCode !== 0 && /heap exhausted/i.test(await readFile(r.logPath, 'utf8').catch(() => ''));
  const why = r.exitCode !== 0 ? `exit ${r.exitCode}${heap ? ': heap exhausted, pgloader cannot load this size with its default heap' : ''}` : rows !== expected ? `loaded ${rows ?? '?'} of ${expected} rows` : null;
  log(`pgloader: ${complete ? 'done' : `FAILED (${why})`} in ${(r.wallMs / 1000).toFixed(2)} s`);
  return {
    name: 'pgloader',
    status: complete ? 'ok' : 'failed',
    note: `${why ? `${why}; ` : ''}output in ${repoPath(r.logPath)}`,
    exitCode: r.exitCode,
    wallMs: r.wallMs,
    rows,
    peakRssBytes: m.own.peakBytes,
    peakServerPssBytes: serverPss(server, m),
    cpu: runCpu(m),
  };
}

function skipped(name: MeasuredRun['name'], note: string): MeasuredRun {
  return { name, status: 'skipped', note, exitCode: null, wallMs: null, rows: null, peakRssBytes: null, peakServerPssBytes: null, cpu: null };
}

export async function runBench(o: BenchOptions): Promise<BenchResults> {
  const loadBefore = loadavg()[0]!;
  const source = await ensureBenchDb(join(CACHE_DIR, 'db'), o.rows, log);
  log(`source: ${source.path} (${(source.sizeBytes / 2 ** 20).toFixed(1)} MiB${source.cached ? ', cached' : `, generated in ${((source.generateMs ?? 0) / 1000).toFixed(1)} s`})`);
  (globalThis as { gc?: () => void }).gc?.();

  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const workDir = join(CACHE_DIR, 'runs', `${stamp}-${o.rows}`);
  await mkdir(workDir, { recursive: true });
  log(o.target ? 'target: the server of --target' : 'target: starting a throwaway embedded PostgreSQL ...');
  const server = await openBenchServer(CACHE_DIR, o.target);
  log(`target: ${server.version}${server.postmasterPid ? `, postmaster pid ${server.postmasterPid}` : ', server processes not visible: no server memory figures'}`);
  const dbName = benchDatabaseName(o.rows);

  const runs: MeasuredRun[] = [];
  let raw: RawPipeResult | null = null;
  let ours: Sqlite2pgRun | null = null;
  let ourCpu: readonly CpuSample[] = [];
  try {
    // The baseline first, so that --keep leaves sqlite2pg's result in the database.
    if (o.skipRaw) runs.push(skipped('raw pipe', '--skip-raw'));
    else {
      const r = await benchRawPipe(server, dbName, source);
      runs.push(r.run);
      raw = r.raw;
    }
    runs.push(o.skipPgloader ? skipped('pgloader', '--skip-pgloader') : await benchPgloader(server, dbName, source, join(workDir, 'pgloader')));
    const s = await benchSqlite2pg(server, dbName, source, o.lanes, join(workDir, 'sqlite2pg'));
    runs.unshift(s.run);
    ours = s.result;
    ourCpu = s.cpuSamples;
  } finally {
    if (!o.keep) await dropBenchDatabase(server, dbName).catch((e: Error) => log(`could not drop ${dbName}: ${e.message}`));
    await closeBenchServer(server, o.keep).catch((e: Error) => log(`could not stop the embedded server: ${e.message}`));
    if (o.keep) log(`kept: database ${dbName}${server.dir ? ` on the embedded server in ${server.dir} (still running; credentials in embedded.json there)` : ''}`);
  }

  const loadAfter = loadavg()[0]!;
  const figures = withFigures(runs, source.sizeBytes, cpus().length);
  const report = ours?.report ?? null;
  const phases = report ? { ...phaseBreakdown(report.steps), cpu: phaseCpu(ours!, ourCpu), reportMs: report.ms, outcome: report.outcome } : null;
  const verifyShare = phases && phases.sectionMs.data > 0 && phases.sectionMs.verify > 0 ? phases.sectionMs.verify / phases.sectionMs.data : null;
  const [sqlite3Version, psqlVersion] = await Promise.all([toolVersion('sqlite3'), toolVersion('psql')]);
  return {
    version: RESULTS_VERSION,
    date: new Date().toISOString(),
    rows: o.rows,
    lanes: o.lanes,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryBytes: totalmem(),
      os: `${type()} ${release()}`,
      node: process.version,
      postgres: server.version,
      sqlite3: sqlite3Version?.split(' ')[0] ?? null,
      psql: psqlVersion,
      loadAverage: { before: loadBefore, after: loadAfter },
    },
    target: { kind: server.kind, database: dbName },
    source: { shapeVersion: SHAPE_VERSION, seed: SEED, sizeBytes: source.sizeBytes, tables: { ...source.shape } },
    runs: figures,
    sqlite2pgPhases: phases,
    rawPipeSteps: raw?.steps ?? null,
    verifyShareOfLoad: verifyShare,
    targets: targetChecks(figures, verifyShare, o.rows, o.rows > 1_000_000 ? await sameDayRss(1_000_000) : null),
  };
}

/** Peak RSS of sqlite2pg in today's committed results file for `rows`, if there is one. */
async function sameDayRss(rows: number): Promise<number | null> {
  const file = join(BENCH_DIR, 'results', `${new Date().toISOString().slice(0, 10)}-${rows}.json`);
  const r = await readFile(file, 'utf8').then((t) => JSON.parse(t) as BenchResults, () => null);
  return r?.runs.find((x) => x.name === 'sqlite2pg' && x.status === 'ok')?.peakRssBytes ?? null;
}

async function main(argv: readonly string[]): Promise<number> {
  // `--online`: the online bench, in its own file (bench/online-bench.ts).
  if (argv.includes('--online')) return (await import('./online-bench.js')).runOnlineBench(argv.filter((a) => a !== '--online'));
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    return 2;
  }
  process.once('SIGINT', () => {
    log('interrupted: stopping the running child, then cleaning up ...');
    for (const pid of running) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  });
  const results = await runBench(options);
  process.stdout.write(`\n${renderResults(results)}\n`);
  const resultsDir = join(BENCH_DIR, 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `${results.date.slice(0, 10)}-${results.rows}.json`);
  await writeFile(file, `${JSON.stringify(results, roundNumbers, 2)}\n`);
  process.stdout.write(`\nwrote ${file}\n`);
  return results.runs.some((r) => r.status === 'failed') ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
});
