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
import { ExitCode, LoadError, MigrateError, UsageError, VerifyError, type ExitCodeValue } from '../errors.js';
import type { Catalog } from '../model/catalog.js';
import type { ObjectCounts } from '../model/run-result.js';
import { NO_CUTOVER, NO_OBJECTS, targetFacts } from './run-result-parts.js';
import { reportStem, writeReports } from './write-report.js';
import { assembleRunResult, castSamples, tableResult } from './phases/run-result.js';
import type { Plan } from '../model/plan.js';
import type { SqliteValue } from '../plan/casts/index.js';
import { checkSqliteFile, openSqlite, type SqliteDb } from '../source/sqlite-db.js';
import { connectTarget, targetError, type TargetSettings } from '../load/target.js';
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
  journalExists,
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
import { installStagingCounters, stagingCounts } from '../cutover/staging-counters.js';
import { CaptureError } from '../capture/capture-error.js';
import { captureTables, changesHead, checkCapture, checkCaptureWritable, installCapture, ourObjects, openLiveWritable, readCaptureState, readChanges, removeCapture, requireWal, snapshotPosition, type CaptureState } from '../capture/capture.js';
import { parseKeyText } from '../capture/key-text.js';
import { TOOL_VERSION } from '../version.js';
import { StepLog, type RunEvents } from './step-log.js';
import { newRunId, prepare } from './phases/prepare.js';
import { readSource, type SnapshotSettings } from './phases/source-phase.js';
import { preflight } from './phases/preflight-phase.js';
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

/**
 * ROUND_CHANGES, or SQLITE2PG_TEST_ROUND_CHANGES when set: a hidden knob for tests only (they
 * place a round boundary between two changes with a few writes instead of 20,000).
 */
