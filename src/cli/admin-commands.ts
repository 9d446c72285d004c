/**
 * `status` and `rollback`: read and act on the run journal in the target.
 */
import { ExitCode, RollbackError, type ExitCodeValue } from '../errors.js';
import { connectTarget, type TargetSettings } from '../load/target.js';
import { journalExists, keptSchemas, listRuns, runSchemaName, type KeptSchema } from '../cutover/journal.js';
import { formatBytes } from '../report/format.js';
import { acquireTargetLock, releaseTargetLock } from '../cutover/target-lock.js';
import { swapBack } from '../cutover/swap.js';
import { changeCounts, fenceWriters, writersOf, type ChangeCounts } from '../cutover/pg-capture.js';
import type { Output } from './output.js';

export async function runStatus(out: Output, target: TargetSettings, schema: string | undefined): Promise<ExitCodeValue> {
  const client = await connectTarget(target);
  try {
    if (!(await journalExists(client))) {
      out.result(`No sqlite2pg runs recorded in ${target.display}.`);
      if (out.options.json) out.json({ exitCode: ExitCode.ok, target: target.display, live: null, runs: [] });
      return ExitCode.ok;
    }
    const runs = await listRuns(client, schema);
    const kept = await keptSchemas(client);
    if (out.options.json) {
      const current = runs.find((r) => r.status === 'cut-over');
      out.json({ exitCode: ExitCode.ok, target: target.display, live: current?.run_id ?? null, runs, keptSchemas: kept });
      return ExitCode.ok;
    }
    const lines = runs.map((r) => `${r.run_id}  ${r.status.padEnd(11)} ${r.mode.padEnd(8)} schema=${r.target_schema}  started=${r.started_at.toISOString()}  source=${r.source_path}${r.error ? `  error: ${r.error}` : ''}`);
    const live = runs.find((r) => r.status === 'cut-over');
    lines.unshift(live ? `Live: run ${live.run_id} (cut over ${live.cutover_at?.toISOString()}); roll back with: npx sqlite2pg rollback --run ${live.run_id} --schema ${live.target_schema}` : 'No cut-over run is live.');
    if (kept.length) {
      lines.push('', 'Schemas kept by sqlite2pg (nothing is dropped for you; drop one with DROP SCHEMA <name> CASCADE once it is not needed):');
      for (const k of kept) lines.push(`  ${k.schema}  ${k.tables} tables, ${formatBytes(k.bytes)}: ${KEPT_MEANING[k.kind]}`);
    }
    out.result(lines.join('\n'));
    return ExitCode.ok;
  } finally {
    await client.end();
  }
}

const KEPT_MEANING: Record<KeptSchema['kind'], string> = {
  staging: 'loaded data of a run that did not finish (what --resume continues from)',
  previous: 'the tables that were live before that run cut over (what its rollback restores)',
  rolledback: 'the tables a rollback moved out of the live schema',
};

