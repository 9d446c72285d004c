/**
 * One offline migration run, composed of its phases (src/run/phases/): pre-flight (source file,
 * resume lookup) → source bytes (snapshot) → catalog, mappings, plan → target checks → journal and
 * staging tables → load → keys, indexes, constraints → verify → cutover (or dry-run cleanup) →
 * report. Pre-flight problems throw before anything touches the target. After that, every
 * outcome is recorded in the RunResult and the journal; the live schema changes only in the
 * cutover transaction.
 */
import { join, resolve } from 'node:path';
import { ExitCode, MigrateError, UsageError, VerifyError, type ExitCodeValue } from '../errors.js';
import type { ObjectCounts, Outcome, RunResult } from '../model/run-result.js';
import { checkSqliteFile } from '../source/sqlite-db.js';
import { connectTarget, type TargetSettings } from '../load/target.js';
import type { TableLoad } from '../load/load-tables.js';
import { interruptedError } from '../load/copy-chunk.js';
import { startPostLoad } from '../load/post-load.js';
import { QuarantineDir } from '../load/quarantine-files.js';
import type { TableVerification } from '../verify/verify-tables.js';
import { ensureJournal, runSchemaName, setRunStatus, type RunRow } from '../cutover/journal.js';
import { acquireTargetLock, releaseTargetLock } from '../cutover/target-lock.js';
import { reportStem, writeReports } from './write-report.js';
import { NO_CUTOVER, NO_OBJECTS, targetFacts } from './run-result-parts.js';
import { TOOL_VERSION } from '../version.js';
import { StepLog, type RunEvents } from './step-log.js';
import { newRunId, prepare } from './phases/prepare.js';
import { readSource, type SnapshotSettings } from './phases/source-phase.js';
import { checkServer, findResumable } from './phases/target-phase.js';
import { createStaging, journalRun } from './phases/stage-phase.js';
import { loadPhase } from './phases/load-phase.js';
import { verifyPhase } from './phases/verify-phase.js';
import { cutoverPhase, dropStaging } from './phases/cutover-phase.js';
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
  /** Continue the newest interrupted run of this schema instead of starting a new one. */
  readonly resume: boolean;
  readonly events?: RunEvents;
  readonly signal?: AbortSignal;
}

export interface RunOutcome {
  readonly result: RunResult;
  readonly reportPath: string;
  readonly jsonPath: string;
  readonly exitCode: ExitCodeValue;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interruptedError();
}

