/**
 * `sqlite2pg cutover`: the window of an online run. Catch up while the application still writes;
 * then take SQLite's write lock (BEGIN IMMEDIATE on app.db: no write can slip in, even from an
 * application that was not stopped), check capture is intact, apply the last changes, prove them
 * (per changed key in the last round, the carried-forward counts and sums, and inside the swap's
 * transaction the staging counters: no table is read), swap staging in exactly as `migrate` does
 * (cutoverPhase, retried on a lock timeout), fence app.db (writes to migrated tables now fail
 * naming the run), remove capture, and COMMIT the SQLite transaction. Downtime: from the write lock to the swap committed. Any failure
 * before the swap rolls the SQLite transaction back: app.db is unchanged and writable.
 */
import { resolve } from 'node:path';
import { ExitCode, LoadError, MigrateError, UsageError, VerifyError, type ExitCodeValue } from '../errors.js';
import type { OnlineFacts, OnlineWindow, Outcome, RunResult, TableResult } from '../model/run-result.js';
import { openSqlite, type SqliteDb } from '../source/sqlite-db.js';
import type { TargetSettings } from '../load/target.js';
import { identitySql } from '../plan/ddl.js';
import { ensureJournal, ensureSyncJournal, runSchemaName, setRunStatus, setSyncDowntime, syncState, syncingRun, tableStates, type RunRow } from '../cutover/journal.js';
import { acquireTargetLock, releaseTargetLock } from '../cutover/target-lock.js';
import { proveStagingCounters } from '../cutover/staging-counters.js';
import { CaptureError } from '../capture/capture-error.js';
import { changesHead, checkCapture, checkCaptureWritable, dropCaptureObjects, installFences, openLiveWritable, readCaptureState, requireWal, BUSY_TIMEOUT_MS } from '../capture/capture.js';
import { StepLog, type RunEvents } from './step-log.js';
import { cutoverPhase } from './phases/cutover-phase.js';
import type { Invocation } from '../model/run-result.js';
import { preflight } from './phases/preflight-phase.js';
import { assembleRunResult } from './phases/run-result.js';
import { NO_CUTOVER, NO_OBJECTS, targetFacts } from './run-result-parts.js';
import { reportStem, writeReports } from './write-report.js';
import { captureOfRun, catchUp, contextOf, planOfRun, type SyncContext } from './sync-run.js';

export interface OnlineCutoverOptions {
  readonly sourcePath: string;
  readonly target: TargetSettings;
  readonly embedded: boolean;
  readonly schema: string;
  readonly mappingsDir: string;
  readonly fold: 'none' | 'snake' | 'lower';
  readonly reportsDir: string;
  readonly allowQuarantine: boolean;
  /** The swap's PostgreSQL lock timeout, per attempt. */
  readonly lockTimeoutMs: number;
  /** Attempts of the swap when its lock times out (the application keeps SQLite meanwhile). */
  readonly swapAttempts: number;
  readonly events?: RunEvents;
  /** What the user typed: the rollback hint names the same command and target (as migrate's). */
  readonly invocation?: Invocation;
}

export interface OnlineCutoverOutcome {
  readonly result: RunResult;
  readonly reportPath: string;
  readonly jsonPath: string;
  readonly exitCode: ExitCodeValue;
  /** Write lock taken → swap committed, ms; null when no swap happened. */
  readonly downtimeMs: number | null;
  readonly changesInWindow: number;
  /** Set when this call only finished an earlier cutover that stopped after its swap. */
  readonly notice: string | null;
}

/**
 * The proof in the window, beyond each round's per-key proof: the carried source and target
 * counts and sums agree. In memory, O(tables); what PostgreSQL holds is proved by the staging
 * counters inside the swap's transaction (proveStagingCounters), never by reading the tables.
 */
function carriedProof(ctx: SyncContext): string[] {
  const problems: string[] = [];
  for (const t of ctx.plan.tables) {
    const c = ctx.carry.get(t.source);
    if (!c) problems.push(`${t.source}: no carried checksum`);
    else if (c.count !== c.targetCount || c.sum !== c.targetSum) problems.push(`${t.source}: carried source checksum ${c.count}:${c.sum} ≠ target ${c.targetCount}:${c.targetSum}`);
  }
  return problems;
}

function proofFailed(problems: readonly string[], staging: string): VerifyError {
  return new VerifyError(`The proof before the swap failed for ${problems.length} table${problems.length > 1 ? 's' : ''}; nothing was cut over: ${problems.slice(0, 5).join('; ')}.`, { problems: [...problems], hint: `app.db is unchanged and writable; the staging schema ${staging} is kept for inspection.` });
}

