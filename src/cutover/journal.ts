/**
 * The run journal: a small `sqlite2pg` schema in the target that records runs, per-table state
 * and what cutover moved where, so status, rollback and resume work from any machine and after a crash.
 */
import type pg from 'pg';
import { quoteIdent } from '../plan/identifiers.js';
import { lockHeldSql } from './lock-key.js';

export const JOURNAL_SCHEMA = 'sqlite2pg';

/** `syncing`: an online run whose snapshot is loaded and verified, applying captured changes (sync). */
export type RunStatus = 'running' | 'loaded' | 'failed' | 'dry-run' | 'cut-over' | 'superseded' | 'rolled-back' | 'syncing';

/**
 * The state a listing shows: the journal's status, except that a run recorded as `running` whose
 * process is gone is `interrupted` (never stored: it is read from the lock, see listRuns).
 */
export type RunState = RunStatus | 'interrupted';

const J = quoteIdent(JOURNAL_SCHEMA);

export const JOURNAL_DDL: string[] = [
  `CREATE SCHEMA IF NOT EXISTS ${J}`,
  `CREATE TABLE IF NOT EXISTS ${J}.runs (
    run_id text PRIMARY KEY,
    mode text NOT NULL,
    status text NOT NULL,
    target_schema text NOT NULL,
    staging_schema text NOT NULL,
    previous_schema text,
    source_path text NOT NULL,
    source_sha256 text,
    source_size bigint,
    mapping_hash text,
    tool_version text,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    cutover_at timestamptz,
    rolled_back_at timestamptz,
    moved jsonb,
    error text,
    result jsonb
  )`,
  // Journals of earlier versions also have runs.write_counters (jsonb, nullable), no longer
  // written or read (rollback detects writes from the capture triggers): left in place, harmless.
  `ALTER TABLE ${J}.runs ADD COLUMN IF NOT EXISTS snapshot_path text`,
  `ALTER TABLE ${J}.runs ADD COLUMN IF NOT EXISTS supersedes text`,
  `ALTER TABLE ${J}.runs ADD COLUMN IF NOT EXISTS operator text`,
  `CREATE TABLE IF NOT EXISTS ${J}.run_tables (
    run_id text NOT NULL REFERENCES ${J}.runs (run_id) ON DELETE CASCADE,
    source_table text NOT NULL,
    target_table text NOT NULL,
    state text NOT NULL,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    checksum_count bigint,
    checksum_sum text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, source_table)
  )`,
  // Fallback capture (see cutover/pg-capture.ts): what the cutover installed, and the forward
  // casts per column (the Plan's tables), recorded in the swap transaction.
  `ALTER TABLE ${J}.runs ADD COLUMN IF NOT EXISTS capture jsonb`,
  `ALTER TABLE ${J}.runs ADD COLUMN IF NOT EXISTS plan_tables jsonb`,
  `ALTER TABLE ${J}.runs ADD COLUMN IF NOT EXISTS fallback_at timestamptz`,
  `ALTER TABLE ${J}.runs ADD COLUMN IF NOT EXISTS fallback jsonb`,
  `CREATE TABLE IF NOT EXISTS ${J}.quarantine (
    run_id text NOT NULL REFERENCES ${J}.runs (run_id) ON DELETE CASCADE,
    table_name text NOT NULL,
    row_key text NOT NULL,
    column_name text,
    value_excerpt text,
    reason text NOT NULL
  )`,
];

