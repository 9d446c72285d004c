/**
 * The benchmark's results as a value (written to bench/results/<date>-<rows>.json) and its
 * text rendering. Pure: no clock, no I/O.
 */
import type { CpuSplit, PhaseBreakdown } from './sqlite2pg-run.js';
import type { Section } from '../src/model/run-result.js';
import type { RawPipeStepResult } from './raw-pipe.js';

export const RESULTS_VERSION = 2;

export type RunName = 'sqlite2pg' | 'raw pipe' | 'pgloader';

export interface MeasuredRun {
  readonly name: RunName;
  readonly status: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped, or anything worth knowing about the run. */
  readonly note: string | null;
  readonly exitCode: number | null;
  readonly wallMs: number | null;
  /** Rows loaded into PostgreSQL, all tables. */
  readonly rows: number | null;
  /** Peak of the summed VmRSS of the run's own process tree (node, or bash + sqlite3 + psql). */
  readonly peakRssBytes: number | null;
  /** Peak of the summed PSS of the PostgreSQL server's processes during the run (local servers only). */
  readonly peakServerPssBytes: number | null;
  /**
   * CPU time of the run: `clientMs` of its own process tree (user + sys of every process and
   * thread, the exited ones included), `serverMs` of the PostgreSQL server's processes (the
   * backends that served it, plus the WAL writer, checkpointer and autovacuum it kept busy); null
   * when the server's processes are not visible here.
   */
  readonly cpu: { readonly clientMs: number; readonly serverMs: number | null } | null;
}

export interface RunFigures extends MeasuredRun {
  readonly rowsPerSec: number | null;
  /** Source file bytes (10^6) per second. */
  readonly mbPerSec: number | null;
  /** Wall time divided by the raw pipe's. */
  readonly ratioToRaw: number | null;
  /** Client + server CPU. */
  readonly cpuMs: number | null;
  /** Rows loaded per second of CPU (client + server): steady under the noise of a shared machine. */
  readonly rowsPerCpuSec: number | null;
  /** The cores' limit: total CPU / cores, the shortest wall time this work could take here. */
  readonly coreLimitMs: number | null;
  /** Wall time / the cores' limit (1.00 = every core busy with this run all the time). */
  readonly ratioToLimit: number | null;
}

export interface TargetCheck {
  readonly target: string;
  readonly value: number | null;
  readonly limit: number;
  readonly unit: string;
  readonly pass: boolean | null;
}

export interface BenchResults {
  readonly version: typeof RESULTS_VERSION;
  readonly date: string;
  readonly rows: number;
  readonly lanes: number;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryBytes: number;
    readonly os: string;
    readonly node: string;
    readonly postgres: string;
    readonly sqlite3: string | null;
    readonly psql: string | null;
    /** 1-minute load average before and after the runs: anything else busy makes the figures noisy. */
    readonly loadAverage: { readonly before: number; readonly after: number };
  };
  readonly target: { readonly kind: 'embedded' | 'external'; readonly database: string };
  readonly source: {
    readonly shapeVersion: number;
    readonly seed: number;
    readonly sizeBytes: number;
    readonly tables: Readonly<Record<string, number>>;
  };
  readonly runs: readonly RunFigures[];
  readonly sqlite2pgPhases: (PhaseBreakdown & { readonly cpu: Record<Section | 'start-up' | 'exit', CpuSplit> | null; readonly reportMs: number; readonly outcome: string }) | null;
  readonly rawPipeSteps: readonly RawPipeStepResult[] | null;
  /** Verification time / load time, where load is the data section (read + encode + COPY). */
  readonly verifyShareOfLoad: number | null;
  readonly targets: readonly TargetCheck[];
}

export function withFigures(runs: readonly MeasuredRun[], sourceBytes: number, cores: number): RunFigures[] {
  const raw = runs.find((r) => r.name === 'raw pipe' && r.status === 'ok');
  return runs.map((r) => {
    const ok = r.status === 'ok' && r.wallMs !== null && r.wallMs > 0;
    const seconds = ok ? r.wallMs! / 1000 : null;
    const cpuMs = r.cpu && r.cpu.serverMs !== null ? r.cpu.clientMs + r.cpu.serverMs : null;
    const coreLimitMs = cpuMs !== null ? cpuMs / cores : null;
    return {
      ...r,
      rowsPerSec: seconds !== null && r.rows !== null ? r.rows / seconds : null,
      mbPerSec: seconds !== null ? sourceBytes / 1e6 / seconds : null,
      ratioToRaw: ok && raw?.wallMs ? r.wallMs! / raw.wallMs : null,
      cpuMs,
      rowsPerCpuSec: ok && cpuMs && r.rows !== null ? r.rows / (cpuMs / 1000) : null,
      coreLimitMs,
      ratioToLimit: ok && coreLimitMs ? r.wallMs! / coreLimitMs : null,
    };
  });
}

