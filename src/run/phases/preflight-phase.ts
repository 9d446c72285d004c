/**
 * The fail-fast pre-flight shared by `migrate`, `sync` and `cutover`: every check that can fail
 * before anything is written anywhere (app.db, snapshot directory, target). The source file, the
 * snapshot directory and its free space, the caller's own source check (online: app.db writable
 * for capture, WAL), the reports directory, the run being resumed or continued, the mappings
 * against the live source's catalog (read-only), the target connection, server and privileges.
 * Independent checks all run, and their problems are reported at once (the exit code of the
 * first, in this order); on success the caller owns the two target connections.
 */
import type pg from 'pg';
import { ExitCode, MigrateError } from '../../errors.js';
import type { RunRow } from '../../cutover/journal.js';
import { JOURNAL_SCHEMA } from '../../cutover/journal.js';
import { checkTargetWritable, connectTarget, targetError, type TargetSettings } from '../../load/target.js';
import { checkSqliteFile, explainSqliteError } from '../../source/sqlite-db.js';
import { checkReportsDir } from '../write-report.js';
import type { StepLog } from '../step-log.js';
import { prepare, type PrepareOptions, type Prepared } from './prepare.js';
import { checkSnapshotSpace, checkSourceSettings, type SnapshotSettings } from './source-phase.js';
import { checkServer } from './target-phase.js';

export interface PreflightOptions extends PrepareOptions {
  readonly target: TargetSettings;
  readonly reportsDir: string;
  readonly snapshot: SnapshotSettings;
}

export interface PreflightSteps {
  /** The caller's own check of the source file, after it is known to be SQLite (online: writable, WAL). */
  readonly checkSource?: () => Promise<void> | void;
  /** The run this call continues (migrate --resume, a sync in progress), looked up on the target. */
  readonly findRun?: (admin: pg.ClientBase) => Promise<RunRow | null>;
  /** Check the mapping files against the live source (skipped when a run was found: it reads its snapshot). */
  readonly liveMappings: boolean;
  /** Check the plan of the live source further (online: every table keyed); problems are thrown. */
  readonly checkPlan?: (p: Prepared) => void;
  /** Check the target's privileges (CREATE on the database and schema; not needed by a cutover). */
  readonly targetWritable: boolean;
}

export interface Preflight {
  readonly sizeBytes: number;
  readonly run: RunRow | null;
  /** The live source's catalog, mappings and plan; null when not checked. */
  readonly live: Prepared | null;
  readonly serverVersion: string;
  readonly admin: pg.Client;
  /** A second connection, for the target's advisory lock. */
  readonly lock: pg.Client;
  close(): Promise<void>;
}

/** A pre-flight failure said as what it is: a source problem (exit 4), a target problem (exit 5), or as thrown. */
function explain(e: unknown, sourcePath: string): MigrateError {
  if (e instanceof MigrateError) return explainSqliteError(e, sourcePath) ?? e;
  return explainSqliteError(e, sourcePath) ?? targetError(e) ?? new MigrateError('E_INTERNAL', ExitCode.internal, (e as Error).message, { cause: e });
}

/** One error for all problems found: the first one's code, each one's message, problems and hint. */
export function allProblems(errors: readonly MigrateError[]): MigrateError {
  if (errors.length === 1) return errors[0]!;
  const first = errors[0]!;
  const problems = errors.flatMap((e) => [`${e.message}${e.hint ? ` (${e.hint})` : ''}`, ...e.problems.map((p) => `  · ${p}`)]);
  return new MigrateError(first.code, first.exitCode, `The pre-flight found ${errors.length} problems; nothing was changed (neither the source nor the target):`, { problems, hint: 'Fix them all and run again.', cause: first });
}

export async function preflight(o: PreflightOptions, steps: PreflightSteps, log: StepLog): Promise<Preflight> {
  const errors: MigrateError[] = [];
  const attempt = async <T>(f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (e) {
      errors.push(explain(e, o.sourcePath));
      return null;
    }
  };
  // 1. The source file, the snapshot directory (its own, with room for a copy), the caller's check.
  const file = await attempt(() => checkSqliteFile(o.sourcePath));
  await attempt(() => checkSourceSettings(o));
  if (file) {
    await attempt(() => checkSnapshotSpace(o, file.sizeBytes));
    if (steps.checkSource) await attempt(async () => steps.checkSource!());
  }
  const sourceOk = errors.length === 0;
  // 2. Where the report goes.
  await attempt(() => checkReportsDir(o.reportsDir));
  // 3. The target: connection (password, database), the run continued, version, encoding, privileges.
  const admin = await attempt(() => connectTarget(o.target));
  const lock = admin ? await attempt(() => connectTarget(o.target)) : null;
  const close = async (): Promise<void> => {
    await lock?.end().catch(() => undefined);
    await admin?.end().catch(() => undefined);
  };
  let run: RunRow | null = null;
  let serverVersion: string | null = null;
  if (admin && lock) {
    serverVersion = await attempt(() => checkServer(admin, o.target.database));
    if (steps.targetWritable) await attempt(() => checkTargetWritable(admin, o.schema, JOURNAL_SCHEMA));
    if (steps.findRun) run = await attempt(() => steps.findRun!(admin));
  }
  // 4. The mappings against the live source's catalog, read-only (a continued run reads its snapshot).
  let live: Prepared | null = null;
  if (sourceOk && file && steps.liveMappings && run === null) {
    live = await attempt(() => log.timed('check mappings', 'pre', () => prepare(o, o.sourcePath, file.sizeBytes)));
    if (live && steps.checkPlan) {
      const p = live;
      await attempt(async () => steps.checkPlan!(p));
    }
  }
  if (errors.length || !file || !admin || !lock || serverVersion === null) {
    await close();
    throw allProblems(errors);
  }
  return { sizeBytes: file.sizeBytes, run, live, serverVersion, admin, lock, close };
}
