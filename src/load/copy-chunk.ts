/**
 * COPY one chunk (a table, or a rowid range of it) from SQLite into PostgreSQL, in COPY's binary
 * format when every copied column has an exact binary form (plan/copy-binary.ts), else as text.
 * Backpressure: an async generator of ~64 KiB Buffers piped into pg-copy-streams with
 * stream/promises pipeline; a thrown error destroys the COPY stream, which sends CopyFail and
 * the server rolls the statement back (https://github.com/brianc/node-pg-copy-streams#readme).
 * A row PostgreSQL still rejects is found from the COPY error's line number, quarantined, and the
 * chunk is sent again without it: one bad row never costs any other row.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { TablePlan } from '../model/plan.js';
import type { SqliteValue } from '../plan/casts/index.js';
import { copyFromSql } from '../plan/ddl.js';
import type { SqliteDb } from '../source/sqlite-db.js';
import { columnOffset, iterateRows, keyReader, type RowRange } from '../source/read-rows.js';
import { ChecksumAccumulator } from '../encode/checksum.js';
import { LoadError, MigrateError } from '../errors.js';
import { createRowEncoder, isRowProblem, type RowEncoder } from '../encode/row-encoder.js';
import { BINARY_HEADER, BINARY_TRAILER, createTupleWriter, type TupleWriter } from '../encode/copy-binary.js';
import { binaryFields } from '../plan/copy-binary.js';
import type { QuarantinePart } from './quarantine-files.js';

export const BATCH_BYTES = 64 * 1024;
/** Room past BATCH_BYTES so that most rows fit in the batch they start. */
const BATCH_SLACK = 16 * 1024;
/**
 * Batch Buffers this thread has sent and got back: a batch Buffer lives outside the V8 heap and,
 * allocated per batch, was freed only when a collection found it dead, so RSS grew with the run
 * (bench/README.md). Recycled, a lane needs a handful. Per thread (each lane worker has its own).
 */
const freeBatches: Buffer[] = [];
const MAX_FREE_BATCHES = 8;
const BATCH_ALLOC = BATCH_BYTES + BATCH_SLACK;

/** The client's socket, to see when it has handed everything written to the kernel (pg internals; null if not found). */
function socketOf(client: pg.ClientBase): { readonly writableLength: number } | null {
  const stream = (client as unknown as { connection?: { stream?: { writableLength?: unknown } } }).connection?.stream;
  return stream && typeof stream.writableLength === 'number' ? (stream as { writableLength: number }) : null;
}

/**
 * Thrown inside a binary COPY for a row it cannot carry (a value above LARGE_VALUE, which the
 * encoder streams as text pieces, or one without an exact binary form): the chunk goes again as text.
 */
class SendAsText extends Error {}

/** Rows PostgreSQL may reject in one chunk before we call the table broken (each costs a re-send). */
export const MAX_REJECTED_ROWS_PER_CHUNK = 200;

/** The error of a run stopped by SIGINT/SIGTERM before its cutover. */
export function interruptedError(): LoadError {
  return new LoadError('E_ABORTED', 'The run was interrupted before the cutover; the live schema is unchanged.', {
    hint: 'Continue it with: sqlite2pg migrate <source> --resume (same target and schema), or start over.',
  });
}

export interface ChunkTask {
  readonly table: TablePlan;
  readonly chunk: number;
  readonly range: RowRange | null;
}

export interface ChunkOutcome {
  readonly rowsRead: number;
  readonly rowsLoaded: number;
  readonly rowsQuarantined: number;
  readonly valuesNulled: number;
  readonly bytes: number;
  readonly checksum: ChecksumAccumulator;
  readonly attempts: number;
}

interface PgDatabaseError {
  code?: string;
  message: string;
  where?: string;
  detail?: string;
}

/** `COPY t, line 3, column x: "..."` → 3. */
export function copyErrorLine(e: PgDatabaseError): number | null {
  const m = /\bline (\d+)\b/.exec(e.where ?? '');
  return m ? Number(m[1]) : null;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity) are about a row, not the connection. */
function isRowLevel(e: PgDatabaseError): boolean {
  return typeof e.code === 'string' && (e.code.startsWith('22') || e.code.startsWith('23'));
}

