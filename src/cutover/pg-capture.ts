/**
 * Fallback capture: key-only triggers on the migrated tables in PostgreSQL, installed INSIDE the
 * cutover's swap transaction, so every write the application makes after the cutover is recorded
 * in `sqlite2pg.changes` in the writer's own transaction (it commits or rolls back with the
 * write). `rollback` detects writes exactly from it, and `fallback` reads the changed keys from it.
 *
 * - Row level AFTER INSERT/UPDATE/DELETE: (run, table, op, old key, new key, txid, time), the key
 *   as a jsonb object of the primary-key columns (NULL for a table without a key: the fallback then
 *   rewrites that table whole). Statement level AFTER TRUNCATE: one row, op 'T'.
 * - One trigger function, SECURITY DEFINER with search_path pinned: the application usually
 *   writes as another role, which must not need (and does not get) any privilege on the journal
 *   schema; with the path pinned to pg_catalog, the function resolves nothing the caller controls.
 *   https://www.postgresql.org/docs/current/sql-createfunction.html#SQL-CREATEFUNCTION-SECURITY
 * - Triggers move with their table (`ALTER TABLE … SET SCHEMA` keeps them), so a rolled-back or
 *   superseded table keeps capturing under its own run id, which is harmless and correct.
 */
import type pg from 'pg';
import { RollbackError } from '../errors.js';
import { qualify, quoteIdent, quoteLiteral } from '../plan/identifiers.js';
import type { TablePlan } from '../model/plan.js';
import { JOURNAL_SCHEMA, type CaptureRecord } from './journal.js';

const J = quoteIdent(JOURNAL_SCHEMA);
export const CAPTURE_TRIGGER = 'sqlite2pg_capture';
export const CAPTURE_TRUNCATE_TRIGGER = 'sqlite2pg_capture_truncate';

/** Idempotent DDL of the changes table and the trigger function (run by ensureJournal's caller). */
export const CAPTURE_DDL: readonly string[] = [
  // No index and no constraint: every write of the application pays for this insert, and the
  // readers (rollback, fallback) scan it once. `seq` orders the entries of one transaction.
  `CREATE TABLE IF NOT EXISTS ${J}.changes (
    seq bigint GENERATED ALWAYS AS IDENTITY,
    run_id text NOT NULL,
    table_name text NOT NULL,
    op text NOT NULL,
    old_key jsonb,
    new_key jsonb,
    txid bigint NOT NULL DEFAULT txid_current(),
    at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`,
  // TG_ARGV[0] is the run id, TG_ARGV[1..] the key columns. An UPDATE that keeps the key records
  // it once (new_key); one that changes it records both. to_jsonb(row) -> column keeps the value's
  // type in a form jsonb_populate_record reads back exactly (integers, text, timestamps, bytea hex).
  `CREATE OR REPLACE FUNCTION ${J}.capture_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $capture$
DECLARE
  r jsonb;
  ok jsonb;
  nk jsonb;
  i int;
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    INSERT INTO ${J}.changes (run_id, table_name, op) VALUES (TG_ARGV[0], TG_TABLE_NAME, 'T');
    RETURN NULL;
  END IF;
  IF TG_NARGS > 1 THEN
    IF TG_OP <> 'INSERT' THEN
      r := to_jsonb(OLD);
      ok := '{}'::jsonb;
      FOR i IN 1 .. TG_NARGS - 1 LOOP
        ok := ok || jsonb_build_object(TG_ARGV[i], r -> TG_ARGV[i]);
      END LOOP;
    END IF;
    IF TG_OP <> 'DELETE' THEN
      r := to_jsonb(NEW);
      nk := '{}'::jsonb;
      FOR i IN 1 .. TG_NARGS - 1 LOOP
        nk := nk || jsonb_build_object(TG_ARGV[i], r -> TG_ARGV[i]);
      END LOOP;
    END IF;
    IF ok = nk THEN
      ok := NULL;
    END IF;
  END IF;
  INSERT INTO ${J}.changes (run_id, table_name, op, old_key, new_key) VALUES (TG_ARGV[0], TG_TABLE_NAME, left(TG_OP, 1), ok, nk);
  RETURN NULL;
END
$capture$`,
];

export async function ensureCaptureObjects(client: pg.ClientBase): Promise<void> {
  for (const sql of CAPTURE_DDL) await client.query(sql);
}

/**
 * Install the capture triggers on the migrated tables and record them (and every column's forward
 * cast, the Plan's tables) in the run's journal row. MUST run inside the cutover's swap
 * transaction, after swapIn: then a cutover without capture cannot commit, and a crash after the
 * commit leaves the capture in place.
 */
export async function installCapture(
  client: pg.ClientBase,
  o: { live: string; runId: string; tables: readonly TablePlan[]; source: CaptureRecord['source']; log?: (sql: string) => void },
): Promise<CaptureRecord> {
  await ensureCaptureObjects(client);
  const run = async (sql: string): Promise<void> => {
    o.log?.(sql);
    await client.query(sql);
  };
  const tables: Record<string, string[]> = {};
  for (const t of o.tables) {
    const key = [...(t.primaryKey?.columns ?? [])];
    tables[t.target] = key;
    const args = [o.runId, ...key].map(quoteLiteral).join(', ');
    const rel = qualify(o.live, t.target);
    await run(`CREATE TRIGGER ${quoteIdent(CAPTURE_TRIGGER)} AFTER INSERT OR UPDATE OR DELETE ON ${rel} FOR EACH ROW EXECUTE FUNCTION ${J}.capture_change(${args})`);
    await run(`CREATE TRIGGER ${quoteIdent(CAPTURE_TRUNCATE_TRIGGER)} AFTER TRUNCATE ON ${rel} FOR EACH STATEMENT EXECUTE FUNCTION ${J}.capture_change(${quoteLiteral(o.runId)})`);
  }
  const record: CaptureRecord = { installedAt: new Date().toISOString(), tables, source: o.source };
  await client.query(`UPDATE ${J}.runs SET capture = $2, plan_tables = $3 WHERE run_id = $1`, [o.runId, JSON.stringify(record), JSON.stringify(o.tables)]);
  return record;
}