export async function migrate(o: MigrateOptions): Promise<RunOutcome> {
  const startedAt = new Date();
  let runId = newRunId(startedAt);
  const log = new StepLog(startedAt.getTime(), o.events);

  // --- Pre-flight: nothing touches the target until all of this passed. ---
  const { sizeBytes } = await checkSqliteFile(o.sourcePath);
  const resumed: RunRow | null = o.resume ? await findResumable(o.target, o.schema) : null;
  if (resumed) runId = resumed.run_id;
  const bytes = await readSource(o, runId, resumed, log);
  const { plan, mappingHash, warnings: planWarnings } = await log.timed('read catalog and plan', 'pre', () => prepare(o, bytes.readPath, sizeBytes));
  for (const w of planWarnings) log.warn(w);
  if (resumed && resumed.mapping_hash !== null && resumed.mapping_hash !== mappingHash) {
    // Kept tables were loaded under the old rules: mixing them with new ones would prove nothing.
    throw new UsageError(`Cannot resume run ${resumed.run_id}: the mapping files changed since it started.`, { hint: 'Start a new run without --resume (or restore the mapping files it used).' });
  }

  const admin = await connectTarget(o.target);
  const lock = await connectTarget(o.target);
  const staging = resumed?.staging_schema ?? runSchemaName('staging', runId);
  const previous = runSchemaName('previous', runId);
  const reportBase = reportStem(startedAt, o.sourcePath, o.mode);
  const reportsDir = resolve(o.reportsDir);
  const quarantine = new QuarantineDir(join(reportsDir, reportBase, 'quarantine'));
  let serverVersion: string | null = null;
  let loads: TableLoad[] = [];
  /** Tables whose load finished, so a failed run still reports what it did. */
  const completed: TableLoad[] = [];
  const verifications = new Map<string, TableVerification>();
  let objects: ObjectCounts = NO_OBJECTS;
  let cutover: RunResult['cutover'] = NO_CUTOVER;
  let error: MigrateError | null = null;
  let locked = false;
  let journaled = false;
  let outcome: Outcome = 'passed';
  let exitCode: ExitCodeValue = ExitCode.ok;

  try {
    serverVersion = await checkServer(admin, o.target.database);
    await acquireTargetLock(lock, o.schema);
    locked = true;
    await ensureJournal(admin);
    const run = { runId, mode: o.mode, schema: o.schema, staging, sourcePath: resolve(o.sourcePath), snapshotPath: bytes.snapshotPath, sha256: bytes.sha256, size: sizeBytes, mappingHash, version: TOOL_VERSION };
    const kept = await journalRun(admin, plan, run, resumed, log);
    journaled = true;
    const keptNames = new Set(kept.map((k) => k.table.source));
    const toLoad = plan.tables.filter((t) => !keptNames.has(t.source));
    await createStaging(admin, { staging, runId, resumed: resumed !== null }, toLoad, log);

    // A table's keys and indexes are built as soon as its load is done, on connections of their own.
    const postLoad = startPostLoad(() => connectTarget(o.target), Math.max(2, o.lanes), plan, { schema: staging, liveSchema: o.schema, t0: log.t0, orphans: o.orphans, onStep: (s) => log.step(s), ...(log.events.sql ? { log: log.events.sql } : {}) });
    const loaded = await loadPhase(admin, { ...plan, tables: toLoad }, { readPath: bytes.readPath, staging, runId, target: o.target, lanes: o.lanes, chunkRows: o.chunkRows, quarantine, onTableLoaded: (t) => postLoad.tableLoaded(t), ...(o.signal ? { signal: o.signal } : {}) }, completed, log).catch(async (e: unknown) => {
      await postLoad.close();
      throw e;
    });
    loads = [...kept, ...loaded];
    if (o.signal?.aborted) await postLoad.close();
    throwIfAborted(o.signal);
    const post = await log.timed('build keys, indexes, constraints', 'post', () => postLoad.finish());
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
    const quarantined = loads.reduce((n, l) => n + l.rowsQuarantined, 0);
    if (quarantined > 0 && !o.allowQuarantine) {
      outcome = 'passed-with-quarantine';
      exitCode = ExitCode.quarantined;
    }

    if (o.mode === 'cutover' && exitCode === ExitCode.ok) {
      cutover = await cutoverPhase(admin, plan, { live: o.schema, staging, previous, runId, embedded: o.embedded }, log);
    } else if (!o.keepStaging) {
      await dropStaging(admin, staging, log);
    }
    await setRunStatus(admin, runId, o.mode === 'cutover' && cutover.performed ? 'cut-over' : o.mode === 'dry-run' ? 'dry-run' : 'failed');
  } catch (e) {
    if (loads.length === 0) loads = [...completed];
    error = e instanceof MigrateError ? e : new MigrateError('E_INTERNAL', ExitCode.internal, (e as Error).message, { cause: e });
    outcome = error.exitCode === ExitCode.verify ? 'verify-mismatch' : 'failed';
    exitCode = error.exitCode;
    if (journaled) await setRunStatus(admin, runId, 'failed', { error: error.message }).catch(() => undefined);
  } finally {
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
  });
  const { reportPath, jsonPath } = await writeReports(result, reportsDir, reportBase);
  return { result, reportPath, jsonPath, exitCode };
}
