/**
 * A load lane in its own thread: one SQLite handle, one PostgreSQL connection, chunks handed in
 * by the main thread one at a time. Encoding, casts, canonical forms and checksums are the
 * client's CPU-heavy part; with one thread per lane both cores work, alongside the backends.
 * https://nodejs.org/api/worker_threads.html
 */
import { parentPort, workerData } from 'node:worker_threads';
import type pg from 'pg';
import { MigrateError } from '../errors.js';
import { explainSqliteError, openSqlite, type SqliteDb } from '../source/sqlite-db.js';
import { copyChunk, type ChunkTask } from './copy-chunk.js';
import { QuarantinePart } from './quarantine-files.js';
import { throttledRows } from './throttled-rows.js';
import { connectTarget, type TargetSettings } from './target.js';
import type { QuarantineRecord } from './quarantine-files.js';

export interface LaneWorkerData {
  readonly sourcePath: string;
  readonly schema: string;
  readonly target: TargetSettings;
}

export type LaneRequest = { readonly type: 'chunk'; readonly task: ChunkTask; readonly partPath: string } | { readonly type: 'abort' } | { readonly type: 'close' };

export interface SerializedError {
  readonly migrate: boolean;
  readonly code: string;
  readonly exitCode: number;
  readonly message: string;
  readonly hint: string | null;
  readonly stack: string | null;
}

export type LaneReply =
  | { readonly type: 'rows'; readonly n: number }
  | {
      readonly type: 'done';
      readonly rowsRead: number;
      readonly rowsLoaded: number;
      readonly rowsQuarantined: number;
      readonly valuesNulled: number;
      readonly bytes: number;
      readonly attempts: number;
      readonly checksum: { count: number; sum: string };
      readonly partCount: number;
      readonly sample: readonly QuarantineRecord[];
    }
  | { readonly type: 'error'; readonly error: SerializedError }
  | { readonly type: 'closed' };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof MigrateError) return { migrate: true, code: e.code, exitCode: e.exitCode, message: e.message, hint: e.hint ?? null, stack: e.stack ?? null };
  const err = e as Error;
  return { migrate: false, code: 'E_INTERNAL', exitCode: 1, message: err?.message ?? String(e), hint: null, stack: err?.stack ?? null };
}

if (parentPort) {
  const port = parentPort;
  const data = workerData as LaneWorkerData;
  const controller = new AbortController();
  let client: pg.Client | null = null;
  let db: SqliteDb | null = null;
  port.on('message', (msg: LaneRequest) => {
    if (msg.type === 'abort') {
      controller.abort();
      return;
    }
    if (msg.type === 'close') {
      db?.close();
      void (client?.end() ?? Promise.resolve()).catch(() => undefined).then(() => {
        port.postMessage({ type: 'closed' } satisfies LaneReply);
        port.close();
      });
      return;
    }
    void (async () => {
      const part = new QuarantinePart(msg.partPath);
      const progress = throttledRows((n) => port.postMessage({ type: 'rows', n } satisfies LaneReply));
      try {
        client ??= await connectTarget(data.target);
        db ??= openSqlite(data.sourcePath);
        const out = await copyChunk(client, db, data.schema, msg.task, part, progress.add, controller.signal);
        progress.flush();
        part.close();
        port.postMessage({
          type: 'done',
          rowsRead: out.rowsRead,
          rowsLoaded: out.rowsLoaded,
          rowsQuarantined: out.rowsQuarantined,
          valuesNulled: out.valuesNulled,
          bytes: out.bytes,
          attempts: out.attempts,
          checksum: out.checksum.toJSON(),
          partCount: part.count,
          sample: [...part.sample],
        } satisfies LaneReply);
      } catch (e) {
        part.close();
        // A damaged page (SQLITE_CORRUPT) is the source's problem: exit 4, naming the table.
        port.postMessage({ type: 'error', error: serializeError(explainSqliteError(e, data.sourcePath, msg.task.table.source) ?? e) } satisfies LaneReply);
      }
    })();
  });
}
