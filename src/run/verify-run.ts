/**
 * `sqlite2pg verify`: compare an already-migrated target with the source, table by table
 * (row count + checksum; differing rows listed), e.g. the morning after the cutover.
 * The source is read again (this is the one place that does a second read by design); the
 * target side is computed inside PostgreSQL. Rows the migration quarantined are excluded.
 */
import { ExitCode, MigrateError, type ExitCodeValue } from '../errors.js';
import type { TablePlan } from '../model/plan.js';
import type { Invocation, RunResult, StepResult, TableResult } from '../model/run-result.js';
import { RUN_RESULT_VERSION } from '../model/run-result.js';
import type { SqliteValue } from '../plan/casts/index.js';
import { checkSqliteFile, openSqlite, type SqliteDb } from '../source/sqlite-db.js';
import { iterateRows, keyReader, columnOffset } from '../source/read-rows.js';
import { connectTarget, type TargetSettings } from '../load/target.js';
import { createRowEncoder, isRowProblem } from '../encode/row-encoder.js';
import { ChecksumAccumulator } from '../encode/checksum.js';
import { verifyTable } from '../verify/verify-tables.js';
import { pinpointDifferences } from '../verify/pinpoint.js';
import { journalExists, listRuns, quarantinedKeys, type RunRow } from '../cutover/journal.js';
import { hashSqliteFile, type SqliteFileHashes } from '../verify/sqlite-file-hash.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { newRunId, prepare } from './phases/prepare.js';
import { reportStem, writeReports } from './write-report.js';
import { NO_CUTOVER, NO_OBJECTS, targetFacts } from './run-result-parts.js';

export interface VerifyOptions {
  readonly sourcePath: string;
  readonly target: TargetSettings;
  readonly embedded: boolean;
  readonly schema: string;
  readonly mappingsDir: string;
  readonly fold: 'none' | 'snake' | 'lower';
  readonly reportsDir: string;
  readonly diffLimit: number;
  readonly onTable?: (table: string, match: boolean) => void;
  /** Who ran it and how, for the report. */
  readonly invocation?: Invocation;
}

/** Source-side count + checksum of a table, exactly as the loader computes it while sending. */
export function sourceChecksum(db: SqliteDb, t: TablePlan, skipKeys: ReadonlySet<string>): ChecksumAccumulator {
  const acc = new ChecksumAccumulator();
  const key = keyReader(t);
  const encode = createRowEncoder(t, key);
  const offset = columnOffset(t);
  for (const row of iterateRows(db, t, null)) {
    if (skipKeys.size > 0 && skipKeys.has(key(row))) continue;
    const r = encode(row as SqliteValue[], offset);
    if (isRowProblem(r)) continue;
    if (r.digest) acc.addDigest(r.digest);
    else acc.add(r.canonical);
  }
  return acc;
}

/**
 * A warning when the source file no longer holds what run `live` migrated, or when that cannot
 * be told; null when it is unchanged. A run that read a snapshot recorded the snapshot's sha256,
 * which never equals the source file's (see sqlite-file-hash.ts): then the snapshot, if it is
 * still there, is compared with the source by content hash.
 */
async function sourceChangeWarning(live: RunRow, source: SqliteFileHashes): Promise<string | null> {
  const then = live.source_sha256;
  if (!then || then === source.sha256) return null;
  const changed = `the source file changed since run ${live.run_id} migrated it`;
  const mayBeWrites = 'differences may be new writes to SQLite';
  if (!live.snapshot_path) return `${changed} (sha256 ${then.slice(0, 12)}… then, ${source.sha256.slice(0, 12)}… now): ${mayBeWrites}`;
  const snapshot = await hashSqliteFile(live.snapshot_path).catch(() => null);
  if (snapshot === null || snapshot.sha256 !== then) {
    return `cannot tell whether the source file changed since run ${live.run_id} migrated it: the run read the snapshot ${live.snapshot_path} (sha256 ${then.slice(0, 12)}…), which is ${snapshot === null ? 'no longer there' : 'no longer that file'}`;
  }
  if (snapshot.contentSha256 === source.contentSha256) return null;
  return `${changed} (its pages differ from the snapshot ${live.snapshot_path} the run read; un-checkpointed WAL writes count too): ${mayBeWrites}`;
}

