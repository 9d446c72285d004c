/**
 * `sqlite2pg verify`: compare an already-migrated target with the source, table by table
 * (row count + checksum; differing rows listed), e.g. the morning after the cutover.
 * The source is read again (this is the one place that does a second read by design); the
 * target side is computed inside PostgreSQL. Rows the migration quarantined are excluded.
 */
import { ExitCode, MigrateError, type ExitCodeValue } from '../errors.js';
import type { Invocation, RunResult, StepResult, TableResult } from '../model/run-result.js';
import { RUN_RESULT_VERSION } from '../model/run-result.js';
import { checkSqliteFile, openSqlite, type SqliteDb } from '../source/sqlite-db.js';
import { iterateRows } from '../source/read-rows.js';
import { connectTarget, type TargetSettings } from '../load/target.js';
import { checksumText, sourceChecksum } from '../verify/source-checksum.js';
import { verifyTable } from '../verify/verify-tables.js';
import { pinpointDifferences } from '../verify/pinpoint.js';
import { journalExists, listRuns, quarantinedKeys, type RunRow } from '../cutover/journal.js';
import { changedTables, describeFingerprint, recordedChecksums, type TableFingerprint } from '../cutover/source-identity.js';
import { hashSqliteFile } from '../source/sqlite-file-hash.js';
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

export interface SourceChangeFacts {
  readonly runId: string;
  readonly sourcePath: string;
  readonly recordedSha256: string | null;
  readonly sha256: string;
  /** The source is in WAL mode now: its main file's bytes are no fingerprint of its rows. */
  readonly wal: boolean;
  /** The mapping files differ from the run's: its checksums are of other canonical forms. */
  readonly mappingsChanged: boolean;
  readonly tables: readonly TableFingerprint[];
}

/**
 * A warning when the source no longer holds what run `runId` migrated, or when that cannot be
 * told; null when it still does. Like is compared with like: the per-table count and checksum the
 * run recorded for the rows it read (the migrate's load, or the sync carried to the cutover) with
 * the same checksum of the source now, computed by this verify anyway. File bytes cannot tell:
 * a WAL source's snapshot is written by VACUUM INTO, whose pages never equal the source's, and a
 * WAL file's bytes change on every checkpoint while its rows do not. Equal bytes do prove
 * "unchanged" (a rollback-journal source, snapshotted byte for byte).
 */
export function sourceChangeWarning(f: SourceChangeFacts): string | null {
  if (f.recordedSha256 !== null && f.recordedSha256 === f.sha256) return null;
  const since = `since run ${f.runId} migrated it`;
  if (f.mappingsChanged) {
    return `cannot tell whether the source ${f.sourcePath} changed ${since}: the mapping files differ from the ones the run used, so the checksums it recorded are not comparable; differences may be new writes to SQLite or the other mappings`;
  }
  const changed = changedTables(f.tables);
  if (changed.length) {
    const shown = changed.slice(0, 10).map(describeFingerprint);
    const more = changed.length > shown.length ? `, and ${changed.length - shown.length} more` : '';
    const names = changed.map((t) => t.table);
    return `the source ${f.sourcePath} changed ${since}: the rows of ${changed.length} table${changed.length > 1 ? 's' : ''} differ from the ones the run read (count:checksum): ${shown.join(', ')}${more}. Differences verify finds in ${names.length > 1 ? 'these tables' : names[0]} may be writes made to SQLite after the migration, not rows the migration lost`;
  }
  if (f.wal || f.recordedSha256 === null) return null;
  return `the source ${f.sourcePath} is not byte for byte the file run ${f.runId} read (sha256 ${f.recordedSha256.slice(0, 12)}… then, ${f.sha256.slice(0, 12)}… now), but every table holds the rows the run migrated: the change is outside what the mappings carry (a table or object not migrated, a VACUUM, or bytes a cast drops); the result is not affected`;
}