export async function ensureJournal(client: pg.ClientBase): Promise<void> {
  // Two first runs at once could race on CREATE ... IF NOT EXISTS; serialise them.
  await client.query(`SELECT pg_advisory_lock(hashtext('sqlite2pg:journal'))`);
  try {
    for (const sql of JOURNAL_DDL) await client.query(sql);
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('sqlite2pg:journal'))`);
  }
}

export interface RunRow {
  run_id: string;
  mode: string;
  /** As recorded; from listRuns, the state now (`interrupted` for a dead `running` run). */
  status: RunState;
  target_schema: string;
  staging_schema: string;
  previous_schema: string | null;
  source_path: string;
  source_sha256: string | null;
  source_size: string | null;
  mapping_hash: string | null;
  started_at: Date;
  finished_at: Date | null;
  cutover_at: Date | null;
  rolled_back_at: Date | null;
  moved: MovedObjects | null;
  error: string | null;
  snapshot_path: string | null;
  supersedes: string | null;
  /** `user@host` who started it (journals of older versions: absent or null). */
  operator?: string | null;
  /** Set by the cutover when it installed the fallback capture triggers (null: no capture). */
  capture: CaptureRecord | null;
  /** The Plan's tables as cut over: the forward cast of every column, for the fallback's reverse casts. */
  plan_tables: unknown[] | null;
  fallback_at: Date | null;
  /** Set by fallback once app.db is committed: the written file's content hash, per-table counts. */
  fallback: { readonly writtenContentSha256?: string } | null;
}

/** What the cutover recorded about the fallback capture it installed (runs.capture). */
export interface CaptureRecord {
  readonly installedAt: string;
  /** Target table → its key columns (target names; empty when the table has no primary key). */
  readonly tables: Readonly<Record<string, readonly string[]>>;
  /** Fingerprint of the file that was migrated (hashSqliteFile of what the run read). */
  readonly source: { readonly path: string; readonly sha256: string; readonly contentSha256: string } | null;
  /** Set by `fallback --forget`: the triggers were removed. */
  readonly removedAt?: string;
}

/** What cutover moved: new objects into the live schema, old ones aside into previous_schema. */
export interface MovedObjects {
  readonly tables: readonly string[];
  readonly views: readonly string[];
  readonly functions: readonly string[];
  /** Live objects of the same names moved aside: [kind, name]; a function by its signature `name(args)`. */
  readonly previous: readonly { readonly kind: 'table' | 'view' | 'function'; readonly name: string }[];
}

export async function insertRun(client: pg.ClientBase, r: { runId: string; mode: string; schema: string; staging: string; sourcePath: string; snapshotPath: string | null; sha256: string | null; size: number; mappingHash: string; version: string }): Promise<void> {
  await client.query(
    `INSERT INTO ${J}.runs (run_id, mode, status, target_schema, staging_schema, source_path, snapshot_path, source_sha256, source_size, mapping_hash, tool_version) VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8, $9, $10)`,
    [r.runId, r.mode, r.schema, r.staging, r.sourcePath, r.snapshotPath, r.sha256, r.size, r.mappingHash, r.version],
  );
}

/** The newest run of a schema that stopped before finishing (crash, Ctrl-C, failure) and left its staging schema. */
export async function resumableRun(client: pg.ClientBase, schema: string): Promise<RunRow | null> {
  const r = await client.query<RunRow>(
    `SELECT r.* FROM ${J}.runs r JOIN pg_namespace n ON n.nspname = r.staging_schema
     WHERE r.target_schema = $1 AND r.status IN ('running', 'failed') ORDER BY r.started_at DESC LIMIT 1`,
    [schema],
  );
  return r.rows[0] ?? null;
}

export async function markRunning(client: pg.ClientBase, runId: string): Promise<void> {
  await client.query(`UPDATE ${J}.runs SET status = 'running', error = NULL, finished_at = NULL WHERE run_id = $1`, [runId]);
}

export async function setRunStatus(client: pg.ClientBase, runId: string, status: RunStatus, extra: { error?: string | null; result?: unknown } = {}): Promise<void> {
  await client.query(`UPDATE ${J}.runs SET status = $2, finished_at = now(), error = coalesce($3, error), result = coalesce($4::jsonb, result) WHERE run_id = $1`, [
    runId,
    status,
    extra.error ?? null,
    extra.result === undefined ? null : JSON.stringify(extra.result),
  ]);
}

export async function recordTable(client: pg.ClientBase, runId: string, t: { source: string; target: string; state: string; rowsRead: number; rowsLoaded: number; rowsQuarantined: number; count: number; sum: string }): Promise<void> {
  await client.query(
    `INSERT INTO ${J}.run_tables (run_id, source_table, target_table, state, rows_read, rows_loaded, rows_quarantined, checksum_count, checksum_sum)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (run_id, source_table) DO UPDATE SET state = EXCLUDED.state, rows_read = EXCLUDED.rows_read, rows_loaded = EXCLUDED.rows_loaded,
       rows_quarantined = EXCLUDED.rows_quarantined, checksum_count = EXCLUDED.checksum_count, checksum_sum = EXCLUDED.checksum_sum, updated_at = now()`,
    [runId, t.source, t.target, t.state, t.rowsRead, t.rowsLoaded, t.rowsQuarantined, t.count, t.sum],
  );
}

/** Record who started a run (`user@host`), for status and the change ticket. */
export async function setRunOperator(client: pg.ClientBase, runId: string, operator: string): Promise<void> {
  await client.query(`UPDATE ${J}.runs SET operator = $2 WHERE run_id = $1`, [runId, operator]);
}

/** Rows loaded per run, from its per-table records. */
export async function runRowTotals(client: pg.ClientBase, runIds: readonly string[]): Promise<Map<string, number>> {
  const r = await client.query<{ run_id: string; rows: string }>(`SELECT run_id, coalesce(sum(rows_loaded), 0)::text AS rows FROM ${J}.run_tables WHERE run_id = ANY($1) GROUP BY run_id`, [runIds]);
  return new Map(r.rows.map((x) => [x.run_id, Number(x.rows)]));
}

/** A run as listed: `status` is its state now, `journal_status` what the journal records. */
export interface ListedRun extends RunRow {
  journal_status: RunStatus;
}

/**
 * The newest runs, newest first. A run recorded as `running` is shown `interrupted` when its
 * process is gone (killed, crashed, lost its connection): nobody holds the target lock of its
 * schema, or a newer run of the schema started (which it could only do once the lock was free).
 * The lock is session-level, so it goes with the connection of a dead process.
 */
export async function listRuns(client: pg.ClientBase, schema?: string): Promise<ListedRun[]> {
  const r = await client.query<RunRow & { interrupted: boolean }>(
    `SELECT r.*, r.status = 'running' AND (NOT ${lockHeldSql('r.target_schema')}
       OR EXISTS (SELECT 1 FROM ${J}.runs n WHERE n.target_schema = r.target_schema AND n.started_at > r.started_at)) AS interrupted
     FROM ${J}.runs r ${schema ? 'WHERE r.target_schema = $1' : ''} ORDER BY r.started_at DESC LIMIT 50`,
    schema ? [schema] : [],
  );
  return r.rows.map(({ interrupted, ...row }) => ({ ...row, journal_status: row.status as RunStatus, status: interrupted ? 'interrupted' : row.status }));
}

export async function journalExists(client: pg.ClientBase): Promise<boolean> {
  const r = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [JOURNAL_SCHEMA]);
  return r.rowCount === 1;
}

export interface TableState {
  source_table: string;
  target_table: string;
  state: string;
  rows_read: string;
  rows_loaded: string;
  rows_quarantined: string;
  checksum_count: string;
  checksum_sum: string;
}

export async function tableStates(client: pg.ClientBase, runId: string): Promise<TableState[]> {
  return (await client.query<TableState>(`SELECT * FROM ${J}.run_tables WHERE run_id = $1`, [runId])).rows;
}

/** Record quarantined rows in the journal (batched), so `verify` can exclude them from any machine. */
export async function recordQuarantine(client: pg.ClientBase, runId: string, entries: readonly { table: string; key: string; column: string | null; value: string; reason: string }[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 1000) {
    const batch = entries.slice(i, i + 1000);
    await client.query(
      `INSERT INTO ${J}.quarantine (run_id, table_name, row_key, column_name, value_excerpt, reason)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
      [runId, batch.map((e) => e.table), batch.map((e) => e.key), batch.map((e) => e.column), batch.map((e) => e.value), batch.map((e) => e.reason)],
    );
  }
}

