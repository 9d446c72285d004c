/**
 * RunResult values for the report tests: a Chinook-like database (11 tables, 15,607 rows) moved
 * into PostgreSQL, in five situations, and two online cutovers (one swapped in, one refused by its proof). Values are fixed, so the golden files need no normalising.
 */
import type { Untranslated } from '../../../src/model/plan.js';
import { writeFreeze } from '../../../src/run/phases/run-result.js';
import {
  RUN_RESULT_VERSION,
  type OnlineFacts,
  type QuarantineEntry,
  type RunResult,
  type StepResult,
  type TableResult,
} from '../../../src/model/run-result.js';

interface ChinookTable {
  readonly source: string;
  readonly target: string;
  readonly rows: number;
  readonly bytes: number;
  /** Load time (ms), verify time (ms), and the lane (0 or 1) it ran on. */
  readonly loadMs: number;
  readonly verifyMs: number;
  readonly lane: 0 | 1;
  readonly checksum: string;
}

/** Largest first, as the loader orders them. */
export const CHINOOK: readonly ChinookTable[] = [
  { source: 'Track', target: 'track', rows: 3503, bytes: 412_338, loadMs: 412, verifyMs: 184, lane: 0, checksum: '6f1c0e9a42d7b3e5' },
  { source: 'PlaylistTrack', target: 'playlist_track', rows: 8715, bytes: 141_962, loadMs: 236, verifyMs: 97, lane: 1, checksum: '03b9d2e4a1c8f760' },
  { source: 'InvoiceLine', target: 'invoice_line', rows: 2240, bytes: 69_580, loadMs: 148, verifyMs: 71, lane: 1, checksum: 'c4e81a2f9b0d3675' },
  { source: 'Invoice', target: 'invoice', rows: 412, bytes: 41_205, loadMs: 61, verifyMs: 38, lane: 0, checksum: '9a7d3c1e5f2b8046' },
  { source: 'Album', target: 'album', rows: 347, bytes: 12_874, loadMs: 31, verifyMs: 19, lane: 1, checksum: '5e2f8b1a7c4d9036' },
  { source: 'Customer', target: 'customer', rows: 59, bytes: 9_972, loadMs: 22, verifyMs: 17, lane: 0, checksum: 'b18c6e3d0a9f4527' },
  { source: 'Artist', target: 'artist', rows: 275, bytes: 8_121, loadMs: 24, verifyMs: 15, lane: 1, checksum: '2d9e4f7a1b6c0385' },
  { source: 'Employee', target: 'employee', rows: 8, bytes: 1_506, loadMs: 9, verifyMs: 9, lane: 0, checksum: 'e7a0b5c2d8f13946' },
  { source: 'Genre', target: 'genre', rows: 25, bytes: 486, loadMs: 8, verifyMs: 7, lane: 1, checksum: '41f6a9d3c0e7b258' },
  { source: 'Playlist', target: 'playlist', rows: 18, bytes: 402, loadMs: 7, verifyMs: 7, lane: 0, checksum: '8c3b0e6f2a5d1974' },
  { source: 'MediaType', target: 'media_type', rows: 5, bytes: 148, loadMs: 6, verifyMs: 6, lane: 1, checksum: 'f5d2c8a1e4b70693' },
];

export const RUN_ID = '01HWZ6J8V3K9Q2M7XAT4R5B1CE';
const STAGING = 'sqlite2pg_staging_01hwz6j8';
const PREVIOUS = 'sqlite2pg_prev_01hwz6j8';
const REPORT_DIR = 'reports/20240501-100000-chinook';

function table(t: ChinookTable, overrides: Partial<TableResult> = {}): TableResult {
  return {
    source: t.source,
    target: t.target,
    rowsRead: t.rows,
    rowsLoaded: t.rows,
    rowsQuarantined: 0,
    bytes: t.bytes,
    ms: t.loadMs,
    targetRows: t.rows,
    checksum: { source: t.checksum, target: t.checksum, match: true },
    differingRows: [],
    verifyMs: t.verifyMs,
    quarantineSample: [],
    quarantineFile: null,
    ...overrides,
  };
}