export async function verifyTarget(o: VerifyOptions): Promise<{ result: RunResult; reportPath: string; jsonPath: string; exitCode: ExitCodeValue }> {
  const startedAt = new Date();
  const t0 = startedAt.getTime();
  const runId = `verify-${newRunId(startedAt)}`;
  const { sizeBytes } = await checkSqliteFile(o.sourcePath);
  const sourceHashes = await hashSqliteFile(o.sourcePath);
  const sha256 = sourceHashes.sha256;
  const { plan, warnings, mappingHash } = await prepare(o, o.sourcePath, sizeBytes);
  const client = await connectTarget(o.target);
  const steps: StepResult[] = [];
  const tables: TableResult[] = [];
  let serverVersion: string | null = null;
  let error: MigrateError | null = null;
  const db = openSqlite(o.sourcePath);
  try {
    serverVersion = (await client.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v.split(' on ')[0]!;
    let skip = new Map<string, Set<string>>();
    let against: { live: RunRow; recorded: Map<string, string> } | null = null;
    const now = new Map<string, string>();
    if (await journalExists(client)) {
      const live = (await listRuns(client, o.schema)).find((r) => r.status === 'cut-over');
      if (live) {
        skip = await quarantinedKeys(client, live.run_id);
        against = { live, recorded: await recordedChecksums(client, live) };
      } else warnings.push(`no cut-over run is recorded for schema ${o.schema}: comparing without excluding quarantined rows`);
    }
    for (const t of plan.tables) {
      const start = Date.now();
      const skipKeys = skip.get(t.source) ?? new Set<string>();
      const { acc, unconverted } = sourceChecksum(iterateRows(db, t, null), t, skipKeys);
      now.set(t.source, checksumText(acc, unconverted));
      let v = await verifyTable(client, o.schema, t, { rowsLoaded: acc.count, count: acc.count, sum: acc.sum }).catch((e: Error & { code?: string }) => {
        if (e.code === '42P01') throw new MigrateError('E_VERIFY_NO_TABLE', ExitCode.verify, `Table ${o.schema}.${t.target} does not exist in the target.`, { hint: 'Is this the right --schema, and were the same mapping files used?' });
        throw e;
      });
      if (unconverted.count) {
        // Not in the target, and not quarantined by the run: a difference, whatever the checksums say.
        v = { ...v, match: false };
        const first = unconverted.sample[0]!;
        warnings.push(
          `${t.source}: ${unconverted.count} source row${unconverted.count > 1 ? 's' : ''} cannot be converted under the mapping files and ${unconverted.count > 1 ? 'were' : 'was'} not quarantined by the migration, so ${unconverted.count > 1 ? 'they are' : 'it is'} not in the target (first: ${first.key}${first.column ? `, column ${first.column}` : ''}: ${first.reason}); rows written to SQLite after the migration, or other mapping files`,
        );
      }
      if (!v.match) {
        const p = await pinpointDifferences(client, db, o.schema, t, { limit: o.diffLimit, skipKeys });
        const listed = new Set(p.rows.map((r) => r.key));
        const missing = unconverted.sample.filter((u) => !listed.has(u.key)).map((u) => ({ key: u.key, kind: 'missing-in-target' as const, columns: [] }));
        v = { ...v, differingRows: [...p.rows, ...missing].slice(0, Math.max(o.diffLimit, p.rows.length)) };
        if (p.note) warnings.push(`${t.source}: ${p.note}`);
      }
      const ms = Date.now() - start;
      steps.push({ step: 'checksum', section: 'verify', table: t.target, status: v.match ? 'ok' : 'failed', startMs: start - t0, ms, rows: v.targetRows });
      o.onTable?.(t.source, v.match);
      tables.push({
        source: t.source,
        target: t.target,
        rowsRead: acc.count + skipKeys.size + unconverted.count,
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
    if (against) {
      const { live, recorded } = against;
      const names = [...new Set([...plan.tables.map((t) => t.source), ...recorded.keys()])];
      const changed = sourceChangeWarning({
        runId: live.run_id,
        sourcePath: o.sourcePath,
        recordedSha256: live.source_sha256,
        sha256,
        wal: sourceHashes.wal,
        mappingsChanged: live.mapping_hash !== null && live.mapping_hash !== mappingHash,
        tables: names.map((table) => ({ table, recorded: recorded.get(table), now: now.get(table) ?? null })),
      });
      if (changed) warnings.push(changed);
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