export async function verifyTarget(o: VerifyOptions): Promise<{ result: RunResult; reportPath: string; jsonPath: string; exitCode: ExitCodeValue }> {
  const startedAt = new Date();
  const t0 = startedAt.getTime();
  const runId = `verify-${newRunId(startedAt)}`;
  const { sizeBytes } = await checkSqliteFile(o.sourcePath);
  const sourceHashes = await hashSqliteFile(o.sourcePath);
  const sha256 = sourceHashes.sha256;
  const { plan, warnings } = await prepare(o, o.sourcePath, sizeBytes);
  const client = await connectTarget(o.target);
  const steps: StepResult[] = [];
  const tables: TableResult[] = [];
  let serverVersion: string | null = null;
  let error: MigrateError | null = null;
  const db = openSqlite(o.sourcePath);
  try {
    serverVersion = (await client.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v.split(' on ')[0]!;
    let skip = new Map<string, Set<string>>();
    if (await journalExists(client)) {
      const live = (await listRuns(client, o.schema)).find((r) => r.status === 'cut-over');
      if (live) {
        skip = await quarantinedKeys(client, live.run_id);
        const changed = await sourceChangeWarning(live, sourceHashes);
        if (changed) warnings.push(changed);
      } else warnings.push(`no cut-over run is recorded for schema ${o.schema}: comparing without excluding quarantined rows`);
    }
    for (const t of plan.tables) {
      const start = Date.now();
      const skipKeys = skip.get(t.source) ?? new Set<string>();
      const acc = sourceChecksum(db, t, skipKeys);
      let v = await verifyTable(client, o.schema, t, { rowsLoaded: acc.count, count: acc.count, sum: acc.sum }).catch((e: Error & { code?: string }) => {
        if (e.code === '42P01') throw new MigrateError('E_VERIFY_NO_TABLE', ExitCode.verify, `Table ${o.schema}.${t.target} does not exist in the target.`, { hint: 'Is this the right --schema, and were the same mapping files used?' });
        throw e;
      });
      if (!v.match) {
        const p = await pinpointDifferences(client, db, o.schema, t, { limit: o.diffLimit, skipKeys });
        v = { ...v, differingRows: p.rows };
        if (p.note) warnings.push(`${t.source}: ${p.note}`);
      }
      const ms = Date.now() - start;
      steps.push({ step: 'checksum', section: 'verify', table: t.target, status: v.match ? 'ok' : 'failed', startMs: start - t0, ms, rows: v.targetRows });
      o.onTable?.(t.source, v.match);
      tables.push({
        source: t.source,
        target: t.target,
        rowsRead: acc.count + skipKeys.size,
        rowsLoaded: acc.count,
        rowsQuarantined: skipKeys.size,
        bytes: 0,
        ms,
        targetRows: v.targetRows,
        checksum: { source: `${acc.count}:${acc.sum}`, target: `${v.targetRows}:${v.targetSum}`, match: v.match },
        differingRows: v.differingRows,
        verifyMs: ms,
        quarantineSample: [],
        quarantineFile: null,
      });
    }
  } catch (e) {
    error = e instanceof MigrateError ? e : new MigrateError('E_INTERNAL', ExitCode.internal, (e as Error).message, { cause: e });
  } finally {
    db.close();
    await client.end().catch(() => undefined);
  }
  const mismatched = tables.filter((t) => t.checksum?.match === false);
  const finishedAt = new Date();
  const result: RunResult = {
    version: RUN_RESULT_VERSION,
    runId,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    mode: 'verify',
    outcome: error ? (error.exitCode === ExitCode.verify ? 'verify-mismatch' : 'failed') : mismatched.length ? 'verify-mismatch' : 'passed',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    ms: finishedAt.getTime() - t0,
    source: { path: o.sourcePath, sizeBytes, sha256, snapshotPath: null },
    target: targetFacts(o.target, o.schema, serverVersion, o.embedded),
    tables,
    steps,
    objects: NO_OBJECTS,
    casts: [],
    untranslated: [],
    warnings,
    quarantineDir: null,
    cutover: NO_CUTOVER,
    ...(o.invocation ? { invocation: o.invocation } : {}),
    error: error ? { code: error.code, message: error.message, hint: error.hint ?? null } : mismatched.length ? { code: 'E_VERIFY_MISMATCH', message: `${mismatched.length} table${mismatched.length > 1 ? 's differ' : ' differs'}: ${mismatched.map((t) => t.target).join(', ')}`, hint: 'The differing rows are listed in the report.' } : null,
  };
  const files = await writeReports(result, o.reportsDir, `${reportStem(startedAt, o.sourcePath, 'verify')}-verify`);
  const exitCode: ExitCodeValue = error ? error.exitCode : mismatched.length ? ExitCode.verify : ExitCode.ok;
  return { result, ...files, exitCode };
}