/** Two lanes from `start`, each table after the previous one of its lane. */
function laneSteps(
  section: 'data' | 'verify',
  start: number,
  durations: (t: ChinookTable) => number,
  rows: (t: ChinookTable) => number | undefined,
): { steps: StepResult[]; end: number } {
  const clock = [start, start];
  const steps: StepResult[] = [];
  for (const t of CHINOOK) {
    const ms = durations(t);
    const startMs = clock[t.lane] ?? start;
    const step: StepResult = {
      step: section === 'data' ? 'copy' : 'verify',
      section,
      table: t.target,
      status: 'ok',
      startMs,
      ms,
      ...(rows(t) === undefined ? {} : { rows: rows(t) }),
      ...(section === 'data' ? { bytes: t.bytes } : {}),
    };
    steps.push(step);
    clock[t.lane] = startMs + ms;
  }
  return { steps, end: Math.max(...clock) };
}

const PRE_STEPS: StepResult[] = [
  { step: 'acquire advisory lock', section: 'pre', status: 'ok', startMs: 0, ms: 12 },
  { step: 'create staging schema', section: 'pre', status: 'ok', startMs: 12, ms: 18 },
  { step: 'create tables', section: 'pre', status: 'ok', startMs: 30, ms: 85 },
];

/** pre → data (2 lanes) → post → verify (2 lanes), ending at `end`. */
function loadAndVerifySteps(rowsLoaded: (t: ChinookTable) => number = (t) => t.rows): { steps: StepResult[]; end: number } {
  const data = laneSteps('data', 115, (t) => t.loadMs, rowsLoaded);
  const p = data.end + 4;
  const post: StepResult[] = [
    { step: 'primary keys', section: 'post', status: 'ok', startMs: p, ms: 96 },
    { step: 'indexes', section: 'post', status: 'ok', startMs: p + 96, ms: 142 },
    { step: 'foreign keys', section: 'post', status: 'ok', startMs: p + 238, ms: 118 },
    { step: 'triggers', section: 'post', status: 'skipped', startMs: p + 356, ms: 0 },
    { step: 'identity reset', section: 'post', status: 'ok', startMs: p + 356, ms: 21 },
    { step: 'analyze', section: 'post', status: 'ok', startMs: p + 377, ms: 88 },
  ];
  const verify = laneSteps('verify', p + 470, (t) => t.verifyMs, rowsLoaded);
  return { steps: [...PRE_STEPS, ...data.steps, ...post, ...verify.steps], end: verify.end };
}

const UNTRANSLATED: Untranslated[] = [
  {
    object: 'trigger trg_invoice_total_au',
    kind: 'trigger',
    reason: 'SQLite trigger bodies are not translated; rewrite it as a PL/pgSQL trigger function',
    sql:
      'CREATE TRIGGER trg_invoice_total_au AFTER UPDATE OF Quantity, UnitPrice ON InvoiceLine\n' +
      'BEGIN\n' +
      '  UPDATE Invoice SET Total = (SELECT sum(Quantity * UnitPrice) FROM InvoiceLine WHERE InvoiceId = NEW.InvoiceId)\n' +
      '  WHERE InvoiceId = NEW.InvoiceId;\n' +
      'END',
  },
  {
    object: 'default of Invoice.InvoiceDate',
    kind: 'default',
    reason: "`datetime('now', 'localtime')` depends on the SQLite host's time zone; no default was set",
    sql: "DEFAULT (datetime('now', 'localtime'))",
  },
];

