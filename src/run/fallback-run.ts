/**
 * `sqlite2pg fallback app.db`: bring every change the application made in PostgreSQL since the
 * cutover back into the SQLite file, prove it, then move the migrated tables aside as rollback does.
 *
 * Order (each step holds what the previous one took):
 * 1. PostgreSQL: BEGIN; LOCK the migrated tables IN SHARE ROW EXCLUSIVE MODE (the fence: readers
 *    go on, writers wait or fail on their lock_timeout, nothing is in flight; see fenceWriters).
 * 2. SQLite: BEGIN IMMEDIATE on app.db (the application must be stopped; a held lock is refused),
 *    then app.db must be the file the run migrated, unchanged since: its content hash is the one
 *    recorded at cutover, or it carries the online cutover's fence triggers for this run (dropped
 *    in the same transaction), or else (a WAL source, whose VACUUM INTO snapshot never has its
 *    bytes) every table's count:checksum is the one the run recorded (cutover/source-identity.ts).
 * 3. For each table with captured changes: every changed key's current PostgreSQL row (canonical
 *    values, encode/canonical.ts) is compared with the SQLite row run through the migration's own
 *    row encoder; only the columns that differ are converted back (plan/casts/reverse.ts, with
 *    the existing value as the spelling template) and written; keys PostgreSQL no longer has are
 *    deleted; a truncated (or keyless) table is rewritten whole. sqlite_sequence is raised past
 *    every id PostgreSQL handed out.
 * 4. Proof, in the same SQLite transaction: every written-back row, read back and passed through
 *    the row encoder, has PostgreSQL's md5 of that row (rewritten tables: count + checksum).
 * 5. Any value that cannot go back exactly, or any proof mismatch: both transactions roll back,
 *    app.db is unchanged (exit 10 / 6). --dry-run rolls back here too, after reporting.
 * 6. COMMIT SQLite; record the written file's fingerprint (so a rerun after a failure of the
 *    next step accepts the file); swapBack in the fenced PostgreSQL transaction; COMMIT.
 */
import { resolve } from 'node:path';
import type pg from 'pg';
import { ExitCode, MigrateError, RollbackError, SourceError, VerifyError } from '../errors.js';
import type { ColumnPlan, TablePlan } from '../model/plan.js';
import { CastFailure, converterFor, type SqliteValue } from '../plan/casts/index.js';
import { ReverseFailure, reverseFor } from '../plan/casts/reverse.js';
import { qualify, quoteIdent } from '../plan/identifiers.js';
import { JOURNAL_SCHEMA, journalExists, listRuns, runSchemaName, type RunRow } from '../cutover/journal.js';
import { fenceWriters, removeCapture, writersOf } from '../cutover/pg-capture.js';
import { acquireTargetLock, releaseTargetLock } from '../cutover/target-lock.js';
import { swapBack } from '../cutover/swap.js';
import { connectTarget, type TargetSettings } from '../load/target.js';
import { createRowEncoder, excerpt, isRowProblem, type EncodedRow } from '../encode/row-encoder.js';
import { columnOffset, keyReader } from '../source/read-rows.js';
import { WriteBackDb } from '../source/write-back.js';
import { canonicalizer, canonicalSql, rowFormSql } from '../encode/canonical.js';
import { ChecksumAccumulator, rowDigest, tableChecksumSql } from '../encode/checksum.js';
import { checksumColumns } from '../verify/verify-tables.js';
import { hashSqliteFile } from '../source/sqlite-file-hash.js';
import { changedTables, describeFingerprint, fingerprintsSince } from '../cutover/source-identity.js';

const J = quoteIdent(JOURNAL_SCHEMA);
/** Changed keys read from PostgreSQL per round trip. */
const PAGE = 1000;
/** Inexact values listed (all are counted). */
const LIST_LIMIT = 100;

export interface FallbackOptions {
  readonly sourcePath: string;
  readonly target: TargetSettings;
  readonly schema: string;
  readonly runId: string | null;
  readonly dryRun: boolean;
  /** What to do with a value the source format cannot hold exactly: refuse (default), or write the nearest one and list it. */
  readonly inexact: 'fail' | 'nearest';
  /** How long the fence waits for the application's open write transactions. */
  readonly lockTimeoutMs: number;
  /** How long to wait for a lock the application holds on app.db. */
  readonly busyMs: number;
  readonly log?: (line: string) => void;
}

