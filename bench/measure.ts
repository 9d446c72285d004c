/**
 * Timers and a process-tree memory sampler for Linux, read from /proc.
 *
 * - Our own processes (node, sqlite3, psql, bash) are summed by VmRSS, as `ps`/`top` show it.
 * - PostgreSQL backends share shared_buffers: summing their RSS would count that memory once per
 *   backend, so the server tree is summed by PSS (shared pages divided among their users).
 *   https://www.kernel.org/doc/html/latest/filesystems/proc.html (status, smaps_rollup)
 */
import { readdirSync, readFileSync } from 'node:fs';

export type MemoryMetric = 'rss' | 'pss';

/** A process tree to watch: its roots may change while sampling (e.g. one child per step). */
export interface WatchedTree {
  readonly name: string;
  readonly metric: MemoryMetric;
  readonly roots: () => readonly number[];
}

export interface TreePeak {
  readonly metric: MemoryMetric;
  /** Largest sum over the tree seen in one sample; 0 when the tree was never seen. */
  readonly peakBytes: number;
  /** Processes in the tree at the peak. */
  readonly processesAtPeak: number;
  readonly samples: number;
}

export interface PeakSampler {
  /** Stop sampling (after one last sample) and return the peak of every tree by name. */
  stop(): Record<string, TreePeak>;
  /** CPU readings so far (one per tick), when the sampler was given trees to time. */
  readonly cpu: readonly CpuSample[];
  /** Take a CPU reading now (e.g. the moment the measured process exited). */
  cpuNow(): CpuSample;
}

/** Which trees' CPU to read each tick: the client's roots and the server's. */
export interface CpuTrees {
  readonly client: () => readonly number[];
  readonly server: () => readonly number[];
}

/** Parent pid from the text of /proc/<pid>/stat; the command name may hold spaces and parentheses. */
export function parseStatParent(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const fields = stat.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

/** A `Name:   1234 kB` field of /proc/<pid>/status or smaps_rollup, in bytes. */
export function parseKbField(text: string, field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** The roots and all their descendants, given a pid → parent pid map. */
export function treeOf(roots: readonly number[], parents: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const seen = new Set<number>();
  const queue = roots.filter((p) => parents.has(p));
  while (queue.length) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...seen];
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process exited between listing and reading
  }
}

/**
 * CPU clock ticks of /proc/<pid>/stat: utime + stime (the process, all its threads, live or
 * exited) and cutime + cstime (its children that have exited and been waited for). In ticks of
 * USER_HZ, which is 100 on Linux whatever the kernel's HZ (proc(5)).
 */
export function parseStatTicks(stat: string): { own: number; children: number } | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  // After ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
  const f = stat.slice(close + 2).split(' ');
  const [utime, stime, cutime, cstime] = [f[11], f[12], f[13], f[14]].map(Number);
  if (![utime, stime, cutime, cstime].every((n) => Number.isFinite(n))) return null;
  return { own: utime! + stime!, children: cutime! + cstime! };
}

export const TICK_MS = 10;

export interface ProcessStat {
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in ms: the process and its waited-for descendants. */
  readonly cpuMs: number;
}

/** pid → parent pid and CPU time for every process now running. */
export function readProcessStats(): Map<number, ProcessStat> {
  const stats = new Map<number, ProcessStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readText(`/proc/${entry}/stat`);
    if (!stat) continue;
    const ppid = parseStatParent(stat);
    const ticks = parseStatTicks(stat);
    if (ppid !== null) stats.set(Number(entry), { ppid, cpuMs: ticks ? (ticks.own + ticks.children) * TICK_MS : 0 });
  }
  return stats;
}

/** pid → parent pid for every process now running. */
export function readProcessParents(): Map<number, number> {
  return new Map([...readProcessStats()].map(([pid, s]) => [pid, s.ppid]));
}

/** CPU ms of exited children this process has waited for (a measured run's, once it ended). */
export function selfChildrenCpuMs(): number {
  const t = parseStatTicks(readText('/proc/self/stat') ?? '');
  return t ? t.children * TICK_MS : 0;
}

/**
 * CPU time of a process tree so far: every live process's own and waited-for children's time.
 * A process that exits moves its time into its parent's children time when the parent waits for
 * it, so the sum never goes backwards as long as the roots stay alive or are waited for by us
 * (then `selfChildrenCpuMs` has it).
 */
export function treeCpuMs(pids: readonly number[], stats: ReadonlyMap<number, ProcessStat>): number {
  return pids.reduce((sum, pid) => sum + (stats.get(pid)?.cpuMs ?? 0), 0);
}

/** One reading of the CPU clocks: epoch ms, client tree + our waited-for children, server tree. */
export interface CpuSample {
  readonly atMs: number;
  readonly clientMs: number;
  readonly serverMs: number;
}

/** CPU spent between two epoch times, linearly interpolated between samples (sorted by atMs). */
export function cpuAt(samples: readonly CpuSample[], atMs: number): { clientMs: number; serverMs: number } {
  if (!samples.length) return { clientMs: 0, serverMs: 0 };
  if (atMs <= samples[0]!.atMs) return { clientMs: samples[0]!.clientMs, serverMs: samples[0]!.serverMs };
  for (let i = 1; i < samples.length; i++) {
    const b = samples[i]!;
    if (atMs <= b.atMs) {
      const a = samples[i - 1]!;
      const f = b.atMs > a.atMs ? (atMs - a.atMs) / (b.atMs - a.atMs) : 1;
      return { clientMs: a.clientMs + f * (b.clientMs - a.clientMs), serverMs: a.serverMs + f * (b.serverMs - a.serverMs) };
    }
  }
  const last = samples[samples.length - 1]!;
  return { clientMs: last.clientMs, serverMs: last.serverMs };
}