const CASTS: RunResult['casts'] = [
  { table: 'Invoice', column: 'InvoiceDate', cast: 'sqlite-datetime → timestamptz (UTC)', pgType: 'timestamptz', before: '2009-01-01 00:00:00', after: '2009-01-01 00:00:00+00' },
  { table: 'Invoice', column: 'Total', cast: 'text → numeric', pgType: 'numeric(10,2)', before: '1.98', after: '1.98' },
  { table: 'InvoiceLine', column: 'UnitPrice', cast: 'text → numeric', pgType: 'numeric(10,2)', before: '0.99', after: '0.99' },
  { table: 'Employee', column: 'BirthDate', cast: 'sqlite-datetime → timestamptz (UTC)', pgType: 'timestamptz', before: '1962-02-18 00:00:00', after: '1962-02-18 00:00:00+00' },
  { table: 'Employee', column: 'HireDate', cast: 'sqlite-datetime → timestamptz (UTC)', pgType: 'timestamptz', before: '2002-08-14 00:00:00', after: '2002-08-14 00:00:00+00' },
  { table: 'Track', column: 'UnitPrice', cast: 'text → numeric', pgType: 'numeric(10,2)', before: '0.99', after: '0.99' },
];

const OBJECTS: RunResult['objects'] = {
  tables: 11,
  primaryKeys: 11,
  uniqueIndexes: 0,
  indexes: 11,
  foreignKeys: 11,
  checks: 0,
  triggers: 0,
  identityResets: 10,
  views: 0,
};