export async function runRollback(out: Output, target: TargetSettings, o: { schema: string; runId: string | null; force: boolean }): Promise<ExitCodeValue> {
  const client = await connectTarget(target);
  const lock = await connectTarget(target);
  try {
    if (!(await journalExists(client))) throw new RollbackError('E_NOTHING_TO_ROLL_BACK', `Nothing to roll back: no sqlite2pg runs are recorded in ${target.display}.`);
    const runs = await listRuns(client, o.schema);
    const run = o.runId ? runs.find((r) => r.run_id === o.runId) : runs.find((r) => r.status === 'cut-over');
    if (!run) throw new RollbackError('E_NOTHING_TO_ROLL_BACK', o.runId ? `No run ${o.runId} for schema ${o.schema}.` : `Nothing to roll back: no cut-over run is live in schema ${o.schema}.`, { hint: 'sqlite2pg status lists the runs.' });
    if (run.status !== 'cut-over') throw new RollbackError('E_NOT_CUT_OVER', `Run ${run.run_id} is ${run.status}, not cut over: there is nothing of it to roll back.`);
    const newer = runs.find((r) => r.status === 'cut-over' && r.started_at > run.started_at);
    if (newer) throw new RollbackError('E_NEWER_RUN', `Run ${newer.run_id} was cut over after ${run.run_id}: roll that one back first.`);
    await acquireTargetLock(lock, o.schema);
    try {
      const moved = run.moved!;
      // Writes since the cutover are detected from the capture triggers the cutover installed in
      // its own transaction (cutover/pg-capture.ts), never from statistics counters, which lag
      // behind an open transaction of another backend. No capture recorded: we cannot know.
      if (!run.capture && !o.force) {
        throw new RollbackError('E_NO_CAPTURE', `Run ${run.run_id} was cut over without write capture (an older sqlite2pg, or --no-fallback-capture): rollback cannot tell whether the application wrote to ${moved.tables.join(', ')} since the cutover.`, {
          hint: 'Check for yourself that nothing was written (or that losing it is acceptable), then rerun with --force: the migrated tables are moved aside, not dropped.',
        });
      }
      const aside = runSchemaName('rolledback', run.run_id);
      const start = Date.now();
      let writes: ChangeCounts[] = [];
      await client.query('BEGIN');
      try {
        // The fence: no write to the migrated tables can be in flight or start until we commit.
        try {
          await fenceWriters(client, o.schema, moved.tables, 10_000);
        } catch (e) {
          if ((e as { code?: string }).code !== '55P03') throw e;
          await client.query('ROLLBACK').catch(() => undefined);
          const who = await writersOf(client, o.schema, moved.tables).catch(() => []);
          throw new RollbackError('E_WRITES_IN_FLIGHT', `Rollback refused: a transaction is writing to the migrated tables right now (lock not granted within 10 s), so its writes would be lost.`, {
            problems: who,
            hint: 'Stop the application (or let that transaction finish), then run rollback again; the live schema was not changed.',
          });
        }
        if (run.capture) {
          writes = await changeCounts(client, run.run_id);
          if (writes.length && !o.force) {
            const list = writes.map((w) => `${w.table}: ${w.inserts} inserted, ${w.updates} updated, ${w.deletes} deleted${w.truncates ? `, truncated ${w.truncates}×` : ''}`);
            throw new RollbackError('E_WRITES_SINCE_CUTOVER', `The migrated tables were written to since the cutover: rolling back would put those writes aside.`, {
              problems: list,
              hint: 'To keep them, bring them back into the SQLite file first: sqlite2pg fallback <app.db> (see README, "Going back"). Or rerun with --force to roll back anyway (the written tables are kept in the aside schema, not dropped).',
            });
          }
        }
        await client.query(`SET LOCAL lock_timeout = '10s'`);
        await swapBack(client, { live: o.schema, previous: run.previous_schema, aside, moved, runId: run.run_id, log: (s) => out.verbose(s) });
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (e instanceof RollbackError) throw e;
        throw new RollbackError('E_ROLLBACK_FAILED', `Rollback failed and was undone, the live schema is as it was: ${(e as Error).message}`, { cause: e, hint: 'Read the error, fix what blocks it (e.g. a lock held by the application), and run rollback again.' });
      }
      const ms = Date.now() - start;
      out.result(`Rolled back run ${run.run_id} in ${ms} ms: ${moved.tables.length} tables moved to ${aside}${run.previous_schema ? `, ${moved.previous.length} previous objects restored from ${run.previous_schema}` : ''}.`);
      if (writes.length) out.warn(`--force: the writes made since the cutover stay in ${aside} (${writes.map((w) => w.table).join(', ')}).`);
      if (out.options.json) {
        out.json({ exitCode: ExitCode.ok, runId: run.run_id, schema: o.schema, ms, tablesMovedTo: aside, tables: moved.tables, restoredFrom: run.previous_schema, restored: moved.previous, writesSinceCutover: writes });
      }
      return ExitCode.ok;
    } finally {
      await releaseTargetLock(lock, o.schema).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}
