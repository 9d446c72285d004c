/**
 * `status` and `rollback`: read and act on the run journal in the target.
 */
import { ExitCode, RollbackError, type ExitCodeValue } from '../errors.js';
import { connectTarget, type TargetSettings } from '../load/target.js';
import { journalExists, keptSchemas, listRuns, runRowTotals, runSchemaName, type KeptSchema } from '../cutover/journal.js';
import { formatBytes, formatInt, formatMs, plural } from '../report/format.js';
import { textTable } from '../report/text-table.js';
import { personalizeHint } from '../report/hints.js';
import type { Invocation } from '../model/run-result.js';
import { acquireTargetLock, releaseTargetLock } from '../cutover/target-lock.js';
import { swapBack, writeCounters } from '../cutover/swap.js';
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
    if (out.options.json) {
      const current = runs.find((r) => r.status === 'cut-over');
      out.json({ exitCode: ExitCode.ok, target: target.display, live: current?.run_id ?? null, runs: rows, keptSchemas: kept });
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
      let back: Awaited<ReturnType<typeof swapBack>> = { foreignKeys: [], leftPointingAside: [] };
      const startedAt = new Date(start).toISOString();
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL lock_timeout = '10s'`);
        back = await swapBack(client, { live: o.schema, previous: run.previous_schema, aside, moved, runId: run.run_id, log: (s) => out.verbose(s) });
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new RollbackError('E_ROLLBACK_FAILED', `Rollback failed and was undone, the live schema is as it was: ${(e as Error).message}`, { cause: e, hint: 'Read the error, fix what blocks it (e.g. a lock held by the application), and run rollback again.' });
      }
      const ms = Date.now() - start;
      // The rollback's own short report, for the change ticket (the rollback is committed: a failure to write it is said, not fatal).
      const report = await writeRollbackReport(
        { runId: run.run_id, schema: o.schema, targetUrl: target.display, startedAt, ms, tables: moved.tables, views: moved.views, functions: moved.functions, aside, restoredFrom: run.previous_schema, restored: moved.previous, forcedOver: written, ...(o.invocation ? { invocation: o.invocation } : {}) },
        o.reportsDir ?? 'reports',
      ).catch((e: unknown) => {
        out.warn(`The rollback is done, but its report could not be written: ${(e as Error).message}`);
        return null;
      });
      const views = moved.views.length ? ` and ${plural(moved.views.length, 'view')}` : '';
      out.result(`Rolled back run ${run.run_id} in ${ms} ms: ${plural(moved.tables.length, 'table')}${views} moved to ${aside}${run.previous_schema ? `, ${plural(moved.previous.length, 'previous object')} restored from ${run.previous_schema}` : ''}.${report ? `\n  report: ${report}` : ''}`);
      for (const fk of back.foreignKeys) out.warn(`foreign key ${fk.constraint} re-pointed to the restored ${fk.references}${fk.validated ? ', validated' : ` NOT VALID: ${fk.orphans} of its rows reference nothing there; fix them, then run ${fk.validateCommand}`}`);
      for (const line of back.leftPointingAside) out.warn(line);
      if (out.options.json) {
        out.json({ exitCode: ExitCode.ok, runId: run.run_id, schema: o.schema, ms, tablesMovedTo: aside, tables: moved.tables, views: moved.views, restoredFrom: run.previous_schema, restored: moved.previous, foreignKeys: back.foreignKeys, report });
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
