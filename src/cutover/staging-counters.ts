/**
 * The staging counters of an online run: what each staging table holds (row count and the
 * order-independent checksum sum), kept current by statement-level AFTER INSERT / UPDATE / DELETE
 * triggers with transition tables, plus an AFTER TRUNCATE trigger that poisons the counter. Every
 * write to a staging table moves its counter in the writer's own transaction: replay's (in the
 * round's transaction, with the journal's applied position, so a crash or a resume never counts a
 * round twice or misses one), and anyone else's (an ON DELETE or ON UPDATE CASCADE that the source
 * did not apply, a trigger, a person writing to the staging schema).
 *
 * The proof in the window is then O(changes) and exact: the counter started at the snapshot's
 * verified count and sum, replay's carried target count and sum moved by the rows of the changed
 * keys only, so both agree exactly when nothing but replay changed a row (an UPDATE outside replay
 * too, which a count(*) would miss). Compared inside the swap's transaction after the triggers are
 * dropped there (DROP TRIGGER locks the table to the commit): the triggers never reach the live
 * schema, and no write can slip in between the proof and the swap. A counter that cannot be
 * trusted (a run started before the counters existed, a trigger dropped or disabled, a TRUNCATE)
 * falls back to reading that table in full, which is exact but O(rows), and says so.
 *
 * The triggers are ENABLE ALWAYS: they fire under session_replication_role = replica too. Writes
 * that fire no trigger at all do not change rows of the table (ALTER TABLE rewrites, VACUUM
 * FULL, CLUSTER), or remove the table (DROP, whose swap then fails).
 */
import type pg from 'pg';
import type { TablePlan } from '../model/plan.js';
import { qualify, quoteIdent, quoteLiteral } from '../plan/identifiers.js';
import { canonicalRowSql } from '../encode/canonical.js';
import { tableChecksumSql } from '../encode/checksum.js';
import { checksumColumns } from '../verify/verify-tables.js';
import { JOURNAL_SCHEMA, type SyncTableRow } from './journal.js';

const J = quoteIdent(JOURNAL_SCHEMA);
const FUNCTION = `${JOURNAL_SCHEMA}.count_staging_rows()`;

/** Trigger name → its event clause. */
const TRIGGERS: readonly (readonly [string, string])[] = [
  ['sqlite2pg_rows_insert', 'AFTER INSERT ON %t REFERENCING NEW TABLE AS sqlite2pg_new FOR EACH STATEMENT'],
  ['sqlite2pg_rows_update', 'AFTER UPDATE ON %t REFERENCING OLD TABLE AS sqlite2pg_old NEW TABLE AS sqlite2pg_new FOR EACH STATEMENT'],
  ['sqlite2pg_rows_delete', 'AFTER DELETE ON %t REFERENCING OLD TABLE AS sqlite2pg_old FOR EACH STATEMENT'],
  ['sqlite2pg_rows_truncate', 'AFTER TRUNCATE ON %t FOR EACH STATEMENT'],
];

/** The md5 input of one row of `t` under alias `r`: the same form verification and replay hash. */
function rowFormOf(t: TablePlan): string {
  return canonicalRowSql(t.columns.map((c) => ({ cast: c.cast, ref: `r.${quoteIdent(c.target)}` })));
}

/**
 * Start the counters at the snapshot's verified target count and sum (recorded by
 * insertSyncState) and install the triggers, in one transaction. Call once the snapshot is verified.
 */
