/**
 * The machine-readable report: the RunResult itself, with its keys in one documented order so
 * that two reports diff cleanly whatever order the orchestrator built the objects in.
 */
import type {
  CastSample,
  DifferingRow,
  Invocation,
  MappingFile,
  ObjectCounts,
  OnlineFacts,
  OnlineTableChanges,
  OnlineWindow,
  QuarantineEntry,
  RunResult,
  StepResult,
  TableChecksum,
  TableResult,
  WriteFreeze,
} from '../model/run-result.js';
import type { Untranslated } from '../model/plan.js';

/**
 * The order of an object's keys, complete by construction: `satisfies KeyOrder<T>` fails to
 * compile when the model gains or loses a field, which is the moment to bump RUN_RESULT_VERSION.
 */
type KeyOrder<T> = { readonly [K in keyof Required<T>]: true };

const RUN_KEYS = {
  version: true,
  runId: true,
  tool: true,
  invocation: true,
  mode: true,
  outcome: true,
  startedAt: true,
  finishedAt: true,
  ms: true,
  source: true,
  target: true,
  mappingFiles: true,
  writeFreeze: true,
  error: true,
  tables: true,
  steps: true,
  objects: true,
  casts: true,
  untranslated: true,
  warnings: true,
  quarantineDir: true,
  cutover: true,
  online: true,
} as const satisfies KeyOrder<RunResult>;

const ONLINE_KEYS = {
  captureInstalledAt: true,
  snapshotSeq: true,
  appliedSeq: true,
  changesApplied: true,
  rounds: true,
  changesInWindow: true,
  downtimeMs: true,
  window: true,
  fullReads: true,
  tables: true,
} as const satisfies KeyOrder<OnlineFacts>;
const ONLINE_WINDOW_KEYS = { captureCheckMs: true, lastChangesMs: true, proofMs: true, swapMs: true, fenceMs: true } as const satisfies KeyOrder<OnlineWindow>;
const ONLINE_TABLE_KEYS = { table: true, keys: true, rowsUpserted: true, rowsDeleted: true, rowsQuarantined: true } as const satisfies KeyOrder<OnlineTableChanges>;
const INVOCATION_KEYS = { command: true, argv: true, targetArgs: true, schemaArgs: true, user: true, host: true } as const satisfies KeyOrder<Invocation>;
const MAPPING_FILE_KEYS = { file: true, sha256: true } as const satisfies KeyOrder<MappingFile>;
const WRITE_FREEZE_KEYS = { startedAt: true, endedAt: true, ms: true, from: true, until: true } as const satisfies KeyOrder<WriteFreeze>;
const TOOL_KEYS = { name: true, version: true } as const satisfies KeyOrder<RunResult['tool']>;
const SOURCE_KEYS = { path: true, sizeBytes: true, sha256: true, snapshotPath: true } as const satisfies KeyOrder<
  RunResult['source']
>;
const TARGET_KEYS = {
  url: true,
  host: true,
  port: true,
  database: true,
  schema: true,
  serverVersion: true,
  embedded: true,
} as const satisfies KeyOrder<RunResult['target']>;
const ERROR_KEYS = { code: true, message: true, hint: true } as const satisfies KeyOrder<NonNullable<RunResult['error']>>;
const CUTOVER_KEYS = {
  performed: true,
  ms: true,
  previousSchema: true,
  rollbackCommand: true,
  rollbackDescription: true,
  replaces: true,
  dependents: true,
  foreignKeys: true,
} as const satisfies KeyOrder<RunResult['cutover']>;
const TABLE_KEYS = {
  source: true,
  target: true,
  rowsRead: true,
  rowsLoaded: true,
  rowsQuarantined: true,
  bytes: true,
  ms: true,
  targetRows: true,
  checksum: true,
  differingRows: true,
  verifyMs: true,
  quarantineSample: true,
  quarantineFile: true,
  keyless: true,
} as const satisfies KeyOrder<TableResult>;
const CHECKSUM_KEYS = { source: true, target: true, match: true } as const satisfies KeyOrder<TableChecksum>;
const DIFFERING_ROW_KEYS = { key: true, kind: true, columns: true } as const satisfies KeyOrder<DifferingRow>;
const COLUMN_DIFF_KEYS = { column: true, source: true, target: true } as const satisfies KeyOrder<
  DifferingRow['columns'][number]