/** Keys of the rows a run quarantined, per source table. */
export async function quarantinedKeys(client: pg.ClientBase, runId: string): Promise<Map<string, Set<string>>> {
  const r = await client.query<{ table_name: string; row_key: string }>(`SELECT DISTINCT table_name, row_key FROM ${J}.quarantine WHERE run_id = $1`, [runId]);
  const out = new Map<string, Set<string>>();
  for (const row of r.rows) {
    const set = out.get(row.table_name) ?? new Set<string>();
    set.add(row.row_key);
    out.set(row.table_name, set);
  }
  return out;
}

/** Forget the quarantined rows of tables that are about to be reloaded (resume). */
export async function clearQuarantine(client: pg.ClientBase, runId: string, tables: readonly string[]): Promise<void> {
  await client.query(`DELETE FROM ${J}.quarantine WHERE run_id = $1 AND table_name = ANY($2)`, [runId, tables]);
  await client.query(`DELETE FROM ${J}.run_tables WHERE run_id = $1 AND source_table = ANY($2)`, [runId, tables]);
}

/** The schemas a run creates: its staging schema, where cutover puts the previous tables, where rollback puts its own. */
export type RunSchemaKind = 'staging' | 'previous' | 'rolledback';

/** `sqlite2pg_<kind>_<yyyymmddthhmmss>_<random>`: one name per run and kind, under 63 bytes, lower case. */
export function runSchemaName(kind: RunSchemaKind, runId: string): string {
  return `sqlite2pg_${kind}_${runId.slice(0, 15).toLowerCase()}_${runId.slice(-6)}`;
}

