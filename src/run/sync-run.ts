/**
 * `sqlite2pg sync`: online migration while the application keeps writing. The first call checks
 * the source (WAL), installs change capture in app.db, snapshots it (VACUUM INTO; the snapshot's
 * changelog head is the exact replay start), loads and fully verifies the snapshot into a staging
 * schema with the offline phases, then applies captured changes in rounds. A later call (or the
 * same one after Ctrl-C or a crash) continues from the journal's applied position.
 * `sync --abort` removes capture from app.db and the staging schema from the target.
 */
import { resolve, join } from 'node:path';
import type pg from 'pg';
import { ExitCode, MigrateError, UsageError, VerifyError, type ExitCodeValue } from '../errors.js';
import type { ObjectCounts } from '../model/run-result.js';
import { NO_CUTOVER, NO_OBJECTS, targetFacts } from './run-result-parts.js';
import { reportStem, writeReports } from './write-report.js';
import { assembleRunResult, castSamples, tableResult } from './phases/run-result.js';
import type { Plan } from '../model/plan.js';
import type { SqliteValue } from '../plan/casts/index.js';
import { checkSqliteFile, openSqlite, type SqliteDb } from '../source/sqlite-db.js';
import { introspectSqlite } from '../source/introspect-sqlite.js';
import { connectTarget, type TargetSettings } from '../load/target.js';
import { buildPostLoad } from '../load/post-load.js';
import { QuarantineDir } from '../load/quarantine-files.js';
import type { TableLoad } from '../load/load-tables.js';
import { interruptedError } from '../load/copy-chunk.js';
import { replayRound, type Carry, type ReplayTable, type RoundResult } from '../load/replay.js';
import type { TableVerification } from '../verify/verify-tables.js';
import {
  ensureJournal,
  ensureSyncJournal,
  insertRun,
  insertSyncState,
  recordQuarantine,
  recordSyncRound,
  runSchemaName,
  setRunStatus,
  syncState,
  syncingRun,
  type RunRow,
} from '../cutover/journal.js';
import { acquireTargetLock, releaseTargetLock } from '../cutover/target-lock.js';
import { CaptureError } from '../capture/capture-error.js';
import { captureTables, changesHead, checkCapture, installCapture, openLiveWritable, readCaptureState, readChanges, removeCapture, requireWal, snapshotPosition, type CaptureState } from '../capture/capture.js';
import { parseKeyText } from '../capture/key-text.js';
import { TOOL_VERSION } from '../version.js';
import { StepLog, type RunEvents } from './step-log.js';
import { newRunId, prepare } from './phases/prepare.js';
import { readSource, type SnapshotSettings } from './phases/source-phase.js';
import { checkServer } from './phases/target-phase.js';
import { createStaging } from './phases/stage-phase.js';
import { loadPhase } from './phases/load-phase.js';
import { verifyPhase } from './phases/verify-phase.js';
import { dropStaging } from './phases/cutover-phase.js';

/**
 * Changes read per round: bounds the memory of a round (keys and their encoded rows). A round's
 * data lives across its PostgreSQL round trips, so V8 promotes it and sizes the old generation
 * on it: at 20,000 the main heap grew to ~130 MB before a full collection (peak RSS of a 50k-key
 * catch-up 270-278 MiB); at 5,000, 207 MiB, at ~8,000 keys/s (bench/README.md).
 */
export const ROUND_CHANGES = 5_000;

export interface SyncOptions {
  readonly sourcePath: string;
  readonly target: TargetSettings;
  readonly schema: string;
  readonly mappingsDir: string;
  readonly lanes: number;
  readonly chunkRows: number;
  readonly reportsDir: string;
  readonly diffLimit: number;
  readonly orphans: 'not-valid' | 'fail';
  readonly fold: 'none' | 'snake' | 'lower';
  readonly snapshot: SnapshotSettings;
  /** Catch up once and return, instead of following the application until interrupted. */
  readonly once: boolean;
  /** Pause between rounds when caught up. */
  readonly intervalMs: number;
  readonly events?: RunEvents;
  /** Called after every round (and once when caught up with nothing to do). */
  readonly onRound?: (p: SyncProgress) => void;
  readonly signal?: AbortSignal;
}

