/**
 * The swap of the verified staging schema into the live schema, in one transaction, and what
 * follows it (identity smoke test); the fallback capture triggers are installed inside the same
 * transaction (so no write after the commit escapes, and rollback's write detection has a baseline
 * even after a crash); or, for a dry run or a run that stops before
 * the cutover, the removal of its staging schema.
 */
import { resolve } from 'node:path';
import type pg from 'pg';
import { LoadError, VerifyError } from '../../errors.js';
import type { Plan } from '../../model/plan.js';
import type { Invocation, RunResult } from '../../model/run-result.js';
import { personalizeHint } from '../../report/hints.js';
import { qualify, quoteIdent } from '../../plan/identifiers.js';
import { swapIn } from '../../cutover/swap.js';
import { installCapture } from '../../cutover/pg-capture.js';
import type { SqliteFileHashes } from '../../source/sqlite-file-hash.js';
import type { StepLog } from '../step-log.js';

export interface CutoverPhaseOptions {
  /**
   * Key-capture triggers for fallback and rollback's write detection (issue #14, #12 defect 5):
   * the hashes of the file the run read (its fingerprint, so `fallback` can check app.db; taken
   * by the source phase in the read that gave its sha256; null after an online cutover, where
   * the fence triggers left in app.db identify it) and the source path; null with
   * `--no-fallback-capture`.
   */
  readonly capture: { readonly fingerprint: SqliteFileHashes | null; readonly sourcePath: string } | null;
  readonly live: string;
  readonly staging: string;
  readonly previous: string;
  readonly runId: string;
  readonly embedded: boolean;
  /** Foreign keys of other tables whose rows reference nothing in the new table: re-pointed NOT VALID (default) or the cutover fails. */
  readonly orphans?: 'not-valid' | 'fail';
  /** How long the swap waits for the application's locks on the live tables (default 10 s). */
  readonly lockTimeoutMs?: number;
  /** What the user typed: the rollback hint names the same command and target (see report/hints.ts). */
  readonly invocation?: Invocation;
  /**
   * Runs inside the swap's transaction, before the swap (an online cutover's staging-counter
   * proof). A VerifyError it throws rolls the transaction back and propagates as is (exit 6).
   */
  readonly beforeSwap?: (client: pg.ClientBase) => Promise<void>;
}

/**
 * The command that undoes this cutover, written as every hint is (`sqlite2pg <command>`, the
 * target as `--target <same target>`) and personalised by the one function that does it for all
 * hints: the command name the user typed (`npx sqlite2pg` only when npx ran it) and the flags that
 * name the same target. Pure.
 */
export function rollbackCommand(o: { readonly runId: string; readonly live: string; readonly embedded: boolean; readonly invocation?: Invocation | undefined }): string {
  return personalizeHint(`sqlite2pg rollback --run ${o.runId} --schema ${o.live}${o.embedded ? '' : ' --target <same target>'}`, o.invocation, null);
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
      // No sequence: post-load left the column a plain key (max is the largest bigint) and said why.
      if (!sq) continue;
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
    const fingerprint = o.capture?.fingerprint ?? null;
    await admin.query('BEGIN');
    try {
      // Fail fast rather than queue behind a long transaction of the application.
      await admin.query(`SET LOCAL lock_timeout = '${Math.max(1, Math.round(o.lockTimeoutMs ?? 10_000))}ms'`);
      await o.beforeSwap?.(admin);
      swap = await swapIn(admin, { live: o.live, staging: o.staging, previous: o.previous, runId: o.runId, orphans: o.orphans ?? 'not-valid', ...(log.events.sql ? { log: log.events.sql } : {}) });
      if (o.capture) {
        const moved = new Set(swap.moved.tables);
        await installCapture(admin, {
          live: o.live,
          runId: o.runId,
          tables: plan.tables.filter((t) => moved.has(t.target)),
          source: fingerprint ? { path: resolve(o.capture.sourcePath), sha256: fingerprint.sha256, contentSha256: fingerprint.contentSha256 } : null,
          ...(log.events.sql ? { log: log.events.sql } : {}),
        });
      }
      await admin.query('COMMIT');
      // Fault injection for the e2e tests: a crash right after the cutover committed.
      if (process.env['SQLITE2PG_TEST_CRASH'] === 'after-cutover-commit') process.kill(process.pid, 'SIGKILL');
    } catch (e) {
      await admin.query('ROLLBACK').catch(() => undefined);
      if (e instanceof VerifyError) throw e;
      throw new LoadError('E_CUTOVER', `Cutover failed and was rolled back: ${(e as Error).message}`, { cause: e, hint: `The live schema is unchanged; the loaded data is still in ${o.staging}.` });
    }
    // What depends on the objects moved aside: said loudly (console and report), with what to do.
    for (const d of swap.dependentObjects) if (d.kind !== 'foreign-key') log.warn(d.action.replaceAll('the sqlite2pg_previous_… schema', o.previous));
    for (const fk of swap.foreignKeys) {
      if (fk.validated) log.warn(`foreign key ${fk.constraint} was re-pointed to the new ${fk.references} (it referenced the table moved into ${o.previous}), and its rows were validated`);
      else if (fk.orphans > 0) log.warn(`foreign key ${fk.constraint} was re-pointed to the new ${fk.references} NOT VALID: ${fk.orphans} of its rows reference${fk.orphans === 1 ? 's' : ''} no row of the new table (new writes are checked, these rows are not); fix them, then run ${fk.validateCommand}`);
      else log.warn(`foreign key ${fk.constraint} was re-pointed to the new ${fk.references} and kept NOT VALID, as it was; validate it with ${fk.validateCommand}`);
    }
    log.note(await identitySmokeTest(admin, o.live, plan));
    return {
      performed: true,
      ms: swap.ms,
      previousSchema: swap.moved.previous.length ? o.previous : null,
      rollbackCommand: rollbackCommand(o),
      rollbackDescription: swap.moved.previous.length
        ? `moves the ${swap.moved.tables.length} migrated tables out of ${o.live} into a new schema sqlite2pg_rolledback_…, and moves the ${swap.moved.previous.length} previous objects back from ${o.previous}, in one transaction`
        : `moves the ${swap.moved.tables.length} migrated tables out of ${o.live} into a new schema sqlite2pg_rolledback_… (kept, not dropped), in one transaction; ${o.live} had no tables of these names before`,
      replaces: swap.moved.previous.map((p) => ({ kind: p.kind, name: p.name })),
      dependents: swap.dependentObjects,
      foreignKeys: swap.foreignKeys,
    };
  });
}

/** A dry run, or a run that stops before the cutover, removes what it staged (unless --keep). */
export async function dropStaging(admin: pg.ClientBase, staging: string, log: StepLog): Promise<void> {
  await log.timed('drop staging schema', 'cutover', async () => {
    await admin.query(`DROP SCHEMA ${quoteIdent(staging)} CASCADE`); // ours alone: created by this run
  });
}