function roundChanges(): number {
  const n = Number(process.env['SQLITE2PG_TEST_ROUND_CHANGES']);
  return Number.isInteger(n) && n > 0 ? n : ROUND_CHANGES;
}

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
  /** How long a following sync tries to reconnect after losing the target (server restart), ms. */
  readonly reconnectForMs: number;
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
      const changes = readChanges(db, ctx.appliedSeq, roundChanges()).filter((c) => c.seq <= head);
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
      const r = await replayRound(admin, db, { staging: ctx.staging, plan: ctx.plan, counts: (c) => stagingCounts(c, ctx.runId) }, tables, ctx.carry, async (client, carry, deltas) => {
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


/**
 * First sync: capture, snapshot, the offline pipeline into staging with full verification.
 * `catalog`: the live file's, as the pre-flight read it (its keys already checked).
 */
async function startSync(admin: pg.ClientBase, live: SqliteDb, o: SyncOptions, sizeBytes: number, catalog: Catalog, log: StepLog): Promise<{ run: RunRow; capture: CaptureState }> {
  const runId = newRunId(new Date());
  const caps = captureTables(catalog);
  const sqlOf = new Map(catalog.tables.map((t) => [t.name, t.sql]));
  for (const w of caps.warnings) log.warn(w);
  const capture = await log.timed('install change capture', 'pre', async () => installCapture(live, runId, caps.tables, (n) => sqlOf.get(n) ?? '', new Date()));
  let snapshotSeq = 0;
  const bytes = await readSource({ sourcePath: o.sourcePath, snapshot: { ...o.snapshot, enabled: true }, onSnapshot: (p) => (snapshotSeq = snapshotPosition(p)) }, runId, null, log);
  const { plan, mappingHash, warnings } = await log.timed('read catalog and plan', 'pre', () => prepare(o, bytes.readPath, sizeBytes));
  for (const w of warnings) log.warn(w);
  requireKeys(null, plan);
  // A table created between the pre-flight's catalog and the install has no capture: its writes would be lost.
  const uncaptured = plan.tables.filter((t) => !capture.tables.some((c) => c.name === t.source)).map((t) => t.source);
  if (uncaptured.length) {
    throw new CaptureError('E_CAPTURE_SCHEMA_CHANGED', `The schema of ${o.sourcePath} changed while the sync started: ${uncaptured.join(', ')} ${uncaptured.length > 1 ? 'are' : 'is'} in the snapshot but not captured.`, { hint: 'Run sync again (the capture just installed is removed).' });
  }

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
    // From here every write to a staging table moves its counter (the cutover's O(changes) proof).
    await installStagingCounters(admin, { runId, staging, tables: plan.tables });
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

/** The keys online mode needs: every table captured on a declared primary key the plan keeps; exit 11 listing those without. */
export function requireKeys(catalog: Catalog | null, plan: Plan | null): void {
  const unkeyed = catalog ? captureTables(catalog).unkeyed : [];
  // The live file may hold capture's own tables (a continued or leftover run): never migrated.
  const unkeyedPlan = plan ? plan.tables.filter((t) => !t.primaryKey && !t.source.startsWith('_sqlite2pg_')).map((t) => t.source) : [];
  const problems = [...unkeyed.map((t) => `${t.name} (${t.rows} rows): no PRIMARY KEY`), ...unkeyedPlan.filter((n) => !unkeyed.some((u) => u.name === n)).map((n) => `${n}: its mapping skips a key column`)];
  if (problems.length === 0) return;
  throw new CaptureError('E_CAPTURE_NO_KEY', `Online migration needs a primary key on every table; ${problems.length} table${problems.length > 1 ? 's have' : ' has'} none in the plan, so their changes could only be keyed on the rowid, which VACUUM renumbers.`, {
    problems,
    hint: 'Give those tables a primary key (a table rebuild: CREATE new, INSERT SELECT, DROP, RENAME) or migrate their key columns, or migrate offline with sqlite2pg migrate. Nothing was installed in app.db.',
  });
}

/** The sync in progress for `schema`, if the journal exists (read-only: the pre-flight creates nothing). */
async function runInProgress(c: pg.ClientBase, schema: string): Promise<RunRow | null> {
  return (await journalExists(c)) ? syncingRun(c, schema) : null;
}

/**
 * A lost connection to the target (server restarted or shut down, network gone), as opposed to
 * an error of the statement: only these are retried by a following `sync`.
 */
export function connectionLost(e: unknown): boolean {
  let x: unknown = e;
  for (let i = 0; i < 5 && x; i++) {
    const code = String((x as { code?: unknown }).code ?? '');
    const msg = String((x as { message?: unknown }).message ?? '');
    if (code.startsWith('08') || ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'E_TARGET_CONNECTION'].includes(code)) return true;
    if (/Connection terminated|not queryable|terminating connection|the database system is (starting up|shutting down)/i.test(msg)) return true;
    x = (x as { cause?: unknown }).cause;
  }
  return false;
}

/** Exit 5, resumable: each round's changes and the applied position commit together, so a rerun loses nothing. */
function targetLostError(e: unknown, o: SyncOptions, appliedSeq: number | null, why: string): LoadError {
  return new LoadError('E_TARGET_CONNECTION', `The connection to the target was lost during the sync (${(e as Error).message})${why}.`, {
    cause: e,
    hint: `Nothing is lost: the journal holds the applied position${appliedSeq === null ? '' : ` (change ${appliedSeq})`} and each round commits with it, and app.db keeps capturing. Run sqlite2pg sync ${o.sourcePath} again when the server is back.`,
  });
}

/** Reconnect after the target went away: bounded exponential backoff, said on stderr; then the target lock again. */
async function reconnect(o: SyncOptions, lost: unknown, appliedSeq: number, log: StepLog): Promise<{ admin: pg.Client; lock: pg.Client }> {
  const t0 = Date.now();
  const deadline = t0 + o.reconnectForMs;
  log.warn(`lost the connection to the target (${(lost as Error).message}); reconnecting for up to ${Math.round(o.reconnectForMs / 1000)} s (--reconnect-for)`);
  let wait = 250;
  let last: unknown = lost;
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    throwIfAborted(o.signal);
    await new Promise<void>((res) => {
      const t = setTimeout(res, Math.min(wait, Math.max(0, deadline - Date.now())));
      o.signal?.addEventListener('abort', () => (clearTimeout(t), res()), { once: true });
    });
    throwIfAborted(o.signal);
    wait = Math.min(wait * 2, 5000);
    let admin: pg.Client | null = null;
    let lock: pg.Client | null = null;
    try {
      admin = await connectTarget(o.target);
      lock = await connectTarget(o.target);
      // Session advisory locks die with their connection: another run may have taken it meanwhile.
      await acquireTargetLock(lock, o.schema);
      log.warn(`reconnected to the target after ${((Date.now() - t0) / 1000).toFixed(1)} s (attempt ${attempt}); continuing from the journal's applied position`);
      return { admin, lock };
    } catch (e) {
      await lock?.end().catch(() => undefined);
      await admin?.end().catch(() => undefined);
      if (!connectionLost(e) && (e as { code?: unknown }).code !== 'E_TARGET_CONNECT') throw e;
      last = e;
    }
  }
  throw targetLostError(last, o, appliedSeq, `, and it did not come back within ${Math.round(o.reconnectForMs / 1000)} s`);
}

export async function sync(o: SyncOptions): Promise<SyncOutcome> {
  const log = new StepLog(Date.now(), o.events);
  // Pre-flight, before anything is written to app.db or the target: every problem at once.
  const pf = await preflight(o, { checkSource: () => checkCaptureWritable(o.sourcePath), findRun: (c) => runInProgress(c, o.schema), liveMappings: true, checkPlan: (p) => requireKeys(p.catalog, p.plan), targetWritable: true }, log);
  const { sizeBytes } = pf;
  let { admin, lock } = pf;
  let live: SqliteDb;
  try {
    live = openLiveWritable(o.sourcePath);
  } catch (e) {
    await pf.close();
    throw e;
  }
  let reader: SqliteDb | null = null;
  let locked = false;
  try {
    requireWal(live, o.sourcePath);
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
      try {
        // The pre-flight read the live catalog unless it saw a run in progress, which has since gone.
        const livePlan = pf.live ?? (await prepare(o, o.sourcePath, sizeBytes));
        if (!pf.live) requireKeys(livePlan.catalog, livePlan.plan);
        ({ run, capture } = await startSync(admin, live, o, sizeBytes, livePlan.catalog, log));
      } catch (e) {
        throw await withCaptureRemoved(admin, live, o.sourcePath, e);
      }
      started = true;
    }
    const plan = await planOfRun(o, run);
    let ctx = await contextOf(admin, run, plan, capture);
    reader = openSqlite(o.sourcePath);
    let rounds = 0;
    let applied = 0;
    for (;;) {
      throwIfAborted(o.signal);
      let head: number;
      try {
        checkCapture(reader, capture, o.sourcePath);
        head = changesHead(reader);
        const h = head;
        const n = await catchUp(admin, reader, ctx, head, false, (r, changes, seenAt) => {
          rounds++;
          applied += changes;
          o.onRound?.({ runId: ctx.runId, appliedSeq: ctx.appliedSeq, headSeq: h, lagChanges: Math.max(0, h - ctx.appliedSeq), lagMs: Date.now() - seenAt, changesApplied: applied, round: r });
        }, o.signal);
        if (n === 0) o.onRound?.({ runId: ctx.runId, appliedSeq: ctx.appliedSeq, headSeq: head, lagChanges: 0, lagMs: 0, changesApplied: applied, round: null });
        if (o.once) {
          return { runId: ctx.runId, started, snapshotSeq: Number((await syncState(admin, ctx.runId))!.state.snapshot_seq), appliedSeq: ctx.appliedSeq, headSeq: head, changesApplied: applied, rounds, warnings: log.warnings, exitCode: ExitCode.ok };
        }
      } catch (e) {
        if (!connectionLost(e) || o.signal?.aborted) throw e;
        if (o.once) throw targetLostError(e, o, ctx.appliedSeq, '');
        // The round in flight rolled back with its journal position: continue from what the journal says.
        locked = false;
        await lock.end().catch(() => undefined);
        await admin.end().catch(() => undefined);
        ({ admin, lock } = await reconnect(o, e, ctx.appliedSeq, log));
        locked = true;
        ctx = await contextOf(admin, run, plan, capture);
        continue;
      }
      await new Promise<void>((res) => {
        const t = setTimeout(res, o.intervalMs);
        o.signal?.addEventListener('abort', () => (clearTimeout(t), res()), { once: true });
      });
    }
  } catch (e) {
    // A server gone for good mid-sync, said as the target problem it is (exit 5, resumable).
    if (e instanceof MigrateError) throw e;
    throw connectionLost(e) ? targetLostError(e, o, null, '') : targetError(e) ?? e;
  } finally {
    reader?.close();
    live.close();
    if (locked) await releaseTargetLock(lock, o.schema).catch(() => undefined);
    await lock.end().catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
}

/**
 * A first sync that failed leaves nothing in app.db: the capture it installed is removed in one
 * transaction (the run is failed and cannot be continued; a kept staging schema goes with
 * `sqlite2pg prune`). If even that fails, the error says how to remove it.
 */
async function withCaptureRemoved(admin: pg.ClientBase, live: SqliteDb, path: string, e: unknown): Promise<unknown> {
  const state = readCaptureState(live);
  if (!state && ourObjects(live).length === 0) return e;
  // Only a run that never became 'syncing' is given up (its last step failing after that leaves it to the next sync).
  const status = state ? await admin.query<{ status: string }>(`SELECT status FROM sqlite2pg.runs WHERE run_id = $1`, [state.runId]).then((r) => r.rows[0]?.status ?? null, () => null) : null;
  if (status === 'syncing') return e;
  const err = e instanceof MigrateError ? e : targetError(e) ?? new MigrateError('E_INTERNAL', ExitCode.internal, (e as Error).message, { cause: e });
  let said: string;
  try {
    const n = removeCapture(live);
    said = `The change capture this sync installed was removed from ${path} again (${n} objects, one transaction): app.db holds nothing of sqlite2pg; a kept staging schema goes with sqlite2pg prune.`;
  } catch (r) {
    said = `The change capture this sync installed is still in ${path} (removing it failed: ${(r as Error).message}): remove it with sqlite2pg sync ${path} --abort.`;
  }
  const hint = err.hint ? `${err.hint.replace(/ ?sqlite2pg sync \S+ --abort removes capture and staging\./, '')} ${said}`.trim() : said;
  return new MigrateError(err.code, err.exitCode, err.message, { cause: err.cause ?? err, hint, problems: err.problems });
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