export async function installStagingCounters(client: pg.ClientBase, o: { runId: string; staging: string; tables: readonly TablePlan[] }): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`UPDATE ${J}.sync_tables SET staging_count = target_count, staging_sum = target_sum, staging_truncated = false WHERE run_id = $1`, [o.runId]);
    for (const t of o.tables) {
      const rel = qualify(o.staging, t.target);
      const args = [o.runId, t.source, rowFormOf(t)].map(quoteLiteral).join(', ');
      for (const [name, events] of TRIGGERS) {
        await client.query(`CREATE TRIGGER ${quoteIdent(name)} ${events.replace('%t', rel)} EXECUTE FUNCTION ${J}.count_staging_rows(${args})`);
        await client.query(`ALTER TABLE ${rel} ENABLE ALWAYS TRIGGER ${quoteIdent(name)}`);
      }
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** The counting triggers present on the staging tables: table → names of those enabled ALWAYS. */
export async function stagingCounterTriggers(client: pg.ClientBase, staging: string): Promise<Map<string, { name: string; always: boolean }[]>> {
  const r = await client.query<{ tbl: string; name: string; enabled: string }>(
    `SELECT c.relname AS tbl, t.tgname AS name, t.tgenabled::text AS enabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND t.tgfoid = to_regprocedure($2)`,
    [staging, FUNCTION],
  );
  const out = new Map<string, { name: string; always: boolean }[]>();
  for (const x of r.rows) out.set(x.tbl, [...(out.get(x.tbl) ?? []), { name: x.name, always: x.enabled === 'A' }]);
  return out;
}

export interface CounterProof {
  readonly problems: readonly string[];
  /** What the staging tables that disagree hold, by source table (for the report's table rows). */
  readonly mismatches: ReadonlyMap<string, { readonly count: number; readonly sum: bigint }>;
  /** Tables whose counter could not be trusted and were read in full instead, with why. */
  readonly fullReads: readonly string[];
}

/**
 * Inside the swap's transaction, before the swap: drop the counting triggers (so they never reach
 * the live schema; DROP TRIGGER holds the table's lock to the commit, so nothing changes after the
 * read) and compare each counter with replay's carried target count and sum.
 */
export async function proveStagingCounters(
  client: pg.ClientBase,
  o: { runId: string; staging: string; tables: readonly TablePlan[]; carry: ReadonlyMap<string, { readonly targetCount: number; readonly targetSum: bigint }> },
): Promise<CounterProof> {
  const triggers = await stagingCounterTriggers(client, o.staging);
  for (const [tbl, list] of triggers) for (const tr of list) await client.query(`DROP TRIGGER ${quoteIdent(tr.name)} ON ${qualify(o.staging, tbl)}`);
  const rows = new Map(
    (await client.query<Pick<SyncTableRow, 'source_table' | 'staging_count' | 'staging_sum' | 'staging_truncated'>>(`SELECT source_table, staging_count::text, staging_sum::text, staging_truncated FROM ${J}.sync_tables WHERE run_id = $1`, [o.runId])).rows.map((x) => [x.source_table, x]),
  );
  const problems: string[] = [];
  const fullReads: string[] = [];
  const mismatches = new Map<string, { count: number; sum: bigint }>();
  for (const t of o.tables) {
    const c = o.carry.get(t.source);
    if (!c) {
      problems.push(`${t.source}: no carried checksum`);
      continue;
    }
    const st = rows.get(t.source);
    const present = triggers.get(t.target) ?? [];
    const why =
      !st || st.staging_count === null || st.staging_sum === null
        ? 'the run started before staging counters existed'
        : st.staging_truncated
          ? 'the staging table was truncated outside replay'
          : present.length < TRIGGERS.length || present.some((x) => !x.always)
            ? 'its counting triggers were dropped or disabled'
            : null;
    let count: number;
    let sum: bigint;
    if (why === null) {
      count = Number(st!.staging_count);
      sum = BigInt(st!.staging_sum!);
    } else {
      fullReads.push(`${t.source} (${why})`);
      const r = await client.query<{ count: string; sum: string }>(tableChecksumSql(o.staging, t.target, checksumColumns(t)));
      count = Number(r.rows[0]!.count);
      sum = BigInt(r.rows[0]!.sum);
    }
    if (count !== c.targetCount || sum !== c.targetSum) {
      mismatches.set(t.source, { count, sum });
      problems.push(`${t.source}: the staging table holds ${count} rows (checksum ${count}:${sum}), replay accounts for ${c.targetCount}:${c.targetSum} (rows changed outside replay, e.g. an ON DELETE CASCADE the source did not apply, or a write to the staging schema)`);
    }
  }
  return { problems, mismatches, fullReads };
}

/** The trusted staging counters of a run (set, not poisoned by a TRUNCATE): source table → count and sum. */
export async function stagingCounts(client: pg.ClientBase, runId: string): Promise<Map<string, { count: number; sum: bigint }>> {
  const r = await client.query<{ t: string; n: string; s: string }>(
    `SELECT source_table AS t, staging_count::text AS n, staging_sum::text AS s FROM ${quoteIdent(JOURNAL_SCHEMA)}.sync_tables WHERE run_id = $1 AND staging_count IS NOT NULL AND staging_sum IS NOT NULL AND NOT staging_truncated`,
    [runId],
  );
  return new Map(r.rows.map((x) => [x.t, { count: Number(x.n), sum: BigInt(x.s) }]));
}