function isLockTimeout(e: unknown): boolean {
  let x: unknown = e;
  for (let i = 0; i < 4 && x; i++) {
    if ((x as { code?: string }).code === '55P03') return true;
    x = (x as { cause?: unknown }).cause;
  }
  return false;
}

export async function onlineCutover(o: OnlineCutoverOptions): Promise<OnlineCutoverOutcome> {
  const startedAt = new Date();
  const log = new StepLog(startedAt.getTime(), o.events);
  // Pre-flight, shared with migrate and sync: source writable for the fence, reports dir, target and its privileges, all problems at once.
  const pf = await preflight({ ...o, snapshot: { enabled: false, dir: '', retentionDays: 0 } }, { checkSource: () => checkCaptureWritable(o.sourcePath), liveMappings: false, targetWritable: true }, log);
  const { sizeBytes, admin, lock } = pf;
  let live: SqliteDb;
  try {
    live = openLiveWritable(o.sourcePath);
  } catch (e) {
    await pf.close();
    throw e;
  }
  let reader: SqliteDb | null = null;
  let locked = false;
  let run: RunRow | null = null;
  let ctx: SyncContext | null = null;
  let cutover: RunResult['cutover'] = NO_CUTOVER;
  let error: MigrateError | null = null;
  let outcome: Outcome = 'passed';
  let exitCode: ExitCodeValue = ExitCode.ok;
  let downtimeMs: number | null = null;
  let changesInWindow = 0;
  let notice: string | null = null;
  let windowParts: OnlineWindow | null = null;
  let fullReads: string[] = [];
  let stagingMismatches: ReadonlyMap<string, { readonly count: number; readonly sum: bigint }> = new Map();
  let serverVersion: string | null = null;
  try {
    requireWal(live, o.sourcePath);
    serverVersion = pf.serverVersion;
    await acquireTargetLock(lock, o.schema);
    locked = true;
    await ensureJournal(admin);
    await ensureSyncJournal(admin);
    run = await syncingRun(admin, o.schema);
    if (!run) {
      // Killed after the swap committed but before app.db was fenced: the target is cut over and
      // app.db still holds that run's capture. Finish the job: fence and remove capture.
      const state = readCaptureState(live);
      const done = state ? (await admin.query<RunRow>(`SELECT * FROM sqlite2pg.runs WHERE run_id = $1 AND status = 'cut-over'`, [state.runId])).rows[0] : undefined;
      if (state && done) {
        live.exec('BEGIN IMMEDIATE');
        try {
          installFences(live, state.tables.map((t) => t.name), state.runId);
          dropCaptureObjects(live);
          live.exec('COMMIT');
        } finally {
          if (live.inTransaction) live.exec('ROLLBACK');
        }
        throw new MigrateError('E_CUTOVER_FINISHED', ExitCode.ok, `Run ${state.runId} was already cut over (an earlier cutover stopped after the swap): ${o.sourcePath} is now fenced and its capture removed.`);
      }
    }
    if (!run || run.status !== 'syncing') throw new UsageError(`No online sync of schema ${o.schema} is ready for cutover${run ? ` (run ${run.run_id} has not finished loading its snapshot)` : ''}.`, { hint: `Run sqlite2pg sync ${o.sourcePath} --target … first (--once to catch up and exit).` });
    if (run.source_path !== resolve(o.sourcePath)) throw new UsageError(`Run ${run.run_id} syncs ${run.source_path}, not ${resolve(o.sourcePath)}.`);
    const capture = captureOfRun(live, o.sourcePath, run);
    const plan = await planOfRun(o, run);
    const c = await contextOf(admin, run, plan, capture);
    ctx = c;
    reader = openSqlite(o.sourcePath);

    // Outside the window: catch up while the application writes, so the window holds only the last seconds.
    await log.timed('catch up before the window', 'pre', async () => {
      checkCapture(reader!, capture, o.sourcePath);
      await catchUp(admin, reader!, c, changesHead(reader!), false);
    });

    // The window. Each part is timed for the report (OnlineFacts.window).
    const lockAt = Date.now();
    try {
      live.exec('BEGIN IMMEDIATE');
    } catch (e) {
      throw new CaptureError('E_SOURCE_BUSY', `Could not take app.db's write lock within ${BUSY_TIMEOUT_MS / 1000} s: the application holds a long write transaction.`, { cause: e, hint: 'Run cutover again; nothing changed.' });
    }
    const w = { captureCheckMs: 0, lastChangesMs: 0, proofMs: 0, swapMs: 0, fenceMs: null as number | null };
    windowParts = w;
    const timed = async <T>(name: string, part: 'captureCheckMs' | 'lastChangesMs' | 'proofMs', fn: () => Promise<T>): Promise<T> => {
      const t = Date.now();
      try {
        return await log.timed(name, 'cutover', fn);
      } finally {
        w[part] += Date.now() - t;
      }
    };
    try {
      await timed('window: capture check', 'captureCheckMs', async () => checkCapture(live, capture, o.sourcePath));
      await timed('window: last changes', 'lastChangesMs', async () => {
        changesInWindow = await catchUp(admin, live, c, changesHead(live), true);
        // Rows inserted since the snapshot carry ids past the identity's restart point: move it past max(id) again (an index read per identity).
        for (const t of plan.tables) for (const sql of identitySql(c.staging, t).filter((x) => x.startsWith('SELECT setval'))) await admin.query(sql);
      });
      await timed('window: proof', 'proofMs', async () => {
        const problems = carriedProof(c);
        if (problems.length) throw proofFailed(problems, c.staging);
        const q = (await syncState(admin, c.runId))!.tables.reduce((n, t) => n + Number(t.rows_quarantined), 0) + (await tableStates(admin, c.runId)).reduce((n, t) => n + Number(t.rows_quarantined), 0);
        if (q > 0 && !o.allowQuarantine) {
          outcome = 'passed-with-quarantine';
          throw new MigrateError('E_QUARANTINED', ExitCode.quarantined, `${q} row${q > 1 ? 's were' : ' was'} quarantined (see sqlite2pg status and the journal); no cutover was done.`, { hint: 'Fix the rows or their mappings, or accept them with --allow-quarantine.' });
        }
      });
      // Inside the swap's transaction: the staging counters against the carried target counts and
      // sums (O(tables)), their triggers dropped there so they never reach the live schema.
      const beforeSwap = async (client: import('pg').ClientBase): Promise<void> => {
        const t = Date.now();
        try {
          const proof = await proveStagingCounters(client, { runId: c.runId, staging: c.staging, tables: plan.tables, carry: c.carry });
          fullReads = [...proof.fullReads];
          stagingMismatches = proof.mismatches;
          if (proof.problems.length) throw proofFailed(proof.problems, c.staging);
        } finally {
          const d = Date.now() - t;
          w.proofMs += d;
          w.swapMs -= d;
        }
      };
      for (let attempt = 1; ; attempt++) {
        const t = Date.now();
        try {
          cutover = await cutoverPhase(admin, plan, { live: o.schema, staging: c.staging, previous: runSchemaName('previous', c.runId), runId: c.runId, embedded: o.embedded, lockTimeoutMs: o.lockTimeoutMs, capture: { fingerprint: null, sourcePath: o.sourcePath }, beforeSwap, ...(o.invocation ? { invocation: o.invocation } : {}) }, log);
          break;
        } catch (e) {
          if (attempt < o.swapAttempts && isLockTimeout(e)) {
            log.warn(`the swap waited ${o.lockTimeoutMs} ms for a lock on the live tables (attempt ${attempt} of ${o.swapAttempts}); retrying`);
            continue;
          }
          if (isLockTimeout(e)) throw new LoadError('E_CUTOVER_LOCKED', `The swap could not lock the live tables within ${o.lockTimeoutMs} ms, ${o.swapAttempts} times: a long query or transaction on the target holds them.`, { cause: e, hint: 'Nothing was cut over: the application stays on SQLite and app.db is writable. Find the blocker in pg_stat_activity and run cutover again.' });
          throw e;
        } finally {
          w.swapMs += Date.now() - t;
        }
      }
      downtimeMs = Date.now() - lockAt;
      if (fullReads.length) log.warn(`the window read ${fullReads.length === 1 ? 'a table' : `${fullReads.length} tables`} in full, their staging counters could not be trusted: ${fullReads.join('; ')}`);
      // The swap is committed: fence app.db and remove capture in the same SQLite transaction.
      const f = Date.now();
      try {
        installFences(live, capture.tables.map((t) => t.name), c.runId);
        dropCaptureObjects(live);
        live.exec('COMMIT');
      } catch (e) {
        if (live.inTransaction) live.exec('ROLLBACK');
        log.warn(`The cutover is done, but app.db could not be fenced (${(e as Error).message}): make sure the application no longer writes to ${o.sourcePath}.`);
      }
      w.fenceMs = Date.now() - f;
      log.step({ step: 'window: fence app.db', section: 'cutover', status: 'ok', startMs: f - log.t0, ms: w.fenceMs });
    } finally {
      if (live.inTransaction) live.exec('ROLLBACK');
    }
    await setSyncDowntime(admin, c.runId, downtimeMs);
    await setRunStatus(admin, c.runId, 'cut-over');
  } catch (e) {
    if (e instanceof MigrateError && e.code === 'E_CUTOVER_FINISHED') {
      log.note([e.message]);
      notice = e.message;
      run = null;
    } else {
    error = e instanceof MigrateError ? e : new MigrateError('E_INTERNAL', ExitCode.internal, (e as Error).message, { cause: e });
    if (outcome === 'passed') outcome = error.exitCode === ExitCode.verify ? 'verify-mismatch' : 'failed';
    exitCode = error.exitCode;
    }
  } finally {
    reader?.close();
    live.close();
    if (locked) await releaseTargetLock(lock, o.schema).catch(() => undefined);
  }

  // The report: per table, the snapshot load plus the changes applied since; the online facts.
  let tables: TableResult[] = [];
  let online: OnlineFacts | null = null;
  if (run && ctx) {
    const s = await syncState(admin, run.run_id).catch(() => null);
    const loaded = new Map((await tableStates(admin, run.run_id).catch(() => [])).map((t) => [t.source_table, t]));
    tables = ctx.plan.tables.map((t) => {
      const st = s?.tables.find((x) => x.source_table === t.source);
      const l = loaded.get(t.source);
      const carry = ctx!.carry.get(t.source);
      // A staging table the window's proof found different: what it holds, against the carried source.
      const held = stagingMismatches.get(t.source);
      const target = held ?? (carry ? { count: carry.targetCount, sum: carry.targetSum } : null);
      const quarantined = Number(l?.rows_quarantined ?? 0) + Number(st?.rows_quarantined ?? 0);
      return {
        source: t.source,
        target: t.target,
        // The table now: the source rows loaded (the snapshot's plus replay's, by the carried count), read = loaded + quarantined.
        rowsRead: (carry ? carry.count : Number(l?.rows_loaded ?? 0)) + quarantined,
        rowsLoaded: carry ? carry.count : Number(l?.rows_loaded ?? 0),
        rowsQuarantined: quarantined,
        bytes: 0,
        ms: 0,
        targetRows: target ? target.count : null,
        checksum: carry && target ? { source: `${carry.count}:${carry.sum}`, target: `${target.count}:${target.sum}`, match: carry.count === target.count && carry.sum === target.sum } : null,
        differingRows: [],
        verifyMs: null,
        quarantineSample: [],
        quarantineFile: null,
      };
    });
    if (s) {
      online = {
        captureInstalledAt: new Date(s.state.capture_installed_at).toISOString(),
        snapshotSeq: Number(s.state.snapshot_seq),
        appliedSeq: Number(s.state.applied_seq),
        changesApplied: Number(s.state.changes_applied),
        rounds: Number(s.state.rounds),
        tables: s.tables.map((x) => ({ table: x.source_table, keys: Number(x.keys_applied), rowsUpserted: Number(x.rows_upserted), rowsDeleted: Number(x.rows_deleted), rowsQuarantined: Number(x.rows_quarantined) })),
        changesInWindow,
        downtimeMs,
        window: windowParts,
        fullReads,
      };
    }
  }
  await lock.end().catch(() => undefined);
  await admin.end().catch(() => undefined);
  const result = assembleRunResult({
    runId: run?.run_id ?? `cutover-${startedAt.toISOString()}`,
    mode: 'cutover',
    outcome,
    startedAt,
    finishedAt: new Date(),
    source: { path: o.sourcePath, sizeBytes, sha256: run?.source_sha256 ?? null, snapshotPath: run?.snapshot_path ?? null },
    target: targetFacts(o.target, o.schema, serverVersion, o.embedded),
    tables,
    steps: log.steps,
    objects: NO_OBJECTS,
    casts: [],
    untranslated: [],
    warnings: log.warnings,
    quarantineDir: null,
    cutover,
    error,
    online,
  });
  const reportBase = `${reportStem(startedAt, o.sourcePath, 'cutover')}-online`;
  try {
    const { reportPath, jsonPath } = await writeReports(result, resolve(o.reportsDir), reportBase);
    return { result, reportPath, jsonPath, exitCode, downtimeMs, changesInWindow, notice };
  } catch (e) {
    if (cutover.performed) return { result, reportPath: '', jsonPath: '', exitCode: ExitCode.reportFailed, downtimeMs, changesInWindow, notice };
    throw e;
  }
}