/** A schema sqlite2pg created and left in the target (staging of an unfinished run, previous or rolled-back tables). */
export interface KeptSchema {
  readonly schema: string;
  readonly kind: RunSchemaKind;
  readonly tables: number;
  readonly bytes: number;
}

/** The sqlite2pg_staging_*, sqlite2pg_previous_* and sqlite2pg_rolledback_* schemas, with their size. */
export async function keptSchemas(client: pg.ClientBase): Promise<KeptSchema[]> {
  const r = await client.query<{ schema: string; tables: string; bytes: string }>(
    `SELECT n.nspname AS schema, count(c.oid)::text AS tables, coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS bytes
     FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'm')
     WHERE n.nspname ~ '^sqlite2pg_(staging|previous|rolledback)_' GROUP BY n.nspname ORDER BY n.nspname`,
  );
  return r.rows.map((x) => ({ schema: x.schema, kind: /^sqlite2pg_(\w+?)_/.exec(x.schema)![1] as KeptSchema['kind'], tables: Number(x.tables), bytes: Number(x.bytes) }));
}

/** The run's snapshot file, or null once it was deleted (a run that did not cut over keeps none unless asked). */
export async function recordRunSnapshot(client: pg.ClientBase, runId: string, snapshotPath: string | null): Promise<void> {
  await client.query(`UPDATE ${J}.runs SET snapshot_path = $2 WHERE run_id = $1`, [runId, snapshotPath]);
}

// --- Online sync state (sqlite2pg sync / cutover): its own DDL block, additive. ---