export interface TableFallback {
  readonly table: string;
  readonly target: string;
  /** `keys`: the changed keys only; `rewrite`: the table was truncated in PostgreSQL or has no key, so it is rewritten whole. */
  readonly mode: 'keys' | 'rewrite';
  readonly changedKeys: number;
  inserted: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Rows the proof read back and found equal to PostgreSQL's. */
  proven: number;
  ms: number;
}

export interface InexactValue {
  readonly table: string;
  readonly key: string;
  readonly column: string;
  readonly value: string;
  readonly reason: string;
  /** Written instead, under --inexact nearest. */
  readonly nearest: string | null;
}

export interface FallbackOutcome {
  readonly runId: string;
  /** ISO time the fallback started (names its report). */
  readonly startedAt: string;
  readonly dryRun: boolean;
  readonly sourcePath: string;
  readonly tables: readonly TableFallback[];
  readonly inexact: readonly InexactValue[];
  readonly inexactCount: number;
  readonly fenceTriggersDropped: readonly string[];
  /**
   * How app.db was told to be the migrated file: its content hash (the one the run read, or the one
   * a failed fallback of it wrote), the online cutover's fence triggers in it, or (a WAL source,
   * whose snapshot never has its bytes) every migrated table's count and checksum as the run recorded them.
   */
  readonly identity: 'content hash' | 'fence triggers' | 'row checksums';
  readonly sequencesRaised: readonly string[];
  /** Where the migrated tables went (null for a dry run). */
  readonly aside: string | null;
  readonly fenceMs: number;
  readonly writeMs: number;
  readonly ms: number;
}

/** A run's capture record, or the reason there is none. */
function pickRun(runs: readonly RunRow[], o: FallbackOptions): RunRow {
  const run = o.runId ? runs.find((r) => r.run_id === o.runId) : (runs.find((r) => r.status === 'cut-over') ?? runs.find((r) => r.fallback_at !== null));
  if (!run) throw new RollbackError('E_NOTHING_TO_FALL_BACK', o.runId ? `No run ${o.runId} for schema ${o.schema}.` : `Nothing to fall back: no cut-over run is live in schema ${o.schema}.`, { hint: 'sqlite2pg status lists the runs.' });
  if (run.fallback_at) throw new RollbackError('E_ALREADY_FALLEN_BACK', `Run ${run.run_id} was already fallen back on ${run.fallback_at.toISOString()}: its changes are in the SQLite file and its tables are out of the live schema.`, { hint: 'Nothing to do. sqlite2pg status shows the runs.' });
  if (run.status !== 'cut-over') throw new RollbackError('E_NOT_CUT_OVER', `Run ${run.run_id} is ${run.status}, not cut over: there is nothing of it to fall back from.`);
  const newer = runs.find((r) => r.status === 'cut-over' && r.started_at > run.started_at);
  if (newer) throw new RollbackError('E_NEWER_RUN', `Run ${newer.run_id} was cut over after ${run.run_id}: fall back (or roll back) that one first.`);
  if (!run.capture || run.capture.removedAt || !run.plan_tables) {
    throw new RollbackError('E_NO_CAPTURE', `Run ${run.run_id} has no write capture (${run.capture?.removedAt ? `removed by fallback --forget on ${run.capture.removedAt}` : 'cut over by an older sqlite2pg or with --no-fallback-capture'}): the changes made in PostgreSQL since its cutover are not known, so they cannot be brought back.`, {
      hint: 'Export what the application wrote since the cutover by hand, or use rollback --force to move the tables aside (kept, not dropped).',
    });
  }
  return run;
}

