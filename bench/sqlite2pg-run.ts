/**
 * One measured `sqlite2pg migrate` run, as a user runs it: the real CLI in its own process, the
 * target URL on the command line without its password (PGPASSWORD carries it), and the phase
 * breakdown read back from the JSON report it writes.
 */
import { spawn } from 'node:child_process';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult, Section, StepResult } from '../src/model/run-result.js';
import { cpuOver, startTimer, unionMs, type CpuSample } from './measure.js';

export interface Sqlite2pgRunOptions {
  readonly repoRoot: string;
  readonly dbPath: string;
  /** Target URL without a password. */
  readonly targetUrl: string;
  readonly pgEnv: Readonly<Record<string, string>>;
  readonly mappingsDir: string;
  /** Fresh directory for this run: reports/, snapshots/ and the CLI's output log go here. */
  readonly workDir: string;
  readonly lanes: number;
  readonly onSpawn: (pid: number) => void;
}

export interface Sqlite2pgRun {
  readonly exitCode: number;
  readonly wallMs: number;
  /** Epoch ms of the spawn and of the exit: the report's clock starts after node's start-up. */
  readonly spawnAtMs: number;
  readonly exitAtMs: number;
  readonly logPath: string;
  readonly reportPath: string | null;
  readonly report: RunResult | null;
}

/** The argv of the measured command (after `node`). */
export function migrateArgs(o: Pick<Sqlite2pgRunOptions, 'repoRoot' | 'dbPath' | 'targetUrl' | 'mappingsDir' | 'workDir' | 'lanes'>): string[] {
  return [
    join(o.repoRoot, 'bin', 'sqlite2pg.js'),
    'migrate',
    o.dbPath,
    '--target', o.targetUrl,
    '--mappings', o.mappingsDir,
    '--reports', join(o.workDir, 'reports'),
    '--snapshot-dir', join(o.workDir, 'snapshots'),
    '--lanes', String(o.lanes),
    '--allow-quarantine',
  ];
}

export async function runSqlite2pg(o: Sqlite2pgRunOptions): Promise<Sqlite2pgRun> {
  await mkdir(o.workDir, { recursive: true });
  const logPath = join(o.workDir, 'sqlite2pg.log');
  const log = await open(logPath, 'w');
  const elapsed = startTimer();
  const spawnAtMs = Date.now();
  const exitCode = await new Promise<number>((resolve, reject) => {
    // Output goes straight to a file descriptor: we do not pump it, so it costs the child only.
    const child = spawn(process.execPath, migrateArgs(o), {
      cwd: o.repoRoot,
      env: { ...process.env, ...o.pgEnv },
      stdio: ['ignore', log.fd, log.fd],
    });
    if (child.pid) o.onSpawn(child.pid);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  }).finally(() => log.close());
  const wallMs = elapsed();
  const exitAtMs = Date.now();
  const reportPath = await findJsonReport(join(o.workDir, 'reports'));
  const report = reportPath ? (JSON.parse(await readFile(reportPath, 'utf8')) as RunResult) : null;
  return { exitCode, wallMs, spawnAtMs, exitAtMs, logPath, reportPath, report };
}

/** The run's JSON report: the one `<stamp>-<stem>.json` in a reports directory used by one run. */
async function findJsonReport(dir: string): Promise<string | null> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const json = names.filter((n) => n.endsWith('.json')).sort();
  return json.length ? join(dir, json[json.length - 1]!) : null;
}

export interface TablePhase {
  readonly table: string;
  readonly ms: number;
  readonly rows: number | null;
  readonly bytes: number | null;
}

export interface PhaseBreakdown {
  /** Wall time per report section (overlapping steps, e.g. parallel lanes, counted once). */
  readonly sectionMs: Readonly<Record<Section, number>>;
  /** Read + encode + COPY per table. */
  readonly copy: readonly TablePhase[];
  /** Key, index and other post-load steps, in the order they ran. */
  readonly post: readonly { readonly step: string; readonly table: string | null; readonly ms: number }[];
  /** Checksum verification per table. */
  readonly verify: readonly TablePhase[];
  /** Steps of the pre and cutover sections (snapshot, plan, staging DDL, swap). */
  readonly other: readonly { readonly step: string; readonly section: Section; readonly ms: number }[];
}

const SECTIONS: readonly Section[] = ['pre', 'data', 'post', 'verify', 'cutover'];

export function phaseBreakdown(steps: readonly StepResult[]): PhaseBreakdown {
  const inSection = (s: Section): StepResult[] => steps.filter((x) => x.section === s);
  const sectionMs = Object.fromEntries(SECTIONS.map((s) => [s, unionMs(inSection(s))])) as Record<Section, number>;
  const perTable = (s: Section): TablePhase[] =>
    inSection(s)
      .filter((x) => x.table !== undefined)
      .map((x) => ({ table: x.table!, ms: x.ms, rows: x.rows ?? null, bytes: x.bytes ?? null }));
  return {
    sectionMs,
    copy: perTable('data'),
    post: inSection('post').map((x) => ({ step: x.step, table: x.table ?? null, ms: x.ms })),
    verify: perTable('verify'),
    other: steps.filter((x) => x.section === 'pre' || x.section === 'cutover').map((x) => ({ step: x.step, section: x.section, ms: x.ms })),
  };
}

export interface CpuSplit {
  readonly clientMs: number;
  readonly serverMs: number;
}

/**
 * CPU per report section, from the benchmark's 100 ms CPU readings (client = sqlite2pg's process,
 * all its threads; server = the PostgreSQL processes), over the union of each section's step
 * intervals; `start-up` is from the spawn to the report's clock start (node, module loading,
 * argument and config checks), `exit` from the report's end to the process exit. Sections that
 * overlap in time share the CPU of the overlap (each counts it).
 */
export function phaseCpu(run: Pick<Sqlite2pgRun, 'spawnAtMs' | 'exitAtMs' | 'report'>, samples: readonly CpuSample[]): Record<Section | 'start-up' | 'exit', CpuSplit> | null {
  const report = run.report;
  if (!report || samples.length < 2) return null;
  const t0 = Date.parse(report.startedAt);
  const end = t0 + report.ms;
  const over = (intervals: readonly { startMs: number; ms: number }[]): CpuSplit => cpuOver(samples, intervals);
  const out = {
    'start-up': over([{ startMs: run.spawnAtMs, ms: Math.max(0, t0 - run.spawnAtMs) }]),
    exit: over([{ startMs: end, ms: Math.max(0, run.exitAtMs - end) }]),
  } as Record<Section | 'start-up' | 'exit', CpuSplit>;
  for (const s of SECTIONS) out[s] = over(report.steps.filter((x) => x.section === s).map((x) => ({ startMs: t0 + x.startMs, ms: x.ms })));
  return out;
}
