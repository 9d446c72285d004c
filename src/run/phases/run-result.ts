/**
 * The pure assembly of a run's RunResult from what its phases returned; and the report's real
 * "before → after" cast samples.
 */
import { resolve } from 'node:path';
import type { MigrateError } from '../../errors.js';
import type { Plan } from '../../model/plan.js';
import type { CastSample, Invocation, MappingFile, Mode, OnlineFacts, ObjectCounts, Outcome, RunResult, StepResult, TableResult, WriteFreeze } from '../../model/run-result.js';
import { RUN_RESULT_VERSION } from '../../model/run-result.js';
import type { TableLoad } from '../../load/load-tables.js';
import type { TableVerification } from '../../verify/verify-tables.js';
import { excerpt } from '../../encode/row-encoder.js';
import { openSqlite } from '../../source/sqlite-db.js';
import { firstValue } from '../../source/read-rows.js';
import { CastFailure, converterFor, type SqliteValue } from '../../plan/casts/index.js';
import { TOOL_NAME, TOOL_VERSION } from '../../version.js';

/** One table's row of the report: what was read, loaded, quarantined, and how it verified. */
export function tableResult(l: TableLoad, v: TableVerification | undefined): TableResult {
  return {
    source: l.table.source,
    target: l.table.target,
    rowsRead: l.rowsRead,
    rowsLoaded: l.rowsLoaded,
    rowsQuarantined: l.rowsQuarantined,
    bytes: l.bytes,
    ms: l.ms,
    targetRows: v?.targetRows ?? null,
    checksum: { source: `${l.checksum.count}:${l.checksum.sum}`, target: v ? `${v.targetRows}:${v.targetSum}` : null, match: v ? v.match : null },
    differingRows: v?.differingRows ?? [],
    verifyMs: v?.ms ?? null,
    quarantineSample: l.quarantineSample,
    quarantineFile: l.quarantineFile,
    ...(l.table.primaryKey === null ? { keyless: true } : {}),
  };
}

/**
 * How long writes to the source had to stop: from the snapshot's start (without a snapshot, the
 * first read of the rows) to the end of the cutover; without a cutover, to the end of the last
 * step before a dry run's cleanup — what a real cutover would need. Null when nothing was read.
 */
export function writeFreeze(steps: readonly StepResult[], t0: number, cutoverPerformed: boolean): WriteFreeze | null {
  const snapshot = steps.find((s) => s.step === 'snapshot source' && s.status === 'ok');
  const firstRead = steps.filter((s) => s.section === 'data').sort((a, b) => a.startMs - b.startMs)[0];
  const start = snapshot ?? firstRead;
  if (!start) return null;
  const cutover = steps.filter((s) => s.section === 'cutover' && s.status === 'ok' && s.step !== 'drop staging schema');
  const counted = cutoverPerformed && cutover.length ? cutover : steps.filter((s) => s.step !== 'drop staging schema' && s.status !== 'skipped');
  const end = Math.max(...counted.map((s) => s.startMs + s.ms));
  return {
    startedAt: new Date(t0 + start.startMs).toISOString(),
    endedAt: new Date(t0 + end).toISOString(),
    ms: end - start.startMs,
    from: snapshot ? 'snapshot' : 'first read',
    until: cutoverPerformed && cutover.length ? 'cutover' : 'estimate',
  };
}

function castLabel(c: Plan['tables'][number]['columns'][number]): string {
  const cast = c.cast;
  switch (cast.kind) {
    case 'datetime':
      return `${typeof cast.format === 'string' ? cast.format : cast.format.pattern} (${cast.timeZone}) → ${cast.target}`;
    case 'json':
      return `json → ${cast.target}`;
    case 'integer':
      return `integer → ${c.pgType}`;
    default:
      return `${cast.kind} → ${c.pgType}`;
  }
}

/** One real "before → after" per mapped cast, for the report: the first non-NULL value of the column. */
export function castSamples(readPath: string, plan: Plan): CastSample[] {
  const mapped = plan.tables.flatMap((t) => t.columns.filter((c) => c.reason.startsWith('mapping')).map((c) => ({ t, c })));
  if (mapped.length === 0) return [];
  let db: ReturnType<typeof openSqlite> | null = null;
  try {
    db = openSqlite(readPath);
    return mapped.map(({ t, c }) => {
      const raw = firstValue(db!, t.source, c.source) as SqliteValue;
      const out = raw === undefined ? null : converterFor(c.cast, { nul: c.nul })(raw);
      return {
        table: t.source,
        column: c.source,
        cast: castLabel(c),
        pgType: c.pgType,
        before: raw === undefined ? '' : excerpt(raw),
        after: out === null || out instanceof CastFailure ? '' : out.length > 120 ? `${out.slice(0, 120)}…` : out,
      };
    });
  } catch {
    return mapped.map(({ t, c }) => ({ table: t.source, column: c.source, cast: castLabel(c), pgType: c.pgType, before: '', after: '' }));
  } finally {
    db?.close();
  }
}

export interface RunFacts {
  readonly runId: string;
  readonly mode: Mode;
  readonly outcome: Outcome;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly source: RunResult['source'];
  readonly target: RunResult['target'];
  readonly tables: readonly TableResult[];
  readonly steps: RunResult['steps'];
  readonly objects: ObjectCounts;
  readonly casts: readonly CastSample[];
  readonly untranslated: RunResult['untranslated'];
  readonly warnings: readonly string[];
  readonly quarantineDir: string | null;
  readonly cutover: RunResult['cutover'];
  readonly error: MigrateError | null;
  readonly invocation?: Invocation | undefined;
  readonly mappingFiles?: readonly MappingFile[];
  readonly online?: OnlineFacts | null;
}

export function assembleRunResult(f: RunFacts): RunResult {
  return {
    version: RUN_RESULT_VERSION,
    runId: f.runId,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    mode: f.mode,
    outcome: f.outcome,
    startedAt: f.startedAt.toISOString(),
    finishedAt: f.finishedAt.toISOString(),
    ms: f.finishedAt.getTime() - f.startedAt.getTime(),
    source: { ...f.source, path: resolve(f.source.path) },
    target: f.target,
    tables: [...f.tables],
    steps: [...f.steps],
    objects: f.objects,
    casts: [...f.casts],
    untranslated: f.untranslated,
    warnings: [...f.warnings],
    quarantineDir: f.quarantineDir,
    cutover: f.cutover,
    error: f.error ? { code: f.error.code, message: f.error.message, hint: f.error.hint ?? null } : null,
    ...(f.invocation ? { invocation: f.invocation } : {}),
    ...(f.mappingFiles ? { mappingFiles: [...f.mappingFiles] } : {}),
    writeFreeze: writeFreeze(f.steps, f.startedAt.getTime(), f.cutover.performed),
    online: f.online ?? null,
  };
}