/** Per table (target name), how many changes of each kind a run's capture recorded. */
export interface ChangeCounts {
  readonly table: string;
  readonly inserts: number;
  readonly updates: number;
  readonly deletes: number;
  readonly truncates: number;
}

export async function changeCounts(client: pg.ClientBase, runId: string): Promise<ChangeCounts[]> {
  const r = await client.query<{ table_name: string; i: string; u: string; d: string; t: string }>(
    `SELECT table_name, count(*) FILTER (WHERE op = 'I') AS i, count(*) FILTER (WHERE op = 'U') AS u, count(*) FILTER (WHERE op = 'D') AS d, count(*) FILTER (WHERE op = 'T') AS t
     FROM ${J}.changes WHERE run_id = $1 GROUP BY table_name ORDER BY table_name`,
    [runId],
  );
  return r.rows.map((x) => ({ table: x.table_name, inserts: Number(x.i), updates: Number(x.u), deletes: Number(x.d), truncates: Number(x.t) }));
}

/**
 * Block every writer of `tables` until the caller's transaction ends, waiting at most
 * `timeoutMs` for writers already in flight. SHARE ROW EXCLUSIVE conflicts with the ROW EXCLUSIVE
 * lock INSERT/UPDATE/DELETE/MERGE take (and with TRUNCATE's ACCESS EXCLUSIVE), but not with
 * readers (ACCESS SHARE): the application can still read while we work. A transaction that
 * has written and not yet committed holds its ROW EXCLUSIVE lock to its end, so once this lock is
 * granted no write is in flight, and every committed one is in the changes table.
 * https://www.postgresql.org/docs/current/explicit-locking.html#TABLE-LOCK-COMPATIBILITY
 * Must run inside a transaction (BEGIN). Throws the server's lock_timeout error (55P03) on timeout.
 */
export async function fenceWriters(client: pg.ClientBase, schema: string, tables: readonly string[], timeoutMs: number): Promise<void> {
  if (tables.length === 0) return;
  const present = await client.query<{ name: string }>(`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p')`, [schema, tables]);
  const missing = tables.filter((t) => !present.rows.some((r) => r.name === t));
  if (missing.length) {
    throw new RollbackError('E_TABLES_MISSING', `The migrated tables ${missing.join(', ')} are no longer in schema ${schema} (dropped or renamed since the cutover): sqlite2pg cannot tell what happened to their rows.`, {
      hint: 'Put them back (or find them with sqlite2pg status), then run the command again. Nothing was changed.',
    });
  }
  await client.query(`SET LOCAL lock_timeout = ${quoteLiteral(`${timeoutMs}ms`)}`);
  await client.query(`LOCK TABLE ${tables.map((t) => qualify(schema, t)).join(', ')} IN SHARE ROW EXCLUSIVE MODE`);
}

/** Who holds or waits for a write lock on the tables (for the error when the fence cannot be taken). */
export async function writersOf(client: pg.ClientBase, schema: string, tables: readonly string[]): Promise<string[]> {
  const r = await client.query<{ d: string }>(
    `SELECT DISTINCT 'pid ' || a.pid || coalesce(' (' || nullif(a.application_name, '') || ')', '') || ' holds ' || l.mode || ' on ' || c.relname ||
            CASE WHEN a.state LIKE 'idle in transaction%' THEN ', idle in transaction since ' || to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' ELSE '' END AS d
     FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE n.nspname = $1 AND c.relname = ANY($2) AND l.granted AND l.pid <> pg_backend_pid()
       AND l.mode IN ('RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
     ORDER BY 1`,
    [schema, tables],
  );
  return r.rows.map((x) => x.d);
}

/** Remove a run's capture triggers (wherever its tables are now) and its recorded changes. */
export async function removeCapture(client: pg.ClientBase, runId: string, log?: (sql: string) => void): Promise<{ triggers: number; changes: number }> {
  // tgargs holds the arguments NUL-terminated; the first one is the run id.
  const r = await client.query<{ schema: string; table: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE t.tgfoid = ${quoteLiteral(`${JOURNAL_SCHEMA}.capture_change()`)}::regprocedure AND t.tgname IN ($2, $3)
       AND substring(t.tgargs FROM 1 FOR octet_length(convert_to($1, 'UTF8'))) = convert_to($1, 'UTF8')
       AND get_byte(t.tgargs, octet_length(convert_to($1, 'UTF8'))) = 0`,
    [runId, CAPTURE_TRIGGER, CAPTURE_TRUNCATE_TRIGGER],
  );
  for (const t of r.rows) {
    const sql = `DROP TRIGGER ${quoteIdent(t.name)} ON ${qualify(t.schema, t.table)}`;
    log?.(sql);
    await client.query(sql);
  }
  const d = await client.query(`DELETE FROM ${J}.changes WHERE run_id = $1`, [runId]);
  return { triggers: r.rows.length, changes: d.rowCount ?? 0 };
}
