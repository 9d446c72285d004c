/**
 * Progress lines during a run, and the summary at the end.
 */
import type { RunEvents, RunOutcome } from '../run/migrate.js';
import type { PlanRunResult } from '../run/plan-run.js';
import { formatInt, formatMs } from '../report/format.js';
import { summaryLine } from '../report/format.js';
import type { Output } from './output.js';

export function progressEvents(out: Output): RunEvents {
  const totals = new Map<string, { done: number; total: number; start: number; lastPrint: number }>();
  return {
    phase(name, status, detail) {
      if (status === 'start') out.info(`▶ ${name}`);
      else if (status === 'failed') out.info(out.color.red(`✖ ${name}: ${detail ?? ''}`));
    },
    tableStart(table, total) {
      totals.set(table, { done: 0, total, start: Date.now(), lastPrint: Date.now() });
    },
    tableRows(table, rows) {
      const t = totals.get(table);
      if (!t) return;
      t.done += rows;
      const now = Date.now();
      if (now - t.lastPrint > 2000) {
        t.lastPrint = now;
        const rate = t.done / Math.max(1, (now - t.start) / 1000);
        const eta = rate > 0 ? (t.total - t.done) / rate : 0;
        out.info(`  ${table}: ${formatInt(t.done)} / ${formatInt(t.total)} rows, ${formatInt(Math.round(rate))} rows/s, ETA ${formatMs(eta * 1000)}`);
      }
    },
    tableDone(l) {
      const q = l.rowsQuarantined ? out.color.yellow(`, ${formatInt(l.rowsQuarantined)} quarantined`) : '';
      out.info(`  ✔ ${l.table.source}: ${formatInt(l.rowsLoaded)} rows in ${formatMs(l.ms)}${q}`);
    },
    step(s) {
      if (s.section === 'post' && s.status === 'failed') out.info(out.color.red(`  ✖ ${s.step}${s.table ? ` on ${s.table}` : ''}: ${s.error ?? ''}`));
      else if (s.section === 'post') out.verbose(`  ✔ ${s.step}${s.table ? ` on ${s.table}` : ''} (${formatMs(s.ms)})`);
      if (s.section === 'verify' && s.status === 'failed' && s.table) out.info(out.color.red(`  ✖ checksum mismatch on ${s.table}`));
    },
    warn(m) {
      out.warn(m);
    },
    sql(s) {
      out.verbose(s);
    },
  };
}

export function renderSummary(out: Output, r: RunOutcome, embedded: boolean): void {
  const res = r.result;
  const color = r.exitCode === 0 ? out.color.green : r.exitCode === 8 ? out.color.yellow : out.color.red;
  const lines: string[] = [color.bold(summaryLine(res))];
  const rows = res.tables.reduce((n, t) => n + t.rowsLoaded, 0);
  const q = res.tables.reduce((n, t) => n + t.rowsQuarantined, 0);
  lines.push(`  ${res.tables.length} tables, ${formatInt(rows)} rows loaded${q ? `, ${formatInt(q)} quarantined` : ''} in ${formatMs(res.ms)}`);
  if (res.error) {
    lines.push(`  error: ${res.error.message}`);
    if (res.error.hint) lines.push(`  ${res.error.hint}`);
  }
  if (res.quarantineDir) lines.push(`  quarantined rows: ${res.quarantineDir}`);
  if (res.untranslated.length) lines.push(`  ${res.untranslated.length} items need a manual follow-up (listed in the report)`);
  lines.push(`  report: ${r.reportPath}`);
  if (res.cutover.performed && res.cutover.rollbackCommand) lines.push(`  rollback: ${res.cutover.rollbackCommand}`);
  if (embedded) {
    lines.push('');
    lines.push(`The embedded PostgreSQL keeps running at 127.0.0.1:${res.target.port} (database ${res.target.database}, schema ${res.target.schema}).`);
    lines.push('  connect:  psql "$(npx sqlite2pg embedded url)"');
    lines.push('  stop:     npx sqlite2pg embedded stop      start again: npx sqlite2pg embedded start');
  }
  out.result(lines.join('\n'));
}

export function renderPlanSummary(out: Output, r: PlanRunResult, dir: string, check: boolean): void {
  const lines: string[] = [];
  for (const t of r.tables) {
    lines.push(`${out.color.bold(t.table)}: ${formatInt(t.rows)} rows${t.proposed.length ? '' : ', built-in defaults'}`);
    for (const p of t.proposed) lines.push(`  ${p.column} → ${p.rule}`);
    for (const n of t.notes) lines.push(out.color.yellow(`  ! ${n}`));
  }
  const f = r.files;
  lines.push('');
  if (check) {
    lines.push(f.wouldChange.length ? out.color.yellow(`${f.wouldChange.length} mapping file(s) in ${dir} would change: ${f.wouldChange.join(', ')}`) : `The mapping files in ${dir} are up to date.`);
  } else {
    lines.push(`Mapping files in ${dir}: ${f.written.length} written, ${f.unchanged.length} unchanged${f.skippedHandEdited.length ? `, ${f.skippedHandEdited.length} hand-edited left alone (use --force to overwrite): ${f.skippedHandEdited.join(', ')}` : ''}.`);
    lines.push('Review them (each proposal carries its evidence), then run: sqlite2pg migrate <source> --dry-run');
  }
  out.result(lines.join('\n'));
}