export interface SyncProgress {
  readonly runId: string;
  readonly appliedSeq: number;
  readonly headSeq: number;
  /** Changes captured but not applied yet. */
  readonly lagChanges: number;
  /** At most this old is the newest change applied (ms since the round saw it). */
  readonly lagMs: number;
  readonly changesApplied: number;
  readonly round: RoundResult | null;
}

export interface SyncOutcome {
  readonly runId: string;
  /** True when this call installed capture and loaded the snapshot. */
  readonly started: boolean;
  readonly snapshotSeq: number;
  readonly appliedSeq: number;
  readonly headSeq: number;
  readonly changesApplied: number;
  readonly rounds: number;
  readonly warnings: readonly string[];
  readonly exitCode: ExitCodeValue;
}

/** What rounds need: the run, its staging schema, its plan, the capture installed, the carried checksums. */
export interface SyncContext {
  readonly runId: string;
  readonly staging: string;
  readonly plan: Plan;
  readonly capture: CaptureState;
  readonly carry: Map<string, Carry>;
  appliedSeq: number;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interruptedError();
}

/** The capture of app.db belongs to `run`, or exit 11 saying whose it is. */
export function captureOfRun(db: SqliteDb, path: string, run: RunRow): CaptureState {
  const state = readCaptureState(db);
  if (!state) {
    throw new CaptureError('E_CAPTURE_MISSING', `Run ${run.run_id} is syncing ${path}, but the change capture it installed there is gone (its tables were dropped, or the file was replaced).`, {
      hint: `Changes since then cannot be accounted for. Abort and start again: sqlite2pg sync ${path} --abort, then sqlite2pg sync ${path} --target ….`,
    });
  }
  if (state.runId !== run.run_id) {
    throw new CaptureError('E_CAPTURE_OTHER_RUN', `${path} holds the change capture of run ${state.runId} (installed ${state.installedAt}), not of run ${run.run_id}, which the target says is syncing it.`, {
      hint: `Abort both and start again: sqlite2pg sync ${path} --abort.`,
    });
  }
  return state;
}

/** Plan of an online run, rebuilt from its snapshot (the mapping files must not have changed). */
export async function planOfRun(o: { sourcePath: string; mappingsDir: string; schema: string; fold: SyncOptions['fold'] }, run: RunRow): Promise<Plan> {
  if (!run.snapshot_path) throw new UsageError(`Run ${run.run_id} recorded no snapshot.`);
  const { sizeBytes } = await checkSqliteFile(run.snapshot_path).catch((e: unknown) => {
    throw new UsageError(`The snapshot ${run.snapshot_path} of run ${run.run_id} is missing or unreadable: ${(e as Error).message}`, { hint: `Abort and start again: sqlite2pg sync ${o.sourcePath} --abort.` });
  });
  const p = await prepare(o, run.snapshot_path, sizeBytes);
  if (run.mapping_hash !== null && run.mapping_hash !== p.mappingHash) {
    throw new UsageError(`The mapping files changed since run ${run.run_id} loaded its snapshot.`, { hint: 'Restore the mapping files it used, or abort (sync --abort) and sync again.' });
  }
  return p.plan;
}

export async function contextOf(admin: pg.ClientBase, run: RunRow, plan: Plan, capture: CaptureState): Promise<SyncContext> {
  const s = await syncState(admin, run.run_id);
  if (!s) throw new UsageError(`Run ${run.run_id} has no sync state in the journal.`);
  const carry = new Map<string, Carry>(s.tables.map((t) => [t.source_table, { count: Number(t.carry_count), sum: BigInt(t.carry_sum), targetCount: Number(t.target_count), targetSum: BigInt(t.target_sum) }]));
  return { runId: run.run_id, staging: run.staging_schema, plan, capture, carry, appliedSeq: Number(s.state.applied_seq) };
}

