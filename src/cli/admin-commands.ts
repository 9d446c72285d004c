/**
 * `status` and `rollback`: read and act on the run journal in the target.
 */
import { ExitCode, RollbackError, type ExitCodeValue } from '../errors.js';
import { connectTarget, type TargetSettings } from '../load/target.js';
import { journalExists, keptSchemas, listRuns, runSchemaName, syncState, type KeptSchema } from '../cutover/journal.js';
import { formatBytes } from '../report/format.js';
import { acquireTargetLock, releaseTargetLock } from '../cutover/target-lock.js';
import { swapBack, writeCounters } from '../cutover/swap.js';
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
    // Online runs: their sync progress (journal sync_state), shown under the run.
    const syncs = new Map<string, NonNullable<Awaited<ReturnType<typeof syncState>>>>();
    for (const r of runs.filter((x) => x.mode === 'online')) {
      const s = await syncState(client, r.run_id);
      if (s) syncs.set(r.run_id, s);
    }
    if (out.options.json) {
      const current = runs.find((r) => r.status === 'cut-over');
      out.json({ exitCode: ExitCode.ok, target: target.display, live: current?.run_id ?? null, runs, keptSchemas: kept, syncs: Object.fromEntries(syncs) });
      return ExitCode.ok;
    }
    const lines = runs.flatMap((r) => {
      const line = `${r.run_id}  ${r.status.padEnd(11)} ${r.mode.padEnd(8)} schema=${r.target_schema}  started=${r.started_at.toISOString()}  source=${r.source_path}${r.error ? `  error: ${r.error}` : ''}`;
      const s = syncs.get(r.run_id)?.state;
      if (!s) return [line];
      const lag = Number(s.head_seq) - Number(s.applied_seq);
      return [
        line,
        `  sync: ${s.changes_applied} changes applied in ${s.rounds} rounds since the snapshot (changelog ${s.snapshot_seq} → ${s.applied_seq}); last round ${s.last_round_at?.toISOString() ?? 'none yet'}, lag then ${lag} changes / ${s.lag_ms ?? 0} ms` +
          (s.downtime_ms !== null ? `; cutover downtime ${s.downtime_ms} ms` : ''),
      ];
    });
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
      const now = await writeCounters(client, o.schema, moved.tables);
      const before = run.write_counters ?? {};
      const written = moved.tables.filter((t) => before[t] !== undefined && now[t] !== before[t]);
      if (written.length && !o.force) {
        throw new RollbackError('E_WRITES_SINCE_CUTOVER', `The migrated tables were written to since the cutover (${written.join(', ')}): rolling back would put those writes aside.`, {
          hint: 'Check what was written; rerun with --force to roll back anyway (the written tables are kept in the aside schema, not dropped).',
        });
      }
      const aside = runSchemaName('rolledback', run.run_id);
      const start = Date.now();
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL lock_timeout = '10s'`);
        await swapBack(client, { live: o.schema, previous: run.previous_schema, aside, moved, runId: run.run_id, log: (s) => out.verbose(s) });
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new RollbackError('E_ROLLBACK_FAILED', `Rollback failed and was undone, the live schema is as it was: ${(e as Error).message}`, { cause: e, hint: 'Read the error, fix what blocks it (e.g. a lock held by the application), and run rollback again.' });
      }
      const ms = Date.now() - start;
      out.result(`Rolled back run ${run.run_id} in ${ms} ms: ${moved.tables.length} tables moved to ${aside}${run.previous_schema ? `, ${moved.previous.length} previous objects restored from ${run.previous_schema}` : ''}.`);
      if (out.options.json) {
        out.json({ exitCode: ExitCode.ok, runId: run.run_id, schema: o.schema, ms, tablesMovedTo: aside, tables: moved.tables, restoredFrom: run.previous_schema, restored: moved.previous });
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