const MIB = 1024 * 1024;

export function targetChecks(runs: readonly RunFigures[], verifyShare: number | null, rows: number, rssAt1M: number | null = null): TargetCheck[] {
  const ours = runs.find((r) => r.name === 'sqlite2pg');
  const ratio = ours?.status === 'ok' ? ours.ratioToRaw : null;
  const rss = ours?.status === 'ok' && ours.peakRssBytes ? ours.peakRssBytes / MIB : null;
  const check = (target: string, value: number | null, limit: number, unit: string): TargetCheck => ({ target, value, limit, unit, pass: value === null ? null : value <= limit });
  const pgloader = runs.find((r) => r.name === 'pgloader');
  // "≥ 1.4× faster than pgloader": our wall time at most 1/1.4 of pgloader's (n/a when it did not run).
  const vsPgloader = ours?.status === 'ok' && pgloader?.status === 'ok' && ours.wallMs && pgloader.wallMs ? ours.wallMs / pgloader.wallMs : null;
  const checks = [
    check('end to end vs raw pipe + index builds', ratio, 1.1, '×'),
    check('end to end vs pgloader (≥ 1.4× faster)', vsPgloader, Math.round((1 / 1.4) * 100) / 100, '×'),
    check(`peak RSS of the node process tree at ${rows.toLocaleString('en-US')} rows`, rss, 256, 'MiB'),
    check('verification time / load time', verifyShare === null ? null : verifyShare * 100, 15, '%'),
  ];
  if (rssAt1M !== null && rss !== null && rows > 1_000_000) checks.push(check('peak RSS growth over the same day\'s 1M-row run', (rss / (rssAt1M / MIB) - 1) * 100, 10, '%'));
  return checks;
}

// --- text rendering ---