/**
 * Apply the changes after ctx.appliedSeq, up to `head`, in rounds of ROUND_CHANGES. `db` reads
 * the changelog and the rows: a read-only handle whose reads are wrapped in short transactions,
 * or (`locked`) the cutover's handle inside its BEGIN IMMEDIATE.
 */
export async function catchUp(admin: pg.ClientBase, db: SqliteDb, ctx: SyncContext, head: number, locked: boolean, onRound?: (r: RoundResult, n: number, seenAt: number) => void, signal?: AbortSignal): Promise<number> {
  let total = 0;
  const seenAt = Date.now();
  while (ctx.appliedSeq < head) {
    throwIfAborted(signal);
    if (!locked) db.exec('BEGIN');
    try {
      const changes = readChanges(db, ctx.appliedSeq, ROUND_CHANGES).filter((c) => c.seq <= head);
      if (changes.length === 0) break;
      const last = changes[changes.length - 1]!.seq;
      const perTable = new Map<string, Map<string, SqliteValue[]>>();
      for (const c of changes) {
        let m = perTable.get(c.tbl);
        if (!m) perTable.set(c.tbl, (m = new Map()));
        if (!m.has(c.key)) m.set(c.key, parseKeyText(c.key));
      }
      const tables: ReplayTable[] = [];
      for (const [tbl, keys] of perTable) {
        const t = ctx.plan.tables.find((x) => x.source === tbl);
        const cap = ctx.capture.tables.find((x) => x.name === tbl);
        if (!t || !cap) throw new CaptureError('E_CAPTURE_UNKNOWN_TABLE', `The changelog names table ${tbl}, which this run does not migrate.`, { hint: 'Abort (sync --abort) and sync again.' });
        tables.push({ table: t, keyColumns: cap.key, keys: [...keys.values()] });
      }
      const r = await replayRound(admin, db, { staging: ctx.staging, plan: ctx.plan }, tables, ctx.carry, async (client, carry, deltas) => {
        const q = deltas.flatMap((d) => d.quarantined.map((x) => ({ table: d.source, key: x.key, column: x.column, value: x.value, reason: x.reason })));
        await recordQuarantine(client, ctx.runId, q);
        await recordSyncRound(
          client,
          ctx.runId,
          { appliedSeq: last, headSeq: head, lagMs: Date.now() - seenAt, changes: changes.length },
          deltas.map((d) => {
            const c = carry.get(d.source)!;
            return { source: d.source, keys: d.keys, upserted: d.upserted, deleted: d.deleted, quarantined: d.quarantined.length, count: c.count, sum: c.sum.toString(), targetCount: c.targetCount, targetSum: c.targetSum.toString() };
          }),
        );
      });
      ctx.appliedSeq = last;
      total += changes.length;
      onRound?.(r, changes.length, seenAt);
    } finally {
      if (!locked && db.inTransaction) db.exec('COMMIT');
    }
  }
  return total;
}