/** One row per online run: capture and replay positions (changelog seq), and progress for `status`. */
export const SYNC_JOURNAL_DDL = [
  `CREATE TABLE IF NOT EXISTS ${J}.sync_state (
    run_id text PRIMARY KEY REFERENCES ${J}.runs (run_id) ON DELETE CASCADE,
    capture_installed_at timestamptz NOT NULL,
    snapshot_seq bigint NOT NULL,
    applied_seq bigint NOT NULL,
    head_seq bigint NOT NULL,
    rounds bigint NOT NULL DEFAULT 0,
    changes_applied bigint NOT NULL DEFAULT 0,
    last_round_at timestamptz,
    lag_ms bigint,
    downtime_ms bigint
  )`,
  `CREATE TABLE IF NOT EXISTS ${J}.sync_tables (
    run_id text NOT NULL REFERENCES ${J}.runs (run_id) ON DELETE CASCADE,
    source_table text NOT NULL,
    keys_applied bigint NOT NULL DEFAULT 0,
    rows_upserted bigint NOT NULL DEFAULT 0,
    rows_deleted bigint NOT NULL DEFAULT 0,
    rows_quarantined bigint NOT NULL DEFAULT 0,
    carry_count bigint NOT NULL,
    carry_sum numeric(20, 0) NOT NULL,
    target_count bigint NOT NULL,
    target_sum numeric(20, 0) NOT NULL,
    PRIMARY KEY (run_id, source_table)
  )`,
  // What the staging table holds, kept by statement-level triggers (see staging-counters.ts):
  // every insert, update and delete, replay's or anyone's, moves these in the writer's own
  // transaction; NULL when the run started before the counters existed; a TRUNCATE poisons them.
  // Only when missing: ALTER TABLE locks the table even when IF NOT EXISTS makes it a no-op, and
  // another schema's sync may be in a round.
  `DO $add$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${JOURNAL_SCHEMA}.sync_tables'::regclass AND attname = 'staging_truncated' AND NOT attisdropped) THEN
      ALTER TABLE ${J}.sync_tables ADD COLUMN IF NOT EXISTS staging_count bigint, ADD COLUMN IF NOT EXISTS staging_sum numeric(20, 0),
        ADD COLUMN IF NOT EXISTS staging_truncated boolean NOT NULL DEFAULT false;
    END IF;
  END $add$`,
  // TG_ARGV: run id, source table, the md5 input of a row of the table (canonicalRowSql over alias r).
  // SECURITY DEFINER with search_path pinned, as capture_change: whoever writes the staging table
  // needs no privilege on the journal schema, and the function resolves nothing the caller controls.
  `CREATE OR REPLACE FUNCTION ${J}.count_staging_rows() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $count$
DECLARE
  n bigint := 0;
  s numeric := 0;
  n2 bigint;
  s2 numeric;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE ${J}.sync_tables SET staging_truncated = true WHERE run_id = TG_ARGV[0] AND source_table = TG_ARGV[1];
    RETURN NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    EXECUTE format('SELECT count(*), coalesce(sum((''x'' || left(md5(%s), 16))::bit(64)::bigint), 0) FROM sqlite2pg_new AS r', TG_ARGV[2]) INTO n, s;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    EXECUTE format('SELECT count(*), coalesce(sum((''x'' || left(md5(%s), 16))::bit(64)::bigint), 0) FROM sqlite2pg_old AS r', TG_ARGV[2]) INTO n2, s2;
    n := n - n2;
    s := s - s2;
  END IF;
  IF n <> 0 OR s <> 0 THEN
    UPDATE ${J}.sync_tables SET staging_count = staging_count + n,
      staging_sum = ((staging_sum + s) % 18446744073709551616 + 18446744073709551616) % 18446744073709551616
    WHERE run_id = TG_ARGV[0] AND source_table = TG_ARGV[1];
  END IF;
  RETURN NULL;
END
$count$`,
];