export async function runFallback(o: FallbackOptions): Promise<FallbackOutcome> {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const client = await connectTarget(o.target);
  const lock = await connectTarget(o.target);
  let wb: WriteBackDb | null = null;
  let locked = false;
  let inTxn = false;
  try {
    if (!(await journalExists(client))) throw new RollbackError('E_NOTHING_TO_FALL_BACK', `Nothing to fall back: no sqlite2pg runs are recorded in ${o.target.display}.`);
    const run = pickRun(await listRuns(client, o.schema), o);
    const capture = run.capture!;
    const plans = run.plan_tables as TablePlan[];
    const moved = run.moved!;
    await acquireTargetLock(lock, o.schema);
    locked = true;

    // 1. The fence.
    await client.query('BEGIN');
    inTxn = true;
    const fenceStart = Date.now();
    try {
      await fenceWriters(client, o.schema, plans.map((t) => t.target).filter((t) => moved.tables.includes(t)), o.lockTimeoutMs);
    } catch (e) {
      if ((e as { code?: string }).code !== '55P03') throw e;
      await client.query('ROLLBACK');
      inTxn = false;
      const who = await writersOf(client, o.schema, moved.tables).catch(() => []);
      throw new RollbackError('E_WRITES_IN_FLIGHT', `Fallback refused: the application is writing to the migrated tables (the fence was not granted within ${o.lockTimeoutMs} ms).`, {
        problems: who,
        hint: 'Stop the application (its writes would otherwise be left behind), then run fallback again. Nothing was changed.',
      });
    }
    const fenceMs = Date.now() - fenceStart;
    // A column the application added (or dropped) in PostgreSQL would be lost (or unknown) on the way back.
    const drift: string[] = [];
    for (const t of plans.filter((p) => moved.tables.includes(p.target))) {
      const cols = await client.query<{ name: string }>(`SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`, [qualify(o.schema, t.target)]);
      const have = new Set(cols.rows.map((c) => c.name));
      const planned = new Set(t.columns.map((c) => c.target));
      for (const c of have) if (!planned.has(c)) drift.push(`${t.target}.${c}: added in PostgreSQL since the cutover; SQLite has no column for it`);
      for (const c of planned) if (!have.has(c)) drift.push(`${t.target}.${c}: no longer in PostgreSQL`);
    }
    if (drift.length) {
      throw new RollbackError('E_SCHEMA_CHANGED', `Fallback refused: the migrated tables' columns changed in PostgreSQL since the cutover, so their values cannot all go back into ${o.sourcePath}.`, {
        problems: drift,
        hint: 'Add the same columns to app.db (or drop them in PostgreSQL if they hold nothing to keep), then run fallback again. Nothing was written.',
      });
    }

    // 2. The file: its write lock, then its identity.
    wb = WriteBackDb.open(o.sourcePath, o.busyMs);
    wb.begin();
    const fp = await hashSqliteFile(o.sourcePath);
    const fences = wb.fenceTriggers(run.run_id);
    const recorded = capture.source;
    const writtenSha = run.fallback?.writtenContentSha256;
    // Fast path: the bytes the run read (a rollback-journal source is snapshotted byte for byte), or those a fallback wrote.
    const same = recorded !== null && (fp.contentSha256 === recorded.contentSha256 || fp.contentSha256 === writtenSha);
    let identity: FallbackOutcome['identity'] = same ? 'content hash' : 'fence triggers';
    if (!same && fences.length === 0) {
      // A WAL source's snapshot is written by VACUUM INTO and never has its bytes: the rows decide,
      // read inside the write lock just taken (cutover/source-identity.ts, as verify does).
      const start = Date.now();
      const tables = await fingerprintsSince(client, run, plans, (t) => wb!.rows(t));
      const changed = changedTables(tables);
      if (changed.length) {
        throw new SourceError('E_SOURCE_CHANGED', `${o.sourcePath} is not the file run ${run.run_id} migrated, unchanged since: the rows of ${changed.length} table${changed.length > 1 ? 's' : ''} differ from the ones the run read (count:checksum), and its content hash ${fp.contentSha256.slice(0, 12)}… is not the one recorded at the cutover (${recorded?.contentSha256.slice(0, 12) ?? 'none'}…, ${recorded?.path ?? '?'}).`, {
          problems: changed.map(describeFingerprint),
          hint: `Pass the database file that was migrated, unchanged since. If the application wrote to it after the cutover, those writes and PostgreSQL's are two histories: writing PostgreSQL's changes over them would lose one, so reconcile them by hand (sqlite2pg verify ${o.sourcePath} lists the rows that differ). Nothing was written.`,
        });
      }
      identity = 'row checksums';
      const rows = tables.reduce((n, t) => n + Number(t.now?.split(':')[0] ?? 0), 0);
      o.log?.(`${o.sourcePath}: every migrated table holds the rows run ${run.run_id} read (count:checksum, ${rows} rows in ${Date.now() - start} ms)`);
    }
    for (const f of fences) {
      o.log?.(`DROP TRIGGER ${f} (online cutover fence of run ${run.run_id})`);
      wb.dropTrigger(f);
    }

    // 3. + 4. Write back and prove, table by table.
    const counts = await client.query<{ table_name: string; n: string; truncated: boolean }>(`SELECT table_name, count(*) AS n, bool_or(op = 'T') AS truncated FROM ${J}.changes WHERE run_id = $1 GROUP BY table_name`, [run.run_id]);
    const byTable = new Map(counts.rows.map((r) => [r.table_name, r]));
    const tables: TableFallback[] = [];
    const inexact: InexactValue[] = [];
    let inexactCount = 0;
    const proofFailures: string[] = [];
    const ctx: TableContext = {
      client,
      wb,
      schema: o.schema,
      runId: run.run_id,
      policy: o.inexact,
      onInexact: (v) => {
        inexactCount++;
        if (inexact.length < LIST_LIMIT) inexact.push(v);
      },
      onProofFailure: (s) => {
        if (proofFailures.length < LIST_LIMIT) proofFailures.push(s);
      },
    };
    const writeStart = Date.now();
    const written = plans.filter((t) => byTable.has(t.target));
    const suspended = wb.suspendTriggers(written.map((t) => t.source));
    for (const t of plans) {
      const c = byTable.get(t.target);
      if (!c) continue;
      const key = capture.tables[t.target] ?? [];
      const start = Date.now();
      const r = c.truncated || key.length === 0 ? await rewriteTable(ctx, t) : await writeBackKeys(ctx, t, key);
      r.ms = Date.now() - start;
      tables.push(r);
    }
    const sequencesRaised = await raiseSequences(client, wb, o.schema, plans);
    wb.restoreTriggers(suspended);
    const writeMs = Date.now() - writeStart;

    // 5. Refusals.
    if (inexactCount > 0 && o.inexact === 'fail' && !o.dryRun) {
      throw new MigrateError('E_FALLBACK_INEXACT', ExitCode.fallbackLossy, `Fallback refused: ${inexactCount} value${inexactCount > 1 ? 's' : ''} written in PostgreSQL cannot go back into ${o.sourcePath} exactly. Nothing was written.`, {
        problems: inexact.map(describeInexact),
        hint: 'Correct those values in PostgreSQL (the fence is released now), or rerun with --inexact nearest to write the nearest value each format holds (listed in the report).',
      });
    }
    if (proofFailures.length > 0) {
      throw new VerifyError(`Fallback refused: the rows written back do not read back as PostgreSQL holds them (${proofFailures.length} row${proofFailures.length > 1 ? 's' : ''}). Nothing was written.`, {
        problems: proofFailures,
        hint: 'Usually a column affinity that turns the value into another storage class; check the rows listed, and report it if the value looks representable.',
      });
    }
    const base = { runId: run.run_id, startedAt, sourcePath: resolve(o.sourcePath), identity, tables, inexact, inexactCount, fenceTriggersDropped: fences, sequencesRaised, fenceMs, writeMs };
    if (o.dryRun) {
      wb.rollback();
      await client.query('ROLLBACK');
      inTxn = false;
      return { ...base, dryRun: true, aside: null, ms: Date.now() - t0 };
    }

    // 6. Commit the file, then the move.
    wb.commit();
    wb.close();
    wb = null;
    const after = await hashSqliteFile(o.sourcePath);
    const summary = { writtenContentSha256: after.contentSha256, at: new Date().toISOString(), tables: tables.map((t) => ({ ...t })), inexact: inexactCount };
    // On its own connection (autocommit), before the swap commits: a rerun after a failure below accepts this file.
    await lock.query(`UPDATE ${J}.runs SET fallback = $2 WHERE run_id = $1`, [run.run_id, JSON.stringify(summary)]);
    const aside = runSchemaName('rolledback', run.run_id);
    try {
      await client.query(`SET LOCAL lock_timeout = ${Math.max(1000, o.lockTimeoutMs)}`);
      await swapBack(client, { live: o.schema, previous: run.previous_schema, aside, moved, runId: run.run_id, ...(o.log ? { log: o.log } : {}) });
      await client.query(`UPDATE ${J}.runs SET fallback_at = now() WHERE run_id = $1`, [run.run_id]);
      await client.query('COMMIT');
      inTxn = false;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      inTxn = false;
      throw new RollbackError('E_FALLBACK_SWAP_FAILED', `The changes ARE written into ${o.sourcePath} and proven, but moving the migrated tables out of ${o.schema} failed and was undone: ${(e as Error).message}`, {
        cause: e,
        hint: 'Keep the application stopped and run the same fallback command again: it finds nothing left to write and completes the move.',
      });
    }
    return { ...base, dryRun: false, aside, ms: Date.now() - t0 };
  } finally {
    try {
      wb?.close();
    } catch {
      /* the transaction is rolled back by closing */
    }
    if (inTxn) await client.query('ROLLBACK').catch(() => undefined);
    if (locked) await releaseTargetLock(lock, o.schema).catch(() => undefined);
    await client.end().catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}

/** `fallback --forget`: the migration is accepted; remove the capture triggers and the recorded changes. */
export async function forgetCapture(target: TargetSettings, schema: string, runId: string | null, log?: (s: string) => void): Promise<{ runId: string; triggers: number; changes: number }> {
  const client = await connectTarget(target);
  try {
    if (!(await journalExists(client))) throw new RollbackError('E_NOTHING_TO_FALL_BACK', `No sqlite2pg runs are recorded in ${target.display}.`);
    const runs = await listRuns(client, schema);
    const run = runId ? runs.find((r) => r.run_id === runId) : runs.find((r) => r.status === 'cut-over');
    if (!run) throw new RollbackError('E_NOTHING_TO_FALL_BACK', runId ? `No run ${runId} for schema ${schema}.` : `No cut-over run is live in schema ${schema}.`);
    if (!run.capture || run.capture.removedAt) throw new RollbackError('E_NO_CAPTURE', `Run ${run.run_id} has no write capture to remove${run.capture?.removedAt ? ` (removed on ${run.capture.removedAt})` : ''}.`);
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL lock_timeout = '10s'`);
      const r = await removeCapture(client, run.run_id, log);
      await client.query(`UPDATE ${J}.runs SET capture = capture || jsonb_build_object('removedAt', now()) WHERE run_id = $1`, [run.run_id]);
      await client.query('COMMIT');
      return { runId: run.run_id, ...r };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function describeInexact(v: InexactValue): string {
  return `${v.table} (${v.key}) ${v.column} = ${v.value}: ${v.reason}${v.nearest !== null ? ` (nearest: ${v.nearest})` : ''}`;
}

interface TableContext {
  readonly client: pg.ClientBase;
  readonly wb: WriteBackDb;
  readonly schema: string;
  readonly runId: string;
  readonly policy: 'fail' | 'nearest';
  readonly onInexact: (v: InexactValue) => void;
  readonly onProofFailure: (s: string) => void;
}

/** Per column of a table: reverse, forward and canonical functions, the SQLite spelling template. */
class ColumnCodec {
  readonly reverse: ReturnType<typeof reverseFor>[];
  readonly forward: ReturnType<typeof converterFor>[];
  readonly canon: ((pgText: string) => string)[];
  readonly writable: boolean[];
  readonly #samples = new Map<number, SqliteValue | undefined>();

  constructor(
    readonly t: TablePlan,
    private readonly ctx: TableContext,
  ) {
    this.reverse = t.columns.map((c) => reverseFor(c.cast));
    this.forward = t.columns.map((c) => converterFor(c.cast, { nul: c.nul }));
    this.canon = t.columns.map((c) => canonicalizer(c.cast));
    const generated = ctx.wb.generatedColumns(t.source);
    this.writable = t.columns.map((c) => !generated.has(c.source));
  }

  sample(i: number): SqliteValue | undefined {
    if (!this.#samples.has(i)) this.#samples.set(i, this.ctx.wb.sample(this.t.source, this.t.columns[i]!.source));
    return this.#samples.get(i);
  }

  /** Prime every column's template (before a table is emptied). */
  primeSamples(): void {
    this.t.columns.forEach((_, i) => this.sample(i));
  }

  /** The SQLite value for column i's canonical PostgreSQL value, or undefined when it cannot be written (listed). */
  convert(i: number, canon: string | null, template: SqliteValue | undefined, key: string): { value: SqliteValue; exact: boolean } | undefined {
    const c = this.t.columns[i]!;
    const r = this.reverse[i]!(canon, template);
    if (r instanceof ReverseFailure) {
      const nearest = this.ctx.policy === 'nearest' && r.nearest !== undefined ? r.nearest : undefined;
      this.ctx.onInexact({ table: this.t.source, key, column: c.source, value: shortCanon(c, canon), reason: r.reason, nearest: r.nearest === undefined ? null : excerpt(r.nearest) });
      return nearest === undefined ? undefined : { value: nearest, exact: false };
    }
    // Second guard: the value must load back (forward cast, canonical form) as exactly what PostgreSQL holds.
    const pg = this.forward[i]!(r);
    const back = pg === null ? null : pg instanceof CastFailure ? pg : this.canon[i]!(pg);
    if (back !== canon) {
      this.ctx.onInexact({ table: this.t.source, key, column: c.source, value: shortCanon(c, canon), reason: `does not survive the round trip (${back instanceof CastFailure ? back.reason : `reads back as ${String(back)}`})`, nearest: null });
      return undefined;
    }
    return { value: r, exact: true };
  }
}

function shortCanon(c: ColumnPlan, canon: string | null): string {
  if (canon === null) return 'NULL';
  const s = c.cast.kind === 'datetime' && c.cast.target !== 'date' && /^-?\d+$/.test(canon) ? `${new Date(Number(BigInt(canon) / 1000n)).toISOString().replace('Z', '')}${String(BigInt(canon) % 1000n).padStart(3, '0')}Z (epoch µs ${canon})` : canon;
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

function digestOf(e: EncodedRow): string {
  return e.digest ? e.digest.toString('hex') : rowDigest(e.canonical);
}

/** The canonical SELECT of a table's columns for alias `r`, plus the md5 of the row form. */
function canonicalSelect(t: TablePlan, alias: string): { cols: string; digest: string } {
  const exprs = t.columns.map((c) => canonicalSql(c.cast, `${alias}.${quoteIdent(c.target)}`));
  return { cols: exprs.map((e, i) => `${e} AS ${quoteIdent(`c${i}`)}`).join(', '), digest: `md5(${rowFormSql(exprs)})` };
}

async function writeBackKeys(ctx: TableContext, t: TablePlan, keyTargets: readonly string[]): Promise<TableFallback> {
  const { client, wb } = ctx;
  const codec = new ColumnCodec(t, ctx);
  const keyIdx = keyTargets.map((k) => t.columns.findIndex((c) => c.target === k));
  if (keyIdx.some((i) => i < 0)) throw new Error(`key of ${t.target} is not among its planned columns`);
  const keySources = keyIdx.map((i) => t.columns[i]!.source);
  const offset = columnOffset(t);
  const encode = createRowEncoder(t, keyReader(t));
  const rel = qualify(ctx.schema, t.target);
  // The changed keys, numbered, in a temporary table (dropped at commit) to page through.
  await client.query(`DROP TABLE IF EXISTS pg_temp.sqlite2pg_fallback_keys`);
  await client.query(`CREATE TEMP TABLE sqlite2pg_fallback_keys (n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, key jsonb NOT NULL) ON COMMIT DROP`);
  const ins = await client.query(
    `INSERT INTO pg_temp.sqlite2pg_fallback_keys (key) SELECT DISTINCT k FROM (SELECT old_key AS k FROM ${J}.changes WHERE run_id = $1 AND table_name = $2 AND old_key IS NOT NULL UNION ALL SELECT new_key FROM ${J}.changes WHERE run_id = $1 AND table_name = $2 AND new_key IS NOT NULL) u`,
    [ctx.runId, t.target],
  );
  const result: TableFallback = { table: t.source, target: t.target, mode: 'keys', changedKeys: ins.rowCount ?? 0, inserted: 0, updated: 0, deleted: 0, unchanged: 0, proven: 0, ms: 0 };
  const keyCanon = keyIdx.map((i, j) => `${canonicalSql(t.columns[i]!.cast, `p.${quoteIdent(keyTargets[j]!)}`)} AS ${quoteIdent(`k${j}`)}`).join(', ');
  const sel = canonicalSelect(t, 'r');
  const match = keyTargets.map((k) => `r.${quoteIdent(k)} = p.${quoteIdent(k)}`).join(' AND ');
  const sql =
    `SELECT k.n::text AS n, ${keyCanon}, x.* FROM pg_temp.sqlite2pg_fallback_keys k CROSS JOIN LATERAL jsonb_populate_record(NULL::${rel}, k.key) AS p ` +
    `LEFT JOIN LATERAL (SELECT true AS present, ${sel.cols}, ${sel.digest} AS digest FROM ${rel} r WHERE ${match}) x ON true ` +
    `WHERE k.n > $1 AND (x.present IS NOT NULL) = $2 ORDER BY k.n LIMIT ${PAGE}`;
  // Two passes: deletes first, so a key or unique value PostgreSQL moved to another row is free when that row is written.
  for (const pass of ['delete', 'write'] as const) {
    let after = '0';
    for (;;) {
      const page = await client.query<Record<string, string | null | boolean>>(sql, [after, pass === 'write']);
      if (page.rows.length === 0) break;
      after = page.rows[page.rows.length - 1]!['n'] as string;
      for (const row of page.rows) {
        const present = row['present'] === true;
        if ((pass === 'delete') === present) continue;
        const kc = keyIdx.map((_, j) => row[`k${j}`] as string | null);
        const label = keySources.map((s, j) => `${s}=${kc[j]}`).join(', ');
        const keyVals: SqliteValue[] = [];
        let keyOk = true;
        for (let j = 0; j < keyIdx.length; j++) {
          const v = codec.convert(keyIdx[j]!, kc[j]!, codec.sample(keyIdx[j]!), label);
          if (!v) keyOk = false;
          else keyVals.push(v.value);
        }
        if (!keyOk) continue;
        const existing = wb.rowByKey(t, keySources, keyVals);
        if (!present) {
          if (existing) {
            wb.delete(t.source, keySources, keyVals);
            result.deleted++;
          } else result.unchanged++;
          if (wb.rowByKey(t, keySources, keyVals)) ctx.onProofFailure(`${t.source} (${label}): still present after the delete`);
          else result.proven++;
          continue;
        }
        const pgCanon = t.columns.map((_, i) => row[`c${i}`] as string | null);
        let exact = true;
        let writeOk = true;
        if (existing) {
          const enc = encode(existing, offset);
          const cur = isRowProblem(enc) ? null : [...enc.values];
          const cols: string[] = [];
          const vals: SqliteValue[] = [];
          t.columns.forEach((c, i) => {
            if (!codec.writable[i] || (cur && cur[i] === pgCanon[i])) return;
            const v = codec.convert(i, pgCanon[i]!, existing[offset + i] ?? undefined, label);
            if (!v) writeOk = false;
            else {
              exact &&= v.exact;
              cols.push(c.source);
              vals.push(v.value);
            }
          });
          if (!writeOk) continue;
          if (cols.length === 0) result.unchanged++;
          else {
            wb.update(t.source, keySources, keyVals, cols, vals);
            result.updated++;
          }
        } else {
          const cols: string[] = [];
          const vals: SqliteValue[] = [];
          t.columns.forEach((c, i) => {
            if (!codec.writable[i]) return;
            const v = codec.convert(i, pgCanon[i]!, codec.sample(i), label);
            if (!v) writeOk = false;
            else {
              exact &&= v.exact;
              cols.push(c.source);
              vals.push(v.value);
            }
          });
          if (!writeOk) continue;
          wb.insert(t.source, cols, vals);
          result.inserted++;
        }
        // The proof of this row: read back, encoded as a migration would, hashed, equal to PostgreSQL's md5.
        const back = wb.rowByKey(t, keySources, keyVals);
        const enc = back ? encode(back, offset) : null;
        if (!enc || isRowProblem(enc)) {
          ctx.onProofFailure(`${t.source} (${label}): ${enc ? `reads back as a row the migration would quarantine: ${enc.reason}` : 'missing after the write'}`);
        } else if (digestOf(enc) !== row['digest']) {
          if (exact) {
            const diff = t.columns.filter((_, i) => enc.values[i] !== pgCanon[i]).map((c, i) => `${c.source}: ${String(enc.values[i])} ≠ ${String(pgCanon[i])}`);
            ctx.onProofFailure(`${t.source} (${label}): ${diff.join('; ') || 'row hash differs'}`);
          }
        } else result.proven++;
      }
      if (page.rows.length < PAGE) break;
    }
  }
  return result;
}

/** A table PostgreSQL truncated, or one without a key: emptied and rewritten from PostgreSQL, proven by count and checksum. */
async function rewriteTable(ctx: TableContext, t: TablePlan): Promise<TableFallback> {
  const { client, wb } = ctx;
  const codec = new ColumnCodec(t, ctx);
  codec.primeSamples();
  const rel = qualify(ctx.schema, t.target);
  const changed = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${J}.changes WHERE run_id = $1 AND table_name = $2`, [ctx.runId, t.target]);
  const result: TableFallback = { table: t.source, target: t.target, mode: 'rewrite', changedKeys: Number(changed.rows[0]!.n), inserted: 0, updated: 0, deleted: 0, unchanged: 0, proven: 0, ms: 0 };
  result.deleted = wb.deleteAll(t.source);
  const sel = canonicalSelect(t, 'r');
  const writable = t.columns.map((c, i) => ({ c, i })).filter((x) => codec.writable[x.i]);
  let after = '(0,0)';
  let inexactRows = 0;
  for (;;) {
    const page = await client.query<Record<string, string | null>>(`SELECT r.ctid::text AS ctid, ${sel.cols} FROM ${rel} r WHERE r.ctid > $1::tid ORDER BY r.ctid LIMIT ${PAGE}`, [after]);
    if (page.rows.length === 0) break;
    after = page.rows[page.rows.length - 1]!['ctid']!;
    for (const row of page.rows) {
      const label = `ctid ${row['ctid']}`;
      const vals: SqliteValue[] = [];
      let ok = true;
      let exact = true;
      for (const { i } of writable) {
        const v = codec.convert(i, row[`c${i}`] ?? null, codec.sample(i), label);
        if (!v) ok = false;
        else {
          exact &&= v.exact;
          vals.push(v.value);
        }
      }
      if (!ok) continue;
      if (!exact) inexactRows++;
      wb.insert(t.source, writable.map((x) => x.c.source), vals);
      result.inserted++;
    }
    if (page.rows.length < PAGE) break;
  }
  // Proof: count and checksum of the whole table on both sides (the migration's own verification).
  const acc = new ChecksumAccumulator();
  const encode = createRowEncoder(t, keyReader(t));
  const offset = columnOffset(t);
  let problems = 0;
  for (const row of wb.rows(t)) {
    const enc = encode(row as SqliteValue[], offset);
    if (isRowProblem(enc)) problems++;
    else if (enc.digest) acc.addDigest(enc.digest);
    else acc.add(enc.canonical);
  }
  const pg = await client.query<{ count: string; sum: string }>(tableChecksumSql(ctx.schema, t.target, checksumColumns(t)));
  const s = acc.toJSON();
  if (problems === 0 && String(s.count) === pg.rows[0]!.count && s.sum === pg.rows[0]!.sum) result.proven = s.count;
  else if (inexactRows === 0) ctx.onProofFailure(`${t.source} (rewritten whole): SQLite ${s.count} rows, checksum ${s.sum}${problems ? `, ${problems} rows the migration would quarantine` : ''}; PostgreSQL ${pg.rows[0]!.count} rows, checksum ${pg.rows[0]!.sum}`);
  return result;
}

/** Raise sqlite_sequence past every id PostgreSQL's identities handed out (AUTOINCREMENT tables). */
async function raiseSequences(client: pg.ClientBase, wb: WriteBackDb, schema: string, plans: readonly TablePlan[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of plans) {
    for (const c of t.columns.filter((x) => x.identity)) {
      const seq = await client.query<{ seq: string | null }>(`SELECT pg_get_serial_sequence($1, $2) AS seq`, [qualify(schema, t.target), c.target]);
      const name = seq.rows[0]?.seq;
      if (!name) continue;
      const r = await client.query<{ last: string; called: boolean }>(`SELECT last_value::text AS last, is_called AS called FROM ${name}`);
      const last = BigInt(r.rows[0]!.last);
      if (!r.rows[0]!.called) continue;
      if (wb.raiseSequence(t.source, last)) out.push(`${t.source}: sqlite_sequence raised to ${last}`);
    }
  }
  return out;
}