/** CPU over the union of intervals (epoch ms start + length): client and server ms. */
export function cpuOver(samples: readonly CpuSample[], intervals: readonly { readonly startMs: number; readonly ms: number }[]): { clientMs: number; serverMs: number } {
  const sorted = [...intervals].sort((a, b) => a.startMs - b.startMs);
  const merged: { lo: number; hi: number }[] = [];
  for (const { startMs, ms } of sorted) {
    const last = merged[merged.length - 1];
    if (last && startMs <= last.hi) last.hi = Math.max(last.hi, startMs + ms);
    else merged.push({ lo: startMs, hi: startMs + ms });
  }
  let clientMs = 0;
  let serverMs = 0;
  for (const { lo, hi } of merged) {
    const a = cpuAt(samples, lo);
    const b = cpuAt(samples, hi);
    clientMs += b.clientMs - a.clientMs;
    serverMs += b.serverMs - a.serverMs;
  }
  return { clientMs, serverMs };
}

export function parentOf(pid: number): number | null {
  const stat = readText(`/proc/${pid}/stat`);
  return stat ? parseStatParent(stat) : null;
}

export function commandName(pid: number): string | null {
  return readText(`/proc/${pid}/comm`)?.trim() ?? null;
}

function readMemory(pid: number, metric: MemoryMetric): number {
  if (metric === 'rss') return parseKbField(readText(`/proc/${pid}/status`) ?? '', 'VmRSS') ?? 0;
  return parseKbField(readText(`/proc/${pid}/smaps_rollup`) ?? '', 'Pss') ?? 0;
}

/**
 * Sample every tree each `intervalMs` until stop(); only the peaks are kept. PSS trees only every
 * `pssEvery`-th time: smaps_rollup walks the page tables of each process (a PostgreSQL backend maps
 * all of shared_buffers) under its mmap lock, and reading it for every backend every 50 ms cost the
 * measured runs, those with more backends most (one build, 1M rows: sqlite2pg 30.1 s → 24.6 s
 * and the raw pipe 15.1 s → 13.9 s once it stopped).
 */
export function startPeakSampler(trees: readonly WatchedTree[], intervalMs = 100, pssEvery = 10, cpuTrees?: CpuTrees): PeakSampler {
  const peaks = new Map<string, { peakBytes: number; processesAtPeak: number; samples: number }>();
  for (const t of trees) peaks.set(t.name, { peakBytes: 0, processesAtPeak: 0, samples: 0 });
  const cpu: CpuSample[] = [];
  let tick = 0;
  const readCpu = (stats: ReadonlyMap<number, ProcessStat>, parents: ReadonlyMap<number, number>): CpuSample => {
    const s: CpuSample = {
      atMs: Date.now(),
      clientMs: selfChildrenCpuMs() + treeCpuMs(treeOf(cpuTrees!.client(), parents), stats),
      serverMs: treeCpuMs(treeOf(cpuTrees!.server(), parents), stats),
    };
    cpu.push(s);
    return s;
  };
  const sample = (final = false): void => {
    const stats = readProcessStats();
    const parents = new Map([...stats].map(([pid, st]) => [pid, st.ppid]));
    if (cpuTrees) readCpu(stats, parents);
    const pssNow = final || tick++ % pssEvery === 0;
    for (const t of trees) {
      if (t.metric === 'pss' && !pssNow) continue;
      const roots = t.roots();
      if (!roots.length) continue;
      const pids = treeOf(roots, parents);
      if (!pids.length) continue;
      const bytes = pids.reduce((sum, pid) => sum + readMemory(pid, t.metric), 0);
      const p = peaks.get(t.name)!;
      p.samples++;
      if (bytes > p.peakBytes) {
        p.peakBytes = bytes;
        p.processesAtPeak = pids.length;
      }
    }
  };
  const timer = setInterval(() => sample(), intervalMs);
  sample();
  return {
    stop() {
      clearInterval(timer);
      sample(true);
      return Object.fromEntries(trees.map((t) => [t.name, { metric: t.metric, ...peaks.get(t.name)! }]));
    },
    cpu,
    cpuNow() {
      const stats = readProcessStats();
      return readCpu(stats, new Map([...stats].map(([pid, st]) => [pid, st.ppid])));
    },
  };
}

/** Processes in the trees of `roots` now. */
export function treeSize(roots: readonly number[]): number {
  return roots.length ? treeOf(roots, readProcessParents()).length : 0;
}

/**
 * Wait until the trees of `roots` hold at most `count` processes, for at most `maxMs`: a run's
 * PostgreSQL backends exit after its client, and the postmaster adds their CPU to its children
 * time only once it has waited for them, so the server's CPU is read after that.
 */
export async function untilTreeShrinks(roots: () => readonly number[], count: number, maxMs = 3000): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < maxMs && treeSize(roots()) > count; ) await new Promise((r) => setTimeout(r, 20));
}

/** Milliseconds since `start()`, from the monotonic clock. */
export function startTimer(): () => number {
  const t0 = performance.now();
  return () => performance.now() - t0;
}

/** Total length of the union of [start, start + ms) intervals: wall time of steps that may overlap. */
export function unionMs(intervals: readonly { readonly startMs: number; readonly ms: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.startMs - b.startMs);
  let total = 0;
  let end = -Infinity;
  for (const { startMs, ms } of sorted) {
    const stop = startMs + ms;
    if (stop <= end) continue;
    total += stop - Math.max(startMs, end);
    end = stop;
  }
  return total;
}