/** First sync: capture, snapshot, the offline pipeline into staging with full verification. */
async function startSync(admin: pg.ClientBase, live: SqliteDb, o: SyncOptions, sizeBytes: number, log: StepLog): Promise<{ run: RunRow; capture: CaptureState }> {
  const runId = newRunId(new Date());
  // What to capture: from the live file's catalog (read-only handle), before anything is written.
  const reader = openSqlite(o.sourcePath);
  let caps: ReturnType<typeof captureTables>;
  let sqlOf: Map<string, string>;
  try {
    const catalog = introspectSqlite(reader, o.sourcePath, sizeBytes);
    caps = captureTables(catalog);
    sqlOf = new Map(catalog.tables.map((t) => [t.name, t.sql]));
  } finally {
    reader.close();
  }
  if (caps.unkeyed.length) {
    throw new CaptureError('E_CAPTURE_NO_KEY', `Online migration needs a declared primary key on every table; ${caps.unkeyed.length} table${caps.unkeyed.length > 1 ? 's have' : ' has'} none, so their changes could only be keyed on the rowid, which VACUUM renumbers.`, {
      problems: caps.unkeyed.map((t) => `${t.name} (${t.rows} rows): no PRIMARY KEY`),
      hint: 'Give those tables a primary key (a table rebuild: CREATE new, INSERT SELECT, DROP, RENAME), or migrate offline with sqlite2pg migrate. Nothing was installed in app.db.',
    });
  }
  for (const w of caps.warnings) log.warn(w);
  const capture = await log.timed('install change capture', 'pre', async () => installCapture(live, runId, caps.tables, (n) => sqlOf.get(n) ?? '', new Date()));
  let snapshotSeq = 0;
  const bytes = await readSource({ sourcePath: o.sourcePath, snapshot: { ...o.snapshot, enabled: true }, onSnapshot: (p) => (snapshotSeq = snapshotPosition(p)) }, runId, null, log);
  const { plan, mappingHash, warnings } = await log.timed('read catalog and plan', 'pre', () => prepare(o, bytes.readPath, sizeBytes));
  for (const w of warnings) log.warn(w);
  const unkeyedPlan = plan.tables.filter((t) => !t.primaryKey).map((t) => t.source);
  if (unkeyedPlan.length) throw new CaptureError('E_CAPTURE_NO_KEY', `Tables without a primary key in the target plan (a key column is skipped by its mapping): ${unkeyedPlan.join(', ')}.`, { hint: 'Migrate the key columns, or migrate offline.' });

  const staging = runSchemaName('staging', runId);
  await insertRun(admin, { runId, mode: 'online', schema: o.schema, staging, sourcePath: resolve(o.sourcePath), snapshotPath: bytes.snapshotPath, sha256: bytes.sha256, size: sizeBytes, mappingHash, version: TOOL_VERSION });
  const startedAt = new Date(log.t0);
  const quarantine = new QuarantineDir(join(resolve(o.reportsDir), `${runId}-online`, 'quarantine'));
  const completed: TableLoad[] = [];
  let loads: TableLoad[] = [];
  const verifications = new Map<string, TableVerification>();
  let objects: ObjectCounts = NO_OBJECTS;
  let error: MigrateError | null = null;
  try {
    await createStaging(admin, { staging, runId, resumed: false }, plan.tables, log);
    loads = await loadPhase(admin, plan, { readPath: bytes.readPath, staging, runId, target: o.target, lanes: o.lanes, chunkRows: o.chunkRows, quarantine, ...(o.signal ? { signal: o.signal } : {}) }, completed, log);
    throwIfAborted(o.signal);
    const post = await log.timed('build keys, indexes, constraints', 'post', () => buildPostLoad(admin, plan, { schema: staging, liveSchema: o.schema, t0: log.t0, orphans: o.orphans, onStep: (s) => log.step(s), ...(log.events.sql ? { log: log.events.sql } : {}) }));
    objects = post.objects;
    for (const w of post.warnings) log.warn(w);
    throwIfAborted(o.signal);
    await verifyPhase(admin, loads, { readPath: bytes.readPath, staging, runId, target: o.target, lanes: o.lanes, chunkRows: o.chunkRows, diffLimit: o.diffLimit }, verifications, log);
    const mismatched = [...verifications.values()].filter((v) => !v.match);
    if (mismatched.length) throw new VerifyError(`Verification of the snapshot failed for ${mismatched.map((m) => m.table.target).join(', ')}.`, { hint: `Nothing was cut over; the staging schema ${staging} is kept for inspection. sqlite2pg sync ${o.sourcePath} --abort removes capture and staging.` });
    await insertSyncState(
      admin,
      runId,
      capture.installedAt,
      snapshotSeq,
      loads.map((l) => {
        const v = verifications.get(l.table.source)!;
        return { source: l.table.source, count: l.checksum.count, sum: l.checksum.sum, targetCount: v.targetRows, targetSum: v.targetSum };
      }),
    );
    await setRunStatus(admin, runId, 'syncing');
    log.note([`online run ${runId}: capture installed at ${capture.installedAt}, snapshot at changelog position ${snapshotSeq}; the report of the cutover adds the changes applied since`]);
  } catch (e) {
    error = e instanceof MigrateError ? e : new MigrateError('E_INTERNAL', ExitCode.internal, (e as Error).message, { cause: e });
    await setRunStatus(admin, runId, 'failed', { error: (e as Error).message }).catch(() => undefined);
  }
  // The snapshot load's report, as migrate writes it (no cutover yet).
  if (loads.length === 0) loads = [...completed];
  const tables = loads.map((l) => tableResult(l, verifications.get(l.table.source)));
  const result = assembleRunResult({
    runId,
    mode: 'cutover',
    outcome: error ? (error.exitCode === ExitCode.verify ? 'verify-mismatch' : 'failed') : 'passed',
    startedAt,
    finishedAt: new Date(),
    source: { path: o.sourcePath, sizeBytes, sha256: bytes.sha256, snapshotPath: bytes.snapshotPath },
    target: targetFacts(o.target, o.schema, null, false),
    tables,
    steps: log.steps,
    objects,
    casts: castSamples(bytes.readPath, plan),
    untranslated: plan.untranslated,
    warnings: log.warnings,
    quarantineDir: tables.some((t) => t.quarantineFile) ? quarantine.dir : null,
    cutover: NO_CUTOVER,
    error,
  });
  await writeReports(result, resolve(o.reportsDir), `${reportStem(startedAt, o.sourcePath, 'cutover')}-sync`).catch((e: Error) => log.warn(`could not write the report of the snapshot load: ${e.message}`));
  if (error) throw error;
  const run = (await admin.query<RunRow>(`SELECT * FROM sqlite2pg.runs WHERE run_id = $1`, [runId])).rows[0]!;
  return { run, capture };
}

