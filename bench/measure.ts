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

/** pid → parent pid for every process now running. */
export function readProcessParents(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readText(`/proc/${entry}/stat`);
    const ppid = stat ? parseStatParent(stat) : null;
    if (ppid !== null) parents.set(Number(entry), ppid);
  }
  return parents;
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
export function startPeakSampler(trees: readonly WatchedTree[], intervalMs = 100, pssEvery = 10): PeakSampler {
  const peaks = new Map<string, { peakBytes: number; processesAtPeak: number; samples: number }>();
  for (const t of trees) peaks.set(t.name, { peakBytes: 0, processesAtPeak: 0, samples: 0 });
  let tick = 0;
  const sample = (final = false): void => {
    const parents = readProcessParents();
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
  };
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