export async function ensureSyncJournal(client: pg.ClientBase): Promise<void> {
  await client.query(`SELECT pg_advisory_lock(hashtext('sqlite2pg:journal'))`);
  try {
    for (const sql of SYNC_JOURNAL_DDL) await client.query(sql);
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('sqlite2pg:journal'))`);
  }
}

export interface SyncStateRow {
  run_id: string;
  capture_installed_at: Date;
  snapshot_seq: string;
  applied_seq: string;
  head_seq: string;
  rounds: string;
  changes_applied: string;
  last_round_at: Date | null;
  lag_ms: string | null;
  downtime_ms: string | null;
}

export interface SyncTableRow {
  source_table: string;
  keys_applied: string;
  rows_upserted: string;
  rows_deleted: string;
  rows_quarantined: string;
  carry_count: string;
  carry_sum: string;
  target_count: string;
  target_sum: string;
  staging_count: string | null;
  staging_sum: string | null;
  staging_truncated: boolean;
}

export async function insertSyncState(client: pg.ClientBase, runId: string, installedAt: string, snapshotSeq: number, tables: readonly { source: string; count: number; sum: string; targetCount: number; targetSum: string }[]): Promise<void> {
  await client.query(`INSERT INTO ${J}.sync_state (run_id, capture_installed_at, snapshot_seq, applied_seq, head_seq) VALUES ($1, $2, $3, $3, $3)`, [runId, installedAt, snapshotSeq]);
  for (const t of tables) {
    await client.query(`INSERT INTO ${J}.sync_tables (run_id, source_table, carry_count, carry_sum, target_count, target_sum) VALUES ($1, $2, $3, $4, $5, $6)`, [runId, t.source, t.count, t.sum, t.targetCount, t.targetSum]);
  }
}

export async function syncState(client: pg.ClientBase, runId: string): Promise<{ state: SyncStateRow; tables: SyncTableRow[] } | null> {
  if (!(await client.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'sync_state'`, [JOURNAL_SCHEMA])).rowCount) return null;
  const s = await client.query<SyncStateRow>(`SELECT * FROM ${J}.sync_state WHERE run_id = $1`, [runId]);
  if (!s.rows[0]) return null;
  const t = await client.query<SyncTableRow>(`SELECT * FROM ${J}.sync_tables WHERE run_id = $1 ORDER BY source_table`, [runId]);
  return { state: s.rows[0], tables: t.rows };
}

/** A round's outcome, in the round's own transaction: the applied position moves with the data. */
export async function recordSyncRound(
  client: pg.ClientBase,
  runId: string,
  r: { appliedSeq: number; headSeq: number; lagMs: number | null; changes: number },
  tables: readonly { source: string; keys: number; upserted: number; deleted: number; quarantined: number; count: number; sum: string; targetCount: number; targetSum: string }[],
): Promise<void> {
  await client.query(`UPDATE ${J}.sync_state SET applied_seq = $2, head_seq = greatest(head_seq, $3), rounds = rounds + 1, changes_applied = changes_applied + $4, last_round_at = now(), lag_ms = $5 WHERE run_id = $1`, [runId, r.appliedSeq, r.headSeq, r.changes, r.lagMs]);
  for (const t of tables) {
    await client.query(
      `UPDATE ${J}.sync_tables SET keys_applied = keys_applied + $3, rows_upserted = rows_upserted + $4, rows_deleted = rows_deleted + $5, rows_quarantined = rows_quarantined + $6,
         carry_count = $7, carry_sum = $8, target_count = $9, target_sum = $10 WHERE run_id = $1 AND source_table = $2`,
      [runId, t.source, t.keys, t.upserted, t.deleted, t.quarantined, t.count, t.sum, t.targetCount, t.targetSum],
    );
  }
}

export async function setSyncDowntime(client: pg.ClientBase, runId: string, ms: number): Promise<void> {
  await client.query(`UPDATE ${J}.sync_state SET downtime_ms = $2 WHERE run_id = $1`, [runId, ms]);
}

/** The online run of a schema that is syncing (at most one: the target lock serialises them). */
export async function syncingRun(client: pg.ClientBase, schema: string): Promise<RunRow | null> {
  const r = await client.query<RunRow>(`SELECT * FROM ${J}.runs WHERE target_schema = $1 AND mode = 'online' AND status IN ('syncing', 'running') ORDER BY started_at DESC LIMIT 1`, [schema]);
  return r.rows[0] ?? null;
}