/** Columns padded to their widest cell; `right` marks numeric columns. */
export function alignTable(header: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const dash = '—';
export const fmtSeconds = (ms: number | null): string => (ms === null ? dash : `${(ms / 1000).toFixed(2)} s`);
const fmtInt = (n: number | null): string => (n === null ? dash : Math.round(n).toLocaleString('en-US'));
const fmtMib = (bytes: number | null): string => (bytes === null || bytes === 0 ? dash : `${(bytes / MIB).toFixed(0)} MiB`);
const fmtFixed = (n: number | null, digits: number, suffix = ''): string => (n === null ? dash : `${n.toFixed(digits)}${suffix}`);

export function renderRunsTable(runs: readonly RunFigures[], cores = 2): string {
  return alignTable(
    ['run', 'status', 'wall', 'rows/s', 'MB/s', 'peak RSS', 'PG server PSS', 'vs raw', 'CPU client', 'CPU server', 'rows/CPU-s', `${cores}-core limit`, 'vs limit'],
    runs.map((r) => [
      r.name,
      r.status,
      fmtSeconds(r.wallMs),
      fmtInt(r.rowsPerSec),
      fmtFixed(r.mbPerSec, 1),
      fmtMib(r.peakRssBytes),
      fmtMib(r.peakServerPssBytes),
      fmtFixed(r.ratioToRaw, 2, '×'),
      r.status === 'skipped' ? dash : fmtSeconds(r.cpu?.clientMs ?? null),
      r.status === 'skipped' ? dash : fmtSeconds(r.cpu?.serverMs ?? null),
      fmtInt(r.rowsPerCpuSec),
      r.status === 'skipped' ? dash : fmtSeconds(r.coreLimitMs),
      fmtFixed(r.ratioToLimit, 2, '×'),
    ]),
    [false, false, true, true, true, true, true, true, true, true, true, true, true],
  );
}

const share = (part: number, whole: number): string => (whole > 0 ? `${((part / whole) * 100).toFixed(0)}%` : dash);

export function renderPhases(p: NonNullable<BenchResults['sqlite2pgPhases']>): string {
  const rows: string[][] = [];
  const total = p.reportMs;
  const cpuCells = (key: Section | 'start-up' | 'exit'): string[] => {
    const c = p.cpu?.[key];
    return c ? [fmtSeconds(c.clientMs), fmtSeconds(c.serverMs)] : ['', ''];
  };
  const section = (label: string, ms: number, key: Section | 'start-up' | 'exit'): void => void rows.push([label, '', fmtSeconds(ms), share(ms, total), '', ...cpuCells(key)]);
  const detail = (label: string, ms: number, rowCount: number | null): void =>
    void rows.push([`  ${label}`, fmtInt(rowCount), fmtSeconds(ms), '', rowCount !== null && ms > 0 ? fmtInt(rowCount / (ms / 1000)) : '', '', '']);
  if (p.cpu) rows.push(['start-up (node, before the report clock)', '', '', '', '', ...cpuCells('start-up')]);
  section('pre (snapshot, plan, staging DDL)', p.sectionMs.pre, 'pre');
  for (const s of p.other.filter((x) => x.section === 'pre')) detail(s.step, s.ms, null);
  section('read + encode + COPY (data)', p.sectionMs.data, 'data');
  for (const c of p.copy) detail(`copy ${c.table}`, c.ms, c.rows);
  section('keys and indexes (post)', p.sectionMs.post, 'post');
  for (const s of p.post) detail(`${s.step}${s.table && !s.step.includes(s.table) ? ` ${s.table}` : ''}`, s.ms, null);
  section('verify', p.sectionMs.verify, 'verify');
  for (const v of p.verify) detail(`checksum ${v.table}`, v.ms, v.rows);
  section('cutover', p.sectionMs.cutover, 'cutover');
  if (p.cpu) rows.push(['exit (after the report clock)', '', '', '', '', ...cpuCells('exit')]);
  rows.push(['total (as reported)', '', fmtSeconds(total), '100%', '', '', '']);
  return alignTable(['sqlite2pg phase', 'rows', 'wall', 'share', 'rows/s', 'CPU client', 'CPU server'], rows, [false, true, true, true, true, true, true]);
}

export function renderRawSteps(steps: readonly RawPipeStepResult[]): string {
  return alignTable(
    ['raw pipe step', 'rows', 'time', 'rows/s'],
    steps.map((s) => [`${s.step}${s.table ? ` ${s.table}` : ''}`, fmtInt(s.rows), fmtSeconds(s.ms), s.rows !== null && s.ms > 0 ? fmtInt(s.rows / (s.ms / 1000)) : '']),
    [false, true, true, true],
  );
}

export function renderTargets(targets: readonly TargetCheck[]): string {
  return alignTable(
    ['target', 'measured', 'limit', 'result'],
    targets.map((t) => [t.target, t.value === null ? dash : `${t.value.toFixed(t.unit === '×' ? 2 : 0)} ${t.unit}`, `≤ ${t.limit} ${t.unit}`, t.pass === null ? 'n/a' : t.pass ? 'met' : 'MISSED']),
    [false, true, true, false],
  );
}

export function renderResults(r: BenchResults): string {
  const parts = [
    `sqlite2pg bench: ${r.rows.toLocaleString('en-US')} rows (${Object.entries(r.source.tables).map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`).join(', ')}), ` +
      `source ${(r.source.sizeBytes / MIB).toFixed(1)} MiB, lanes ${r.lanes}`,
    `${r.machine.cpus} × ${r.machine.cpuModel}, ${(r.machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB, ${r.machine.os}, node ${r.machine.node}, ${r.machine.postgres} (${r.target.kind})`,
  ];
  // With the runs themselves using ~1 CPU each, a higher load before them means someone else is busy.
  if (r.machine.loadAverage.before > r.machine.cpus / 2) {
    parts.push(`WARNING: load average was ${r.machine.loadAverage.before.toFixed(2)} before the runs (${r.machine.cpus} CPUs): other work competes with the benchmark, figures are noisy`);
  }
  parts.push('', renderRunsTable(r.runs, r.machine.cpus));
  if (r.sqlite2pgPhases) parts.push('', renderPhases(r.sqlite2pgPhases));
  if (r.rawPipeSteps) parts.push('', renderRawSteps(r.rawPipeSteps));
  if (r.verifyShareOfLoad !== null && r.sqlite2pgPhases) {
    const p = r.sqlite2pgPhases.sectionMs;
    parts.push('', `verification: ${fmtSeconds(p.verify)} = ${(r.verifyShareOfLoad * 100).toFixed(1)}% of load (read + encode + COPY ${fmtSeconds(p.data)}); ` +
      `${share(p.verify, p.data + p.post)} of load + keys/indexes (target ≤ 15% of load)`);
  }
  parts.push('', renderTargets(r.targets));
  const notes = r.runs.filter((x) => x.note).map((x) => `${x.name}: ${x.note}`);
  if (notes.length) parts.push('', ...notes);
  return parts.join('\n');
}