/** A run with `overrides`; its write freeze computed from its steps, as the run does. */
function baseRun(overrides: Partial<RunResult>): RunResult {
  const run: RunResult = {
    version: RUN_RESULT_VERSION,
    runId: RUN_ID,
    tool: { name: 'sqlite2pg', version: '0.1.0' },
    mode: 'cutover',
    outcome: 'passed',
    startedAt: '2024-05-01T10:00:00.000Z',
    finishedAt: '2024-05-01T10:00:01.910Z',
    ms: 1910,
    source: {
      path: '/srv/app/data/chinook.db',
      sizeBytes: 884_736,
      sha256: '8f2a6c1d9e0b4f73a5c8e2d1b7f6a3094c5e8d2b1a7f6c3e9d0b4a8f2c6e1d57',
      snapshotPath: '/var/lib/sqlite2pg/snapshots/chinook-20240501T100000Z.db',
    },
    target: {
      url: 'postgres://app:***@db.internal:5432/music?sslmode=require',
      host: 'db.internal',
      port: 5432,
      database: 'music',
      schema: 'public',
      serverVersion: '16.4',
      embedded: false,
    },
    tables: CHINOOK.map((t) => table(t)),
    steps: [],
    objects: OBJECTS,
    casts: CASTS,
    untranslated: UNTRANSLATED,
    warnings: [
      'PlaylistTrack has no INTEGER PRIMARY KEY: rows are read in primary key order (PlaylistId, TrackId)',
      'Employee.BirthDate: every sampled value has the time 00:00:00; consider mapping it to date',
    ],
    quarantineDir: null,
    cutover: {
      performed: false,
      ms: null,
      previousSchema: null,
      rollbackCommand: null,
      rollbackDescription: null,
    },
    error: null,
    writeFreeze: null,
    online: null,
    invocation: {
      command: 'sqlite2pg',
      argv: ['migrate', '/srv/app/data/chinook.db', '--target', 'postgres://app:***@db.internal:5432/music?sslmode=require', '--mappings', 'mappings'],
      targetArgs: "--target 'postgres://app:***@db.internal:5432/music?sslmode=require'",
      schemaArgs: '',
      user: 'deploy',
      host: 'ops-01',
    },
    mappingFiles: [
      { file: '/srv/app/mappings/Invoice.json', sha256: '3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b' },
      { file: '/srv/app/mappings/InvoiceLine.json', sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' },
    ],
    ...overrides,
  };
  return { ...run, writeFreeze: writeFreeze(run.steps, Date.parse(run.startedAt), run.cutover.performed) };
}

function cutoverSteps(from: number): StepResult[] {
  return [
    { step: 'swap schemas', section: 'cutover', status: 'ok', startMs: from, ms: 43 },
    { step: 'record run in journal', section: 'cutover', status: 'ok', startMs: from + 43, ms: 9 },
  ];
}

const PERFORMED_CUTOVER: RunResult['cutover'] = {
  performed: true,
  ms: 43,
  previousSchema: PREVIOUS,
  rollbackCommand: `sqlite2pg rollback --run ${RUN_ID} --target 'postgres://app@db.internal:5432/music?sslmode=require'`,
  rollbackDescription:
    `Moves the 11 migrated tables from public back into ${STAGING} and the tables that were live before ` +
    `(now in ${PREVIOUS}) back into public, in one transaction.`,
};

/** Everything went well: loaded, verified, swapped in. */
export function cleanCutoverRun(): RunResult {
  const { steps, end } = loadAndVerifySteps();
  return baseRun({ steps: [...steps, ...cutoverSteps(end + 5)], cutover: PERFORMED_CUTOVER });
}

/** Loaded and verified in staging, then the staging schema dropped; no swap. */
export function dryRun(): RunResult {
  const { steps, end } = loadAndVerifySteps();
  return baseRun({
    mode: 'dry-run',
    startedAt: '2024-04-30T21:15:07.250Z',
    finishedAt: '2024-04-30T21:15:09.160Z',
    steps: [...steps, { step: 'drop staging schema', section: 'cutover', status: 'ok', startMs: end + 5, ms: 35 }],
  });
}

const QUARANTINED: QuarantineEntry[] = [
  {
    table: 'invoice_line',
    key: 'InvoiceLineId=1052',
    column: 'UnitPrice',
    value: '0.99 USD',
    reason: 'not a number for numeric(10,2)',
  },
  {
    table: 'invoice_line',
    key: 'InvoiceLineId=1710',
    column: 'UnitPrice',
    value: '0.99\u0000',
    reason: 'text contains a NUL byte (nul policy: quarantine)',
  },
  {
    table: 'invoice_line',
    key: 'InvoiceLineId=2033',
    column: null,
    value: '{"InvoiceLineId":2033,"InvoiceId":370,"TrackId":1838,"UnitPrice":0.99,"Quantity":-1}',
    reason: 'rejected by PostgreSQL: new row violates check constraint "invoice_line_quantity_check"',
  },
];

/** Three bad rows in invoice_line were quarantined and accepted (--allow-quarantine): the rest went live. */
export function quarantineRun(): RunResult {
  const loaded = (t: ChinookTable): number => (t.target === 'invoice_line' ? t.rows - 3 : t.rows);
  const { steps, end } = loadAndVerifySteps(loaded);
  return baseRun({
    outcome: 'passed',
    tables: CHINOOK.map((t) =>
      t.target === 'invoice_line'
        ? table(t, {
            rowsLoaded: t.rows - 3,
            rowsQuarantined: 3,
            targetRows: t.rows - 3,
            checksum: { source: '7b20e94fd13a6c58', target: '7b20e94fd13a6c58', match: true },
            quarantineSample: QUARANTINED,
            quarantineFile: `${REPORT_DIR}/quarantine/invoice_line.jsonl`,
          })
        : table(t),
    ),
    quarantineDir: `${REPORT_DIR}/quarantine`,
    steps: [...steps, ...cutoverSteps(end + 5)],
    cutover: PERFORMED_CUTOVER,
  });
}

/** The same three rows, not accepted: exit 8, NOT CUT OVER; playlist_track has no primary key. */
export function quarantineStoppedRun(): RunResult {
  const accepted = quarantineRun();
  return {
    ...accepted,
    outcome: 'passed-with-quarantine',
    tables: accepted.tables.map((t) => (t.target === 'playlist_track' ? { ...t, keyless: true } : t)),
    steps: accepted.steps.filter((s) => s.section !== 'cutover'),
    cutover: { performed: false, ms: null, previousSchema: null, rollbackCommand: null, rollbackDescription: null },
    writeFreeze: writeFreeze(accepted.steps.filter((s) => s.section !== 'cutover'), Date.parse(accepted.startedAt), false),
  };
}

/** Two tables differ after load: no cutover. */
export function verifyMismatchRun(): RunResult {
  const { steps } = loadAndVerifySteps();
  return baseRun({
    outcome: 'verify-mismatch',
    finishedAt: '2024-05-01T10:00:01.870Z',
    ms: 1870,
    tables: CHINOOK.map((t) => {
      if (t.target === 'invoice_line') {
        return table(t, {
          targetRows: t.rows - 1,
          checksum: { source: t.checksum, target: '1f0a3b7c9e2d5846', match: false },
          differingRows: [
            { key: 'InvoiceLineId=579', kind: 'changed', columns: [{ column: 'UnitPrice', source: '0.99', target: '0.98' }] },
            { key: 'InvoiceLineId=1337', kind: 'missing-in-target', columns: [] },
          ],
          verifyMs: 412,
        });
      }
      if (t.target === 'customer') {
        return table(t, {
          checksum: { source: t.checksum, target: 'a3c9e1f7b05d2468', match: false },
          differingRows: [
            {
              key: 'CustomerId=16',
              kind: 'changed',
              columns: [
                { column: 'Company', source: 'Google Inc. ', target: 'Google Inc.' },
                { column: 'LastUpdate', source: '2024-03-02 10:15:00.000001+00', target: '2024-03-02 10:15:00+00' },
              ],
            },
          ],
          verifyMs: 96,
        });
      }
      return table(t);
    }),
    steps,
    error: {
      code: 'E_VERIFY_MISMATCH',
      message: '2 tables differ between SQLite and PostgreSQL: Customer, InvoiceLine',
      hint: 'Look at the differing rows below, fix the mapping or the data, and run again.',
    },
  });
}

/** The disk filled up while copying invoice_line: staging dropped, live schema untouched. */
export function failedLoadRun(): RunResult {
  const loadedBefore = new Set(['track', 'playlist_track']);
  const steps: StepResult[] = [
    { ...PRE_STEPS[0]!, status: 'ok' },
    { ...PRE_STEPS[1]!, status: 'rolled-back' },
    { ...PRE_STEPS[2]!, status: 'ok' },
    { step: 'copy', section: 'data', table: 'track', status: 'ok', startMs: 115, ms: 412, rows: 3503, bytes: 412_338 },
    { step: 'copy', section: 'data', table: 'playlist_track', status: 'ok', startMs: 115, ms: 236, rows: 8715, bytes: 141_962 },
    {
      step: 'copy',
      section: 'data',
      table: 'invoice_line',
      status: 'failed',
      startMs: 351,
      ms: 97,
      rows: 1536,
      error: 'could not extend file "base/16384/24612": No space left on device',
    },
    ...CHINOOK.filter((t) => !loadedBefore.has(t.target) && t.target !== 'invoice_line').map(
      (t): StepResult => ({ step: 'copy', section: 'data', table: t.target, status: 'skipped', startMs: 527, ms: 0 }),
    ),
  ];
  return baseRun({
    outcome: 'failed',
    finishedAt: '2024-05-01T10:00:00.610Z',
    ms: 610,
    tables: CHINOOK.map((t) => {
      const loaded = loadedBefore.has(t.target);
      const failed = t.target === 'invoice_line';
      return table(t, {
        rowsRead: loaded ? t.rows : failed ? 1536 : 0,
        rowsLoaded: loaded ? t.rows : 0,
        bytes: loaded ? t.bytes : failed ? 47_712 : 0,
        ms: loaded ? t.loadMs : failed ? 97 : 0,
        targetRows: null,
        checksum: null,
        verifyMs: null,
      });
    }),
    steps,
    objects: { ...OBJECTS, primaryKeys: 0, indexes: 0, foreignKeys: 0, identityResets: 0 },
    casts: CASTS.slice(0, 3),
    error: {
      code: 'E_LOAD_COPY',
      message:
        `COPY into "${STAGING}"."invoice_line" failed: could not extend file "base/16384/24612": No space left on device\n` +
        'HINT: Check free disk space.',
      hint: 'Free disk space on the PostgreSQL server (the load needs about twice the size of the source), then run again.',
    },
  });
}

const ONLINE: OnlineFacts = {
  captureInstalledAt: '2024-04-30T18:02:11.000Z',
  snapshotSeq: 1_204,
  appliedSeq: 58_411,
  changesApplied: 57_207,
  rounds: 41,
  tables: [
    { table: 'invoice', keys: 1_880, rowsUpserted: 1_874, rowsDeleted: 6, rowsQuarantined: 0 },
    { table: 'invoice_line', keys: 9_410, rowsUpserted: 9_377, rowsDeleted: 33, rowsQuarantined: 0 },
    { table: 'track', keys: 0, rowsUpserted: 0, rowsDeleted: 0, rowsQuarantined: 0 },
  ],
  changesInWindow: 12,
  downtimeMs: 412,
  window: { captureCheckMs: 1, lastChangesMs: 35, proofMs: 4, swapMs: 368, fenceMs: 3 },
  fullReads: [],
};

/** An online cutover (sync, then cutover): the snapshot plus the changes applied since, swapped in within a 412 ms window. */
export function onlineCutoverRun(): RunResult {
  const clean = cleanCutoverRun();
  const steps: StepResult[] = [
    { step: 'catch up before the window', section: 'pre', status: 'ok', startMs: 5, ms: 240 },
    { step: 'window: capture check', section: 'cutover', status: 'ok', startMs: 250, ms: 1 },
    { step: 'window: last changes', section: 'cutover', status: 'ok', startMs: 251, ms: 35 },
    { step: 'window: proof', section: 'cutover', status: 'ok', startMs: 286, ms: 1 },
    { step: 'cutover', section: 'cutover', status: 'ok', startMs: 287, ms: 371 },
    { step: 'window: fence app.db', section: 'cutover', status: 'ok', startMs: 663, ms: 3 },
  ];
  return { ...clean, steps, writeFreeze: null, online: ONLINE, finishedAt: '2024-05-01T10:00:00.700Z', ms: 700 };
}

/** An online cutover refused by the proof: a staging table changed outside replay; no swap, app.db writable. */
export function onlineRefusedRun(): RunResult {
  const run = onlineCutoverRun();
  return {
    ...run,
    outcome: 'verify-mismatch',
    steps: run.steps.slice(0, 4).concat({ step: 'cutover', section: 'cutover', status: 'failed', startMs: 287, ms: 6, error: 'The proof before the swap failed for 1 table' }),
    tables: run.tables.map((t) => (t.target === 'track' ? { ...t, targetRows: 3502, checksum: { source: '3503:2', target: '3502:1', match: false } } : t)),
    cutover: { performed: false, ms: null, previousSchema: null, rollbackCommand: null, rollbackDescription: null },
    online: { ...ONLINE, downtimeMs: null, window: { ...ONLINE.window!, swapMs: 2, fenceMs: null }, fullReads: ['track (its counting triggers were dropped or disabled)'] },
    error: {
      code: 'E_VERIFY_MISMATCH',
      message: 'The proof before the swap failed for 1 table; nothing was cut over: track: the staging table holds 3502 rows (checksum 3502:1), replay accounts for 3503:2.',
      hint: 'app.db is unchanged and writable; the staging schema sqlite2pg_staging_… is kept for inspection.',
    },
  };
}