export async function copyChunk(
  client: pg.ClientBase,
  db: SqliteDb,
  schema: string,
  task: ChunkTask,
  part: QuarantinePart,
  onRows: (rows: number) => void,
  signal?: AbortSignal,
): Promise<ChunkOutcome> {
  const t = task.table;
  const rowKey = keyReader(t);
  const offset = columnOffset(t);
  // Binary COPY when every copied column has an exact binary form (plan/copy-binary.ts).
  const fields = binaryFields(t);
  let binary: { encode: RowEncoder; writer: TupleWriter } | null = null;
  if (fields) {
    const encode = createRowEncoder(t, rowKey, { fields: true });
    binary = { encode, writer: createTupleWriter(fields, encode.moments) };
  }
  let textEncode: RowEncoder | null = null;
  /** Keys PostgreSQL rejected in earlier attempts, with its reason. */
  const rejected = new Map<string, string>();
  let badLine: { line: number; reason: string } | null = null;

  for (let attempt = 1; ; attempt++) {
    const sql = copyFromSql(schema, t, binary ? 'binary' : 'text');
    const bin = binary;
    const encode = bin ? bin.encode : (textEncode ??= createRowEncoder(t, rowKey));
    part.reset();
    const checksum = new ChecksumAccumulator();
    let rowsRead = 0;
    let sent = 0;
    let bytes = 0;
    let nulled = 0;
    /** The line PostgreSQL rejected in the last attempt: the row sent at that position now is quarantined, once. */
    let skip = badLine;
    const keyOf = t.readKey.kind === 'none' ? () => `row #${rowsRead}` : (row: readonly unknown[]) => rowKey(row);

    const socket = socketOf(client);
    // Set below, before the generator first runs.
    let source: Readable | null = null;
    let stream: (ReturnType<typeof copyFrom> & { writableLength: number }) | null = null;
    /** Batches handed to the stream and not yet known to be flushed to the kernel. */
    const inFlight: Buffer[] = [];
    /**
     * A fresh batch Buffer, from the free list when it can: everything handed over so far is
     * free once nothing waits in the readable, the COPY stream or the socket (a socket's
     * writableLength counts bytes until the kernel has taken them).
     */
    const allocBatch = (): Buffer => {
      if (inFlight.length && socket && socket.writableLength === 0 && source?.readableLength === 0 && stream?.writableLength === 0) {
        for (const b of inFlight) if (freeBatches.length < MAX_FREE_BATCHES) freeBatches.push(b);
        inFlight.length = 0;
      }
      return freeBatches.pop() ?? Buffer.allocUnsafe(BATCH_ALLOC);
    };

    async function* batches(): AsyncGenerator<Buffer> {
      // Lines are written straight into a Buffer: appending them to a string and converting it
      // per batch cost ~4 µs per 300-byte row (rope flattening, then UTF-8 encoding), writing
      // ~0.05 µs (measured on the benchmark's events table, bench/README.md).
      let out = allocBatch();
      let used = 0;
      if (bin) used += BINARY_HEADER.copy(out, 0);
      let pending = 0;
      let sinceYield = 0;
      const take = (): Buffer => {
        const b = out.subarray(0, used);
        bytes += used;
        // The new Buffer first: this one is not handed over yet and must not be recycled.
        const next = allocBatch();
        if (out.length === BATCH_ALLOC) inFlight.push(out);
        out = next;
        used = 0;
        return b;
      };
      for (const row of iterateRows(db, t, task.range)) {
        rowsRead++;
        if (rejected.size > 0) {
          const reason = rejected.get(keyOf(row));
          if (reason !== undefined) {
            part.add({ table: t.source, key: keyOf(row), column: null, value: '(whole row)', reason, action: 'quarantined' });
            continue;
          }
        }
        const r = encode(row as SqliteValue[], offset);
        if (isRowProblem(r)) {
          part.add({ table: t.source, key: keyOf(row), column: r.column, value: r.value, reason: r.reason, action: 'quarantined' });
          continue;
        }
        if (skip && sent + 1 === skip.line) {
          const key = keyOf(row);
          rejected.set(key, skip.reason);
          part.add({ table: t.source, key, column: null, value: '(whole row)', reason: skip.reason, action: 'quarantined' });
          // The rows after it take the same position in this attempt's COPY: they are not the one rejected.
          skip = null;
          continue;
        }
        if (r.nulled) {
          for (const p of r.nulled) part.add({ table: t.source, key: keyOf(row), column: p.column, value: p.value, reason: p.reason, action: 'nulled' });
          nulled += r.nulled.length;
        }
        if (bin) {
          if (!r.fields) throw new SendAsText();
          const max = bin.writer.maxBytes(r.fields);
          if (used + max > out.length) {
            if (used > 0) yield take();
            if (max > out.length) out = Buffer.allocUnsafe(max);
          }
          const end = bin.writer.write(out, used, r.fields);
          if (end < 0) throw new SendAsText();
          used = end;
        } else if (r.pieces) {
          // A very large row arrives in pieces (never one giant string): flush, then stream them.
          if (used > 0) yield take();
          for (const p of r.pieces) {
            bytes += p.length;
            yield p;
          }
        } else {
          const line = r.line;
          // At most 3 UTF-8 bytes per UTF-16 unit; a line that does not fit goes into a batch of its own size.
          if (used + line.length * 3 > out.length) {
            if (used > 0) yield take();
            if (line.length * 3 > out.length) out = Buffer.allocUnsafe(line.length * 3);
          }
          used += out.write(line, used, 'utf8');
        }
        if (r.digest) checksum.addDigest(r.digest);
        else checksum.add(r.canonical);
        sent++;
        pending++;
        if (used >= BATCH_BYTES) {
          onRows(pending);
          pending = 0;
          if (signal?.aborted) throw interruptedError();
          yield take();
          // Let timers and signal handlers run (a lane in the main thread would otherwise starve them
          // while the socket keeps accepting writes).
          if (++sinceYield >= 16) {
            sinceYield = 0;
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        }
      }
      if (bin) {
        if (used + BINARY_TRAILER.length > out.length) yield take();
        used += BINARY_TRAILER.copy(out, used);
      }
      if (used > 0) yield take();
      if (pending > 0) onRows(pending);
    }

    stream = client.query(copyFrom(sql)) as ReturnType<typeof copyFrom> & { writableLength: number };
    const rows = batches();
    source = Readable.from(rows);
    try {
      await pipeline(source, stream);
    } catch (e) {
      if (e instanceof MigrateError) throw e;
      if (e instanceof SendAsText) {
        // Rows PostgreSQL rejected stay rejected (by key); a pending line number was counted in binary.
        binary = null;
        badLine = null;
        continue;
      }
      const pgErr = e as PgDatabaseError;
      const line = copyErrorLine(pgErr);
      if (line !== null && isRowLevel(pgErr) && line <= sent + 1) {
        if (rejected.size >= MAX_REJECTED_ROWS_PER_CHUNK) {
          throw new LoadError('E_COPY_REJECTED', `PostgreSQL rejected more than ${MAX_REJECTED_ROWS_PER_CHUNK} rows of ${t.source}; last: ${pgErr.message}`, {
            cause: e,
            hint: 'Map the offending column to a type that holds its values (see the quarantine file for examples).',
          });
        }
        badLine = { line, reason: `PostgreSQL rejected the row: ${pgErr.message}${pgErr.where ? ` (${pgErr.where.split('\n')[0]})` : ''}` };
        continue;
      }
      const sysCode = (e as NodeJS.ErrnoException).code ?? '';
      if (['ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03'].includes(sysCode) || /Connection terminated/i.test(pgErr.message)) {
        throw new LoadError('E_CONNECTION_LOST', `The connection to PostgreSQL was lost during COPY into ${t.target} (${pgErr.message}): the backend was terminated or the server went away.`, {
          cause: e,
          hint: 'The live schema is unchanged. Continue with: sqlite2pg migrate <source> --resume (completed tables are kept).',
        });
      }
      throw new LoadError('E_COPY', `COPY into ${t.target} failed: ${pgErr.message}`, { cause: e, hint: pgErr.detail ?? 'The staging schema was left as is; the live schema is unchanged.' });
    } finally {
      // A failed COPY leaves the generator suspended inside its for…of over the SQLite iterator;
      // the stream's destroy returns it only asynchronously. Close it here, before a retry reads
      // the same connection again or the caller closes it ("connection is busy").
      await rows.return(undefined);
    }
    const loaded = Number((stream as unknown as { rowCount: number }).rowCount);
    // The COPY is complete: nothing of it is still queued anywhere.
    for (const b of inFlight) if (freeBatches.length < MAX_FREE_BATCHES) freeBatches.push(b);
    inFlight.length = 0;
    if (loaded !== sent) {
      throw new LoadError('E_COPY_COUNT', `COPY into ${t.target} reported ${loaded} rows but ${sent} were sent.`);
    }
    return { rowsRead, rowsLoaded: loaded, rowsQuarantined: part.count - nulled, valuesNulled: nulled, bytes, checksum, attempts: attempt };
  }
}
