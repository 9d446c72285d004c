/**
 * The swap of the verified staging schema into the live schema, in one transaction, and what
 * follows it (identity smoke test, write baseline); or, for a dry run or a run that stops before
 * the cutover, the removal of its staging schema.
 */
import type pg from 'pg';
import { LoadError } from '../../errors.js';
import type { Plan } from '../../model/plan.js';
import type { RunResult } from '../../model/run-result.js';
import { qualify, quoteIdent } from '../../plan/identifiers.js';
import { swapIn, writeCounters } from '../../cutover/swap.js';
import type { StepLog } from '../step-log.js';

export interface CutoverPhaseOptions {
  readonly live: string;
  readonly staging: string;
  readonly previous: string;
  readonly runId: string;
  readonly embedded: boolean;
  /** How long the swap waits for the application's locks on the live tables (default 10 s). */
  readonly lockTimeoutMs?: number;
}

/** After the swap: every identity's next value must be past max(id), or the application's first INSERT fails. */
async function identitySmokeTest(client: pg.ClientBase, schema: string, plan: Plan): Promise<string[]> {
  const problems: string[] = [];
  for (const t of plan.tables) {
    for (const c of t.columns.filter((x) => x.identity)) {
      const table = qualify(schema, t.target);
      // pg_sequences shows NULL after setval(..., false): read last_value and is_called from the sequence.
      const seq = await client.query<{ nspname: string; relname: string }>(
        `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = pg_get_serial_sequence($1, $2)::regclass`,
        [table, c.target],
      );
      const sq = seq.rows[0];
      const r = sq
        ? await client.query<{ ok: boolean; next: string; max: string | null }>(
            `SELECT (CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END) > coalesce(m.max, 0) AS ok,
                    (CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END)::text AS next, m.max::text AS max
             FROM ${qualify(sq.nspname, sq.relname)} s, (SELECT max(${quoteIdent(c.target)}) AS max FROM ${table}) m`,
          )
        : { rows: [] as { ok: boolean; next: string; max: string | null }[] };
      const row = r.rows[0];
      if (!row?.ok) problems.push(`identity ${t.target}.${c.target}: next value ${row?.next ?? '?'} is not past max ${row?.max ?? '?'}; fix it with setval before the application writes`);
    }
  }
  return problems;
}

/** Swap staging in; the live schema changes only inside this phase's one transaction. */
export async function cutoverPhase(admin: pg.ClientBase, plan: Plan, o: CutoverPhaseOptions, log: StepLog): Promise<RunResult['cutover']> {
  return log.timed('cutover', 'cutover', async () => {
    let swap: Awaited<ReturnType<typeof swapIn>>;
    await admin.query('BEGIN');
    try {
      // Fail fast rather than queue behind a long transaction of the application.
      await admin.query(`SET LOCAL lock_timeout = '${Math.max(1, Math.round(o.lockTimeoutMs ?? 10_000))}ms'`);
      swap = await swapIn(admin, { live: o.live, staging: o.staging, previous: o.previous, runId: o.runId, ...(log.events.sql ? { log: log.events.sql } : {}) });
      await admin.query('COMMIT');
    } catch (e) {
      await admin.query('ROLLBACK').catch(() => undefined);
      throw new LoadError('E_CUTOVER', `Cutover failed and was rolled back: ${(e as Error).message}`, { cause: e, hint: `The live schema is unchanged; the loaded data is still in ${o.staging}.` });
    }
    for (const d of swap.dependents) log.note([`${d}: it still reads the previous table, now in ${o.previous}; re-create it if it should read the new data`]);
    log.note(await identitySmokeTest(admin, o.live, plan));
    const counters = await writeCounters(admin, o.live, swap.moved.tables);
    await admin.query(`UPDATE ${quoteIdent('sqlite2pg')}.runs SET write_counters = $2 WHERE run_id = $1`, [o.runId, JSON.stringify(counters)]);
    return {
      performed: true,
      ms: swap.ms,
      previousSchema: swap.moved.previous.length ? o.previous : null,
      rollbackCommand: `npx sqlite2pg rollback --run ${o.runId} --schema ${o.live}${o.embedded ? '' : ' --target <same target>'}`,
      rollbackDescription: swap.moved.previous.length
        ? `moves the ${swap.moved.tables.length} migrated tables out of ${o.live} into a new schema sqlite2pg_rolledback_…, and moves the ${swap.moved.previous.length} previous objects back from ${o.previous}, in one transaction`
        : `moves the ${swap.moved.tables.length} migrated tables out of ${o.live} into a new schema sqlite2pg_rolledback_… (kept, not dropped), in one transaction; ${o.live} had no tables of these names before`,
    };
  });
}

/** A dry run, or a run that stops before the cutover, removes what it staged (unless --keep). */
export async function dropStaging(admin: pg.ClientBase, staging: string, log: StepLog): Promise<void> {
  await log.timed('drop staging schema', 'cutover', async () => {
    await admin.query(`DROP SCHEMA ${quoteIdent(staging)} CASCADE`); // ours alone: created by this run
  });
}
