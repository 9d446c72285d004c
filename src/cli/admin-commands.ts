/**
 * `status` and `rollback`: read and act on the run journal in the target.
 */
import { ExitCode, RollbackError, type ExitCodeValue } from '../errors.js';
import { connectTarget, type TargetSettings } from '../load/target.js';
import { journalExists, keptSchemas, listRuns, runRowTotals, runSchemaName, syncState, type KeptSchema } from '../cutover/journal.js';
import { formatBytes, formatInt, formatMs, plural } from '../report/format.js';
import { textTable } from '../report/text-table.js';
import { personalizeHint } from '../report/hints.js';
import type { Invocation } from '../model/run-result.js';
import { acquireTargetLock, releaseTargetLock } from '../cutover/target-lock.js';
import { swapBack } from '../cutover/swap.js';
import { changeCounts, fenceWriters, writersOf, type ChangeCounts } from '../cutover/pg-capture.js';
import type { Output } from './output.js';
import { writeRollbackReport } from '../run/rollback-report.js';

/** `2026-12-04 14:26:23`: UTC, to the second, for the status table. */
function utc(d: Date | null): string {
  return d ? d.toISOString().slice(0, 19).replace('T', ' ') : '';
}

export async function runStatus(out: Output, target: TargetSettings, schema: string | undefined, inv?: Invocation): Promise<ExitCodeValue> {
  const client = await connectTarget(target);
  const cmd = (text: string): string => personalizeHint(text, inv, null);
  try {
    if (!(await journalExists(client))) {
      out.result(`No sqlite2pg runs recorded in ${target.display}.`);
      if (out.options.json) out.json({ exitCode: ExitCode.ok, target: target.display, live: null, runs: [] });
      return ExitCode.ok;
    }
    const runs = await listRuns(client, schema);
    const kept = await keptSchemas(client);
    const totals = await runRowTotals(client, runs.map((r) => r.run_id));
    const rows = runs.map((r) => ({ ...r, operator: r.operator ?? null, rows: totals.get(r.run_id) ?? 0 }));
    // Online runs: their sync progress (journal sync_state), shown under the table.
    const syncs = new Map<string, NonNullable<Awaited<ReturnType<typeof syncState>>>>();
    for (const r of runs.filter((x) => x.mode === 'online')) {
      const st = await syncState(client, r.run_id);
      if (st) syncs.set(r.run_id, st);
    }
    if (out.options.json) {
      const current = runs.find((r) => r.status === 'cut-over');
      out.json({ exitCode: ExitCode.ok, target: target.display, live: current?.run_id ?? null, runs: rows, keptSchemas: kept, syncs: Object.fromEntries(syncs) });
      return ExitCode.ok;
    }
    const lines: string[] = [];
    const live = runs.find((r) => r.status === 'cut-over');
    lines.push(live ? `Live: run ${live.run_id} in schema ${live.target_schema} (cut over ${utc(live.cutover_at)} UTC); roll back with: ${cmd(`sqlite2pg rollback --run ${live.run_id} --schema ${live.target_schema}`)}` : 'No cut-over run is live.');
    lines.push('');
    // Flyway's `info`: one labelled row per run, newest first.
    const columns = [{ header: 'run' }, { header: 'schema' }, { header: 'mode' }, { header: 'state' }, { header: 'started (UTC)' }, { header: 'duration', align: 'right' as const }, { header: 'rows', align: 'right' as const }, { header: 'operator' }, { header: 'mapping hash' }];
    lines.push(
      textTable(
        columns,
        rows.map((r) => [r.run_id, r.target_schema, r.mode, r.status, utc(r.started_at), r.finished_at ? formatMs(r.finished_at.getTime() - r.started_at.getTime()) : '', formatInt(r.rows), r.operator ?? '', r.mapping_hash?.slice(0, 12) ?? '']),
        '  ',
      ),
    );
    const failed = runs.filter((r) => r.error);
    if (failed.length) {
      lines.push('', 'Errors:');
      for (const r of failed) lines.push(`  ${r.run_id}: ${r.error}`);
    }
    if (syncs.size) {
      lines.push('', 'Online syncs:');
      for (const [runId, { state: st }] of syncs) {
        const lag = Number(st.head_seq) - Number(st.applied_seq);
        lines.push(
          `  ${runId} sync: ${st.changes_applied} changes applied in ${st.rounds} rounds since the snapshot (changelog ${st.snapshot_seq} → ${st.applied_seq}); last round ${st.last_round_at?.toISOString() ?? 'none yet'}, lag then ${lag} changes / ${st.lag_ms ?? 0} ms` +
            (st.downtime_ms !== null ? `; cutover downtime ${st.downtime_ms} ms` : ''),
        );
      }
    }
    if (kept.length) {
      lines.push('', `Schemas kept by sqlite2pg (see what prune would drop with: ${cmd('sqlite2pg prune --dry-run')}):`);
      for (const k of kept) lines.push(`  ${k.schema}  ${plural(k.tables, 'table')}, ${formatBytes(k.bytes)}: ${KEPT_MEANING[k.kind]}`);
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

export async function runRollback(out: Output, target: TargetSettings, o: { schema: string; runId: string | null; force: boolean; reportsDir?: string; invocation?: Invocation }): Promise<ExitCodeValue> {
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
      let back: Awaited<ReturnType<typeof swapBack>> = { foreignKeys: [], leftPointingAside: [] };
      const startedAt = new Date(start).toISOString();
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
        back = await swapBack(client, { live: o.schema, previous: run.previous_schema, aside, moved, runId: run.run_id, log: (s) => out.verbose(s) });
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (e instanceof RollbackError) throw e;
        throw new RollbackError('E_ROLLBACK_FAILED', `Rollback failed and was undone, the live schema is as it was: ${(e as Error).message}`, { cause: e, hint: 'Read the error, fix what blocks it (e.g. a lock held by the application), and run rollback again.' });
      }
      const ms = Date.now() - start;
      // The rollback's own short report, for the change ticket (the rollback is committed: a failure to write it is said, not fatal).
      const report = await writeRollbackReport(
        { runId: run.run_id, schema: o.schema, targetUrl: target.display, startedAt, ms, tables: moved.tables, views: moved.views, functions: moved.functions, aside, restoredFrom: run.previous_schema, restored: moved.previous, forcedOver: writes.map((w) => w.table), ...(o.invocation ? { invocation: o.invocation } : {}) },
        o.reportsDir ?? 'reports',
      ).catch((e: unknown) => {
        out.warn(`The rollback is done, but its report could not be written: ${(e as Error).message}`);
        return null;
      });
      const views = moved.views.length ? ` and ${plural(moved.views.length, 'view')}` : '';
      out.result(`Rolled back run ${run.run_id} in ${ms} ms: ${plural(moved.tables.length, 'table')}${views} moved to ${aside}${run.previous_schema ? `, ${plural(moved.previous.length, 'previous object')} restored from ${run.previous_schema}` : ''}.${report ? `\n  report: ${report}` : ''}`);
      if (writes.length) out.warn(`--force: the writes made since the cutover stay in ${aside} (${writes.map((w) => w.table).join(', ')}).`);
      for (const fk of back.foreignKeys) out.warn(`foreign key ${fk.constraint} re-pointed to the restored ${fk.references}${fk.validated ? ', validated' : ` NOT VALID: ${fk.orphans} of its rows reference nothing there; fix them, then run ${fk.validateCommand}`}`);
      for (const line of back.leftPointingAside) out.warn(line);
      if (out.options.json) {
        out.json({ exitCode: ExitCode.ok, runId: run.run_id, schema: o.schema, ms, tablesMovedTo: aside, tables: moved.tables, views: moved.views, restoredFrom: run.previous_schema, restored: moved.previous, foreignKeys: back.foreignKeys, writesSinceCutover: writes, report });
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
