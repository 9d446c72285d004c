/**
 * One offline migration run, composed of its phases (src/run/phases/): pre-flight (preflight-phase,
 * shared with sync and cutover: source file, snapshot directory and its free space, reports
 * directory, target connection and checks, resume lookup, mappings checked against the live
 * source's catalog read-only; all problems at once) → source bytes (snapshot) → catalog and plan of the snapshot, whose schema must be
 * the one checked → journal and staging tables → load → keys, indexes, constraints → verify → cutover (or dry-run cleanup) →
 * report. Pre-flight problems throw before anything touches the target. After that, every
 * outcome is recorded in the RunResult and the journal; the live schema changes only in the
 * cutover transaction.
 */
import { join, resolve } from 'node:path';
import { ExitCode, MigrateError, UsageError, VerifyError, type ExitCodeValue } from '../errors.js';
import type { Invocation, ObjectCounts, Outcome, RunResult } from '../model/run-result.js';
import { explainSqliteError } from '../source/sqlite-db.js';
import { discardSnapshot } from '../source/snapshot.js';
import type pg from 'pg';
import { connectTarget, targetError, type TargetSettings } from '../load/target.js';
import type { TableLoad } from '../load/load-tables.js';
import { interruptedError } from '../load/copy-chunk.js';
import { startPostLoad, type PostLoadScheduler } from '../load/post-load.js';
import { QuarantineDir } from '../load/quarantine-files.js';
import type { TableVerification } from '../verify/verify-tables.js';
import { ensureJournal, runSchemaName, setRunOperator, setRunStatus, type RunRow } from '../cutover/journal.js';
import { acquireTargetLock, releaseTargetLock } from '../cutover/target-lock.js';
import { reportStem, writeReports } from './write-report.js';
import { NO_CUTOVER, NO_OBJECTS, targetFacts } from './run-result-parts.js';
import { TOOL_VERSION } from '../version.js';
import { StepLog, type RunEvents } from './step-log.js';
import { newRunId, prepare } from './phases/prepare.js';
import { readSource, settleSnapshot, type SnapshotSettings, type SourceBytes } from './phases/source-phase.js';
import { findResumable } from './phases/target-phase.js';
import { preflight } from './phases/preflight-phase.js';
import { createStaging, journalRun } from './phases/stage-phase.js';
import { loadPhase } from './phases/load-phase.js';
import { verifyPhase } from './phases/verify-phase.js';
import { cutoverPhase, dropStaging } from './phases/cutover-phase.js';
import { checkSwap, rehearseForeignKeys } from './phases/swap-check-phase.js';
import { assembleRunResult, castSamples, tableResult } from './phases/run-result.js';

export type { RunEvents } from './step-log.js';
export { newRunId, prepare } from './phases/prepare.js';

export interface MigrateOptions {
  readonly sourcePath: string;
  readonly target: TargetSettings;
  readonly embedded: boolean;
  readonly schema: string;
  readonly mappingsDir: string;
  readonly mode: 'cutover' | 'dry-run';
  readonly keepStaging: boolean;
  readonly lanes: number;
  readonly chunkRows: number;
  readonly reportsDir: string;
  readonly allowQuarantine: boolean;
  /** Differing rows listed per table when verification fails. */
  readonly diffLimit: number;
  readonly orphans: 'not-valid' | 'fail';
  readonly fold: 'none' | 'snake' | 'lower';
  readonly snapshot: SnapshotSettings;
  /** Skip `PRAGMA quick_check` of the source (huge files); the report says it was skipped. */
  readonly skipIntegrityCheck?: boolean;
  /** Continue the newest interrupted run of this schema instead of starting a new one. */
  readonly resume: boolean;
  /** Install the fallback capture triggers in the cutover transaction (default true; `--no-fallback-capture`). */
  readonly fallbackCapture?: boolean;
  readonly events?: RunEvents;
  readonly signal?: AbortSignal;
  /** Who ran it and how, for the report and its hints. */
  readonly invocation?: Invocation;
}

export interface RunOutcome {
  readonly result: RunResult;
  readonly reportPath: string;
  readonly jsonPath: string;
  readonly exitCode: ExitCodeValue;
  /** Why the report files could not be written (then exit 9 after a cutover), else null. */
  readonly reportError?: string | null;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interruptedError();
}

