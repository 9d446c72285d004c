/**
 * The data phase: every table COPYed into the staging schema by N lanes. Each lane owns one
 * PostgreSQL connection and one read-only SQLite handle, and pulls chunks from a shared queue:
 * largest tables first, big rowid tables split into ranges so two lanes (two backends, two cores)
 * work on one table at once.
 */
import type pg from 'pg';
import type { Plan, TablePlan } from '../model/plan.js';
import type { QuarantineEntry } from '../model/run-result.js';
import { explainSqliteError, openSqlite, type SqliteDb } from '../source/sqlite-db.js';
import { splitRowidRanges } from '../source/read-rows.js';
import { ChecksumAccumulator } from '../encode/checksum.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MigrateError, type ExitCodeValue } from '../errors.js';
import { copyChunk, type ChunkOutcome, type ChunkTask } from './copy-chunk.js';
import type { QuarantineDir, QuarantineRecord } from './quarantine-files.js';
import type { LaneReply, LaneRequest, LaneWorkerData, SerializedError } from './lane-worker.js';
import type { TargetSettings } from './target.js';

export interface LoadOptions {
  readonly sourcePath: string;
  readonly schema: string;
  readonly lanes: number;
  /** Tables with at least twice this many rows are split into ranges of about this many rows. */
  readonly chunkRows: number;
  readonly quarantine: QuarantineDir;
  /** Opens one connection per lane (the caller sets session settings). */
  readonly connect: () => Promise<pg.Client>;
  /** Connection settings for lanes running in worker threads. */
  readonly target?: TargetSettings;
  readonly onTableStart?: (t: TablePlan) => void;
  readonly onRows?: (t: TablePlan, rows: number) => void;
  /** Awaited before the lane moves on: e.g. record the table in the journal so a resume can skip it. */
  readonly onTableDone?: (r: TableLoad) => void | Promise<void>;
  /** Called after onTableDone: e.g. start the table's keys and indexes (post-load) while others still load. */
  readonly onTableLoaded?: (t: TablePlan) => void;
  readonly signal?: AbortSignal;
}

/** The worker's compiled entry; absent when running from TypeScript sources (then lanes share this thread). */
const WORKER_URL = new URL('./lane-worker.js', import.meta.url);

/**
 * Below this many rows in all, lanes run in this thread: a lane worker costs ~0.15 s of CPU to
 * start (a V8 isolate loading pg, better-sqlite3 and the casts, each warming up its own JIT).
 * Measured on the benchmark database (bench/README.md, 2026-12-07, interleaved runs): at 120k rows
 * in this thread 5.57 s wall and 4.31 s client CPU against 5.77 s and 4.92 s with two workers; at
 * 360k rows the workers win, 12.31 s against 13.09 s.
 */
export const THREADED_MIN_ROWS = 150_000;

/** What a finished chunk left in its quarantine part file. */
interface PartResult {
  readonly path: string;
  readonly count: number;
  readonly sample: readonly QuarantineRecord[];
  close(): void;
}

type ChunkSummary = Pick<ChunkOutcome, 'rowsRead' | 'rowsLoaded' | 'rowsQuarantined' | 'valuesNulled' | 'bytes' | 'checksum'>;

function deserializeError(e: SerializedError): Error {
  const err = e.migrate ? new MigrateError(e.code, e.exitCode as ExitCodeValue, e.message, e.hint ? { hint: e.hint } : {}) : new Error(e.message);
  if (e.stack) err.stack = e.stack;
  return err;
}

export interface TableLoad {
  readonly table: TablePlan;
  readonly rowsRead: number;
  readonly rowsLoaded: number;
  readonly rowsQuarantined: number;
  readonly valuesNulled: number;
  readonly bytes: number;
  readonly startMs: number;
  readonly ms: number;
  readonly checksum: ChecksumAccumulator;
  readonly quarantineFile: string | null;
  readonly quarantineSample: readonly QuarantineEntry[];
}

interface TableState {
  readonly table: TablePlan;
  readonly parts: PartResult[];
  remaining: number;
  started: number | null;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  valuesNulled: number;
  bytes: number;
  readonly checksum: ChecksumAccumulator;
}

/** Chunks for all tables, largest table first. */
export function planChunks(db: SqliteDb, tables: readonly TablePlan[], lanes: number, chunkRows: number): ChunkTask[] {
  const tasks: ChunkTask[] = [];
  for (const t of [...tables].sort((a, b) => b.rowCount - a.rowCount)) {
    const parts = lanes > 1 && t.rowCount >= 2 * chunkRows ? Math.min(64, Math.ceil(t.rowCount / chunkRows)) : 1;
    const ranges = splitRowidRanges(db, t, parts);
    if (!ranges) tasks.push({ table: t, chunk: 0, range: null });
    else ranges.forEach((range, chunk) => tasks.push({ table: t, chunk, range }));
  }
  return tasks;
}