>;
const QUARANTINE_KEYS = { table: true, key: true, column: true, value: true, reason: true } as const satisfies KeyOrder<QuarantineEntry>;
const STEP_KEYS = {
  step: true,
  section: true,
  table: true,
  status: true,
  startMs: true,
  ms: true,
  rows: true,
  bytes: true,
  error: true,
} as const satisfies KeyOrder<StepResult>;
const OBJECT_KEYS = {
  tables: true,
  primaryKeys: true,
  uniqueIndexes: true,
  indexes: true,
  foreignKeys: true,
  checks: true,
  triggers: true,
  identityResets: true,
  views: true,
} as const satisfies KeyOrder<ObjectCounts>;
const CAST_KEYS = { table: true, column: true, cast: true, pgType: true, before: true, after: true } as const satisfies KeyOrder<CastSample>;
const UNTRANSLATED_KEYS = { object: true, kind: true, reason: true, sql: true } as const satisfies KeyOrder<Untranslated>;

/**
 * The JSON report: `JSON.stringify(run, null, 2)` plus a final newline, with keys in a fixed
 * order (the model's, `version` first) at every level; keys the model does not know (from a
 * newer producer) follow in alphabetical order, so the output is stable either way.
 *
 * Shape versioning: the document is a RunResult and its top-level `version` is
 * RUN_RESULT_VERSION (src/model/run-result.ts). It is bumped whenever a field is added, removed
 * or changes meaning; readers should check it before anything else. Parsing the output gives back
 * an object deep-equal to `run` (optional fields that are `undefined` are omitted, as JSON does).
 */
export function renderJson(run: RunResult): string {
  const ordered = {
    ...pick(run, RUN_KEYS),
    tool: pick(run.tool, TOOL_KEYS),
    ...(run.invocation === undefined ? {} : { invocation: pick(run.invocation, INVOCATION_KEYS) }),
    ...(run.mappingFiles === undefined ? {} : { mappingFiles: run.mappingFiles.map((m) => pick(m, MAPPING_FILE_KEYS)) }),
    ...(run.writeFreeze === undefined ? {} : { writeFreeze: run.writeFreeze === null ? null : pick(run.writeFreeze, WRITE_FREEZE_KEYS) }),
    source: pick(run.source, SOURCE_KEYS),
    target: pick(run.target, TARGET_KEYS),
    error: run.error === null ? null : pick(run.error, ERROR_KEYS),
    tables: run.tables.map(orderTable),
    steps: run.steps.map((s) => pick(s, STEP_KEYS)),
    objects: pick(run.objects, OBJECT_KEYS),
    casts: run.casts.map((c) => pick(c, CAST_KEYS)),
    untranslated: run.untranslated.map((u) => pick(u, UNTRANSLATED_KEYS)),
    cutover: pick(run.cutover, CUTOVER_KEYS),
    ...(run.online === undefined ? {} : { online: run.online === null ? null : orderOnline(run.online) }),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function orderOnline(online: OnlineFacts): object {
  return {
    ...pick(online, ONLINE_KEYS),
    window: online.window === null ? null : pick(online.window, ONLINE_WINDOW_KEYS),
    tables: online.tables.map((t) => pick(t, ONLINE_TABLE_KEYS)),
  };
}

function orderTable(table: TableResult): object {
  return {
    ...pick(table, TABLE_KEYS),
    checksum: table.checksum === null ? null : pick(table.checksum, CHECKSUM_KEYS),
    differingRows: table.differingRows.map((row) => ({
      ...pick(row, DIFFERING_ROW_KEYS),
      columns: row.columns.map((c) => pick(c, COLUMN_DIFF_KEYS)),
    })),
    quarantineSample: table.quarantineSample.map((q) => pick(q, QUARANTINE_KEYS)),
  };
}

/**
 * A shallow copy of `value` with the keys of `order` first, in that order (skipping absent
 * ones), then any other own keys sorted. Spreading later overrides keeps these positions.
 */
function pick(value: object, order: Readonly<Record<string, true>>): Record<string, unknown> {
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(order)) {
    if (Object.hasOwn(source, key)) out[key] = source[key];
  }
  for (const key of Object.keys(source).sort()) {
    if (!Object.hasOwn(order, key)) out[key] = source[key];
  }
  return out;
}