export async function migrate(o: MigrateOptions): Promise<RunOutcome> {
  const startedAt = new Date();
  let runId = newRunId(startedAt);
  const log = new StepLog(startedAt.getTime(), o.events);

  // --- Pre-flight: every check that can fail fast runs before the snapshot copies the source. ---
  const pf = await preflight(o, { liveMappings: true, targetWritable: true, ...(o.resume ? { findRun: (c: pg.ClientBase) => findResumable(c, o.schema) } : {}) }, log);
  const { sizeBytes, live, admin, lock } = pf;
  const resumed: RunRow | null = pf.run;
  if (resumed) runId = resumed.run_id;
  let read: SourceBytes | null = null;
  const pre = await (async () => {
    // Only now the copy; then the plan from the bytes the run reads, whose schema must be the one checked.
    read = await readSource(o, runId, resumed, log);
    const r = read;
    const p = live && r.readPath === o.sourcePath ? live : await log.timed('read catalog and plan', 'pre', () => prepare(o, r.readPath, sizeBytes));
    if (live && p.schemaHash !== live.schemaHash) {
      throw new MigrateError('E_SOURCE_SCHEMA_CHANGED', ExitCode.capture, `The schema of ${o.sourcePath} changed between the pre-flight check and the snapshot.`, { hint: 'An application changed its tables while the run started; run again once the schema is stable.' });
    }
    if (resumed && resumed.mapping_hash !== null && resumed.mapping_hash !== p.mappingHash) {
      // Kept tables were loaded under the old rules: mixing them with new ones would prove nothing.
      throw new UsageError(`Cannot resume run ${resumed.run_id}: the mapping files changed since it started.`, { hint: 'Start a new run without --resume (or restore the mapping files it used).' });
    }
    return { serverVersion: pf.serverVersion, bytes: r, prepared: p };
  })().catch(async (e: unknown) => {
    await pf.close();
    // Stopped before it started: the snapshot it just took is of no use (unless asked for).
    const b = read as SourceBytes | null;
    if (b?.snapshotTaken && b.snapshotPath && !o.snapshot.keep) await discardSnapshot(b.snapshotPath).catch(() => undefined);
    throw explainSqliteError(e, b?.readPath ?? o.sourcePath) ?? targetError(e) ?? e;
  });
  const { bytes, prepared } = pre;
  const serverVersion: string | null = pre.serverVersion;
  const { plan, mappingHash, warnings: planWarnings } = prepared;
  for (const w of planWarnings) log.warn(w);

  const staging = resumed?.staging_schema ?? runSchemaName('staging', runId);
  const previous = runSchemaName('previous', runId);
  const reportBase = reportStem(startedAt, o.sourcePath, o.mode);
  const reportsDir = resolve(o.reportsDir);
  const quarantine = new QuarantineDir(join(reportsDir, reportBase, 'quarantine'));
  let loads: TableLoad[] = [];
  /** Tables whose load finished, so a failed run still reports what it did. */
  const completed: TableLoad[] = [];
  const verifications = new Map<string, TableVerification>();
  let objects: ObjectCounts = NO_OBJECTS;
  let cutover: RunResult['cutover'] = NO_CUTOVER;
  let error: MigrateError | null = null;
  let locked = false;
  let journaled = false;
  /** The staging schema exists and is kept on failure: `--resume` can continue the run. */
  let staged = false;
  let outcome: Outcome = 'passed';
  let exitCode: ExitCodeValue = ExitCode.ok;
  let postLoad: PostLoadScheduler | null = null;

  try {
    await acquireTargetLock(lock, o.schema);
    locked = true;
    // The swap rehearsed before anything is written: a cutover that would fail stops the run here.
    const rehearsal = await checkSwap(admin, plan, { live: o.schema, previous, mode: o.mode }, log);
    await ensureJournal(admin);
    const run = { runId, mode: o.mode, schema: o.schema, staging, sourcePath: resolve(o.sourcePath), snapshotPath: bytes.snapshotPath, sha256: bytes.sha256, size: sizeBytes, mappingHash, version: TOOL_VERSION };
    const kept = await journalRun(admin, plan, run, resumed, log);
    journaled = true;
    if (o.invocation) await setRunOperator(admin, runId, `${o.invocation.user}@${o.invocation.host}`);
    const keptNames = new Set(kept.map((k) => k.table.source));
    const toLoad = plan.tables.filter((t) => !keptNames.has(t.source));
    await createStaging(admin, { staging, runId, resumed: resumed !== null }, toLoad, log);
    staged = true;

    // A table's keys and indexes are built as soon as its load is done, on connections of their own.
    const scheduler = (postLoad = startPostLoad(() => connectTarget(o.target), Math.max(2, o.lanes), plan, { schema: staging, liveSchema: o.schema, t0: log.t0, orphans: o.orphans, onStep: (s) => log.step(s), ...(log.events.sql ? { log: log.events.sql } : {}) }));
    const loaded = await loadPhase(admin, { ...plan, tables: toLoad }, { readPath: bytes.readPath, staging, runId, target: o.target, lanes: o.lanes, chunkRows: o.chunkRows, quarantine, onTableLoaded: (t) => scheduler.tableLoaded(t), ...(o.signal ? { signal: o.signal } : {}) }, completed, log);
    loads = [...kept, ...loaded];
    throwIfAborted(o.signal);
    // Keys, indexes, constraints; the last tables' ANALYZE goes on beside verification.
    const post = await log.timed('build keys, indexes, constraints', 'post', () => scheduler.finish());
    throwIfAborted(o.signal);
    objects = post.objects;
    for (const w of post.warnings) log.warn(w);

    await verifyPhase(admin, loads, { readPath: bytes.readPath, staging, runId, target: o.target, lanes: o.lanes, chunkRows: o.chunkRows, diffLimit: o.diffLimit }, verifications, log);
    throwIfAborted(o.signal);
    const mismatched = [...verifications.values()].filter((v) => !v.match);
    if (mismatched.length) {
      throw new VerifyError(`Verification failed for ${mismatched.length} table${mismatched.length > 1 ? 's' : ''}: ${mismatched.map((m) => m.table.target).join(', ')}.`, {
        hint: `No cutover was done. The staging schema ${staging} was kept for inspection.`,
      });
    }
    // Every table's statistics before the swap (the application's first queries are planned with them) or the staging schema's drop.
    await scheduler.settle();
    throwIfAborted(o.signal);
    const quarantined = loads.reduce((n, l) => n + l.rowsQuarantined, 0);
    if (quarantined > 0 && !o.allowQuarantine) {
      outcome = 'passed-with-quarantine';
      exitCode = ExitCode.quarantined;
    }

    if (o.mode === 'cutover' && exitCode === ExitCode.ok) {
      cutover = await cutoverPhase(admin, plan, { live: o.schema, staging, previous, runId, embedded: o.embedded, orphans: o.orphans, capture: o.fallbackCapture === false ? null : { fingerprint: bytes.hashes, sourcePath: o.sourcePath }, ...(o.invocation ? { invocation: o.invocation } : {}) }, log);
    } else {
      if (o.mode === 'dry-run') cutover = { ...NO_CUTOVER, replaces: rehearsal.replaces, dependents: rehearsal.dependents, foreignKeys: await rehearseForeignKeys(admin, rehearsal, staging, log) };
      if (!o.keepStaging) await dropStaging(admin, staging, log);
    }
    await setRunStatus(admin, runId, o.mode === 'cutover' && cutover.performed ? 'cut-over' : o.mode === 'dry-run' ? 'dry-run' : 'failed');
  } catch (e) {
    // No post-load work outlives a failed or interrupted run (a passed one has settled it).
    await postLoad?.close();
    if (loads.length === 0) loads = [...completed];
    // A damaged page met mid-run is the source's fault (exit 4), not a bug; a target condition is exit 5.
    error = e instanceof MigrateError ? e : explainSqliteError(e, bytes.readPath) ?? targetError(e) ?? new MigrateError('E_INTERNAL', ExitCode.internal, (e as Error).message, { cause: e });
    outcome = error.exitCode === ExitCode.verify ? 'verify-mismatch' : 'failed';
    exitCode = error.exitCode;
    if (journaled) await setRunStatus(admin, runId, 'failed', { error: error.message }).catch(() => undefined);
  } finally {
    await settleSnapshot(journaled ? admin : null, runId, bytes, { cutOver: cutover.performed, keep: Boolean(o.snapshot.keep), resumable: error !== null && staged }, log).catch(() => undefined);
    if (locked) await releaseTargetLock(lock, o.schema).catch(() => undefined);
    await lock.end().catch(() => undefined);
    await admin.end().catch(() => undefined);
  }

  const tables = loads.map((l) => tableResult(l, verifications.get(l.table.source)));
  const result = assembleRunResult({
    runId,
    mode: o.mode,
    outcome,
    startedAt,
    finishedAt: new Date(),
    source: { path: o.sourcePath, sizeBytes, sha256: bytes.sha256, snapshotPath: bytes.snapshotPath },
    target: targetFacts(o.target, o.schema, serverVersion, o.embedded),
    tables,
    steps: log.steps,
    objects,
    casts: castSamples(bytes.readPath, plan),
    untranslated: plan.untranslated,
    warnings: log.warnings,
    quarantineDir: tables.some((t) => t.quarantineFile) ? quarantine.dir : null,
    cutover,
    error,
    invocation: o.invocation,
    mappingFiles: prepared.mappingFiles,
  });
  try {
    const { reportPath, jsonPath } = await writeReports(result, reportsDir, reportBase);
    return { result, reportPath, jsonPath, exitCode, reportError: null };
  } catch (e) {
    // Never a crash here: after a cutover the live schema HAS changed, and the caller must say so.
    const code = (e as NodeJS.ErrnoException).code;
    const msg = (e as Error).message;
    const why = code && !msg.startsWith(code) ? `${code}: ${msg}` : msg;
    return {
      result,
      reportPath: join(reportsDir, `${reportBase}.md`),
      jsonPath: join(reportsDir, `${reportBase}.json`),
      // Done but unrecorded (9); without a cutover the run's own outcome stands, a passed one becomes a failure to report (5: nothing live changed).
      exitCode: cutover.performed ? ExitCode.reportFailed : exitCode === ExitCode.ok ? ExitCode.load : exitCode,
      reportError: why,
    };
  }
}