export async function loadTables(plan: Plan, options: LoadOptions, t0: number): Promise<TableLoad[]> {
  const planningDb = openSqlite(options.sourcePath);
  let tasks: ChunkTask[];
  try {
    tasks = planChunks(planningDb, plan.tables, options.lanes, options.chunkRows);
  } finally {
    planningDb.close();
  }
  const states = new Map<string, TableState>();
  for (const task of tasks) {
    const s = states.get(task.table.source);
    if (s) s.remaining++;
    else states.set(task.table.source, { table: task.table, parts: [], remaining: 1, started: null, rowsRead: 0, rowsLoaded: 0, rowsQuarantined: 0, valuesNulled: 0, bytes: 0, checksum: new ChecksumAccumulator() });
  }
  const results: TableLoad[] = [];
  let next = 0;
  let failure: unknown = null;

  const finishChunk = async (task: ChunkTask, out: ChunkSummary, part: PartResult): Promise<void> => {
    const state = states.get(task.table.source)!;
    state.parts.push(part);
    state.rowsRead += out.rowsRead;
    state.rowsLoaded += out.rowsLoaded;
    state.rowsQuarantined += out.rowsQuarantined;
    state.valuesNulled += out.valuesNulled;
    state.bytes += out.bytes;
    state.checksum.merge(out.checksum);
    if (--state.remaining > 0) return;
    const sample = state.parts.flatMap((p) => p.sample).slice(0, 5);
    const file = options.quarantine.finishTable(task.table.source, state.parts);
    const done: TableLoad = {
      table: task.table,
      rowsRead: state.rowsRead,
      rowsLoaded: state.rowsLoaded,
      rowsQuarantined: state.rowsQuarantined,
      valuesNulled: state.valuesNulled,
      bytes: state.bytes,
      startMs: state.started! - t0,
      ms: Date.now() - state.started!,
      checksum: state.checksum,
      quarantineFile: file,
      quarantineSample: sample.map(({ table, key, column, value, reason }) => ({ table, key, column, value, reason })),
    };
    results.push(done);
    await options.onTableDone?.(done);
    options.onTableLoaded?.(done.table);
  };
  const startTask = (task: ChunkTask): void => {
    const state = states.get(task.table.source)!;
    if (state.started === null) {
      state.started = Date.now();
      options.onTableStart?.(task.table);
    }
  };

  /** A lane in this thread (tests running from TypeScript sources, or --lanes 1). */
  const inThreadLane = async (): Promise<void> => {
    const client = await options.connect();
    const db = openSqlite(options.sourcePath);
    let current: ChunkTask | undefined;
    try {
      while (failure === null && next < tasks.length) {
        const task = (current = tasks[next++]!);
        startTask(task);
        const part = options.quarantine.part(task.table.source, task.chunk);
        const out = await copyChunk(client, db, options.schema, task, part, (n) => options.onRows?.(task.table, n), options.signal);
        part.close();
        await finishChunk(task, out, part);
      }
    } catch (e) {
      // A damaged page (SQLITE_CORRUPT) is the source's problem: exit 4, naming the table.
      failure ??= explainSqliteError(e, options.sourcePath, current?.table.source) ?? e;
    } finally {
      db.close();
      await client.end().catch(() => undefined);
    }
  };

  /** A lane in a worker thread: both cores encode while the backends parse. */
  const workerLane = async (): Promise<void> => {
    const worker = new Worker(WORKER_URL, {
      // A lane's heap holds one batch and one row at a time: a small young generation keeps RSS down.
      // Its batch Buffers live outside the heap and are freed only when a scavenge finds them
      // dead, so the young generation's size also bounds them: 8 MB instead of 16 took the peak
      // RSS of a 1M-row run from ~247 MB to ~204 MB, at no measurable cost in time.
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
      workerData: { sourcePath: options.sourcePath, schema: options.schema, target: options.target! } satisfies LaneWorkerData });
    const abort = (): void => worker.postMessage({ type: 'abort' } satisfies LaneRequest);
    options.signal?.addEventListener('abort', abort);
    try {
      while (failure === null && next < tasks.length) {
        const task = tasks[next++]!;
        startTask(task);
        const part = options.quarantine.part(task.table.source, task.chunk);
        part.reset();
        const reply = await new Promise<Extract<LaneReply, { type: 'done' | 'error' }>>((resolve, reject) => {
          const onExit = (code: number): void => reject(new Error(`a load lane's worker thread exited unexpectedly (code ${code}) while loading ${task.table.source}`));
          const onMessage = (m: LaneReply): void => {
            if (m.type === 'rows') options.onRows?.(task.table, m.n);
            else if (m.type === 'done' || m.type === 'error') {
              worker.off('message', onMessage);
              worker.off('error', reject);
              worker.off('exit', onExit);
              resolve(m);
            }
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
          worker.once('exit', onExit);
          worker.postMessage({ type: 'chunk', task, partPath: part.path } satisfies LaneRequest);
        });
        if (reply.type === 'error') throw deserializeError(reply.error);
        const summary: PartResult = { path: part.path, count: reply.partCount, sample: reply.sample, close: () => undefined };
        await finishChunk(task, { ...reply, checksum: ChecksumAccumulator.fromJSON(reply.checksum) }, summary);
      }
    } catch (e) {
      failure ??= e;
    } finally {
      options.signal?.removeEventListener('abort', abort);
      // Ask the lane to close its connections; never wait forever on a lane that is gone or stuck.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void worker.terminate(), 10_000);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        worker.on('message', (m: LaneReply) => m.type === 'closed' && void worker.terminate());
        if (worker.threadId === -1) resolve();
        else worker.postMessage({ type: 'close' } satisfies LaneRequest);
      });
    }
  };

  const lanes = Math.max(1, Math.min(options.lanes, tasks.length || 1));
  const rows = plan.tables.reduce((n, t) => n + t.rowCount, 0);
  const threaded = lanes > 1 && rows >= THREADED_MIN_ROWS && options.target !== undefined && existsSync(fileURLToPath(WORKER_URL));
  await Promise.all(Array.from({ length: lanes }, threaded ? workerLane : inThreadLane));
  if (failure !== null) throw failure;
  return results;
}