export async function sync(o: SyncOptions): Promise<SyncOutcome> {
  const log = new StepLog(Date.now(), o.events);
  const { sizeBytes } = await checkSqliteFile(o.sourcePath);
  const live = openLiveWritable(o.sourcePath);
  let reader: SqliteDb | null = null;
  const admin = await connectTarget(o.target);
  const lock = await connectTarget(o.target);
  let locked = false;
  try {
    requireWal(live, o.sourcePath);
    await checkServer(admin, o.target.database);
    await acquireTargetLock(lock, o.schema);
    locked = true;
    await ensureJournal(admin);
    await ensureSyncJournal(admin);
    let run = await syncingRun(admin, o.schema);
    let capture: CaptureState;
    let started = false;
    if (run) {
      if (run.source_path !== resolve(o.sourcePath)) throw new UsageError(`Schema ${o.schema} is being synced from ${run.source_path} (run ${run.run_id}), not from ${resolve(o.sourcePath)}.`, { hint: `Finish it (sqlite2pg cutover ${run.source_path}) or abort it (sqlite2pg sync ${run.source_path} --abort) first.` });
      if (run.status === 'running') {
        throw new UsageError(`The first sync of run ${run.run_id} stopped before its snapshot was loaded and verified.`, { hint: `Start again: sqlite2pg sync ${o.sourcePath} --abort, then sqlite2pg sync ${o.sourcePath} --target ….` });
      }
      capture = captureOfRun(live, o.sourcePath, run);
      log.note([`continuing run ${run.run_id} (capture installed at ${capture.installedAt})`]);
    } else {
      const leftover = readCaptureState(live);
      if (leftover) {
        throw new CaptureError('E_CAPTURE_LEFTOVER', `${o.sourcePath} already holds the change capture of run ${leftover.runId} (installed ${leftover.installedAt}), which is not syncing into schema ${o.schema} of ${o.target.display}: an aborted or failed run, or a sync into another target.`, {
          hint: `If it is abandoned, remove it: sqlite2pg sync ${o.sourcePath} --abort (then sync again). If it syncs elsewhere, finish or abort it there.`,
        });
      }
      ({ run, capture } = await startSync(admin, live, o, sizeBytes, log));
      started = true;
    }
    const plan = await planOfRun(o, run);
    const ctx = await contextOf(admin, run, plan, capture);
    reader = openSqlite(o.sourcePath);
    let rounds = 0;
    let applied = 0;
    for (;;) {
      throwIfAborted(o.signal);
      checkCapture(reader, capture, o.sourcePath);
      const head = changesHead(reader);
      const n = await catchUp(admin, reader, ctx, head, false, (r, changes, seenAt) => {
        rounds++;
        applied += changes;
        o.onRound?.({ runId: ctx.runId, appliedSeq: ctx.appliedSeq, headSeq: head, lagChanges: Math.max(0, head - ctx.appliedSeq), lagMs: Date.now() - seenAt, changesApplied: applied, round: r });
      }, o.signal);
      if (n === 0) o.onRound?.({ runId: ctx.runId, appliedSeq: ctx.appliedSeq, headSeq: head, lagChanges: 0, lagMs: 0, changesApplied: applied, round: null });
      if (o.once) {
        return { runId: ctx.runId, started, snapshotSeq: Number((await syncState(admin, ctx.runId))!.state.snapshot_seq), appliedSeq: ctx.appliedSeq, headSeq: head, changesApplied: applied, rounds, warnings: log.warnings, exitCode: ExitCode.ok };
      }
      await new Promise<void>((res) => {
        const t = setTimeout(res, o.intervalMs);
        o.signal?.addEventListener('abort', () => (clearTimeout(t), res()), { once: true });
      });
    }
  } finally {
    reader?.close();
    live.close();
    if (locked) await releaseTargetLock(lock, o.schema).catch(() => undefined);
    await lock.end().catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
}

/** `sync --abort`: capture out of app.db (one transaction), the staging schema out of the target, the run marked failed. */
export async function abortSync(o: { sourcePath: string; target: TargetSettings; schema: string }): Promise<{ runId: string | null; objectsRemoved: number; stagingDropped: string | null }> {
  await checkSqliteFile(o.sourcePath);
  const live = openLiveWritable(o.sourcePath);
  const admin = await connectTarget(o.target);
  const lock = await connectTarget(o.target);
  let locked = false;
  try {
    // A sync still running holds the target lock: refuse rather than pull capture from under it.
    await acquireTargetLock(lock, o.schema);
    locked = true;
    const state = readCaptureState(live);
    await ensureJournal(admin);
    await ensureSyncJournal(admin);
    const run = (await syncingRun(admin, o.schema)) ?? (state ? ((await admin.query<RunRow>(`SELECT * FROM sqlite2pg.runs WHERE run_id = $1`, [state.runId])).rows[0] ?? null) : null);
    const objectsRemoved = removeCapture(live);
    let stagingDropped: string | null = null;
    if (run && run.status !== 'cut-over') {
      const exists = await admin.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [run.staging_schema]);
      if (exists.rowCount) {
        await dropStaging(admin, run.staging_schema, new StepLog(Date.now()));
        stagingDropped = run.staging_schema;
      }
      await setRunStatus(admin, run.run_id, 'failed', { error: 'aborted by sqlite2pg sync --abort' });
    }
    return { runId: run?.run_id ?? state?.runId ?? null, objectsRemoved, stagingDropped };
  } finally {
    live.close();
    if (locked) await releaseTargetLock(lock, o.schema).catch(() => undefined);
    await lock.end().catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
}

