/**
 * The plain progress display (stderr not a terminal, CI, --verbose): one line per event, a
 * progress line per table every 2 seconds at most; Output adds the timestamps. And the summary
 * at the end of a run. The live task list for terminals is live-progress.ts.
 */
import type { RunEvents, RunOutcome } from '../run/migrate.js';
import type { PlanRunResult } from '../run/plan-run.js';
import { formatInt, formatMs, plural } from '../report/format.js';
import { summaryLine } from '../report/format.js';
import type { Output } from './output.js';
import { firstLine, rowsDone, rowsProgress } from './progress-text.js';

/** Seconds between two progress lines of one table. */
const PLAIN_PROGRESS_MS = 2000;

export function progressEvents(out: Output): RunEvents {
  const totals = new Map<string, { done: number; total: number; start: number; lastPrint: number }>();
  const started = new Map<string, number>();
  return {
    phase(name, status, detail) {
      const took = started.has(name) ? ` (${formatMs(Date.now() - started.get(name)!)})` : '';
      if (status === 'start') {
        started.set(name, Date.now());
        out.info(`▶ ${name}`);
      } else if (status === 'done') out.info(`✔ ${name}${took}`);
      else if (status === 'failed') out.info(out.color.red(`✖ ${name}${took}: ${firstLine(detail ?? '')}`));
      else if (status === 'skipped') out.info(`↓ ${name} skipped${detail ? `: ${firstLine(detail)}` : ''}`);
    },
    tableStart(table, total) {
      totals.set(table, { done: 0, total, start: Date.now(), lastPrint: Date.now() });
    },
    tableRows(table, rows) {
      const t = totals.get(table);
      if (!t) return;
      t.done += rows;
      const now = Date.now();
      if (now - t.lastPrint > PLAIN_PROGRESS_MS) {
        t.lastPrint = now;
        out.info(`  ${table}: ${rowsProgress(t.done, t.total, now - t.start)}`);
      }
    },
    tableDone(l) {
      const text = `  ✔ ${l.table.source}: ${rowsDone(l.rowsLoaded, l.ms, l.rowsQuarantined)}`;
      out.info(l.rowsQuarantined ? out.color.yellow(text) : text);
    },
    step(s) {
      const label = `${s.step}${s.table ? ` on ${s.table}` : ''}`;
      if (s.status === 'rolled-back') out.info(out.color.yellow(`  ↩ ${label}: rolled back${s.error ? ` (${firstLine(s.error)})` : ''}`));
      else if (s.status === 'failed-to-rollback') out.info(out.color.red(`  ✖ ${label}: could not be rolled back${s.error ? `: ${firstLine(s.error)}` : ''}`));
      else if (s.section === 'post' && s.status === 'failed') out.info(out.color.red(`  ✖ ${label}: ${firstLine(s.error ?? '')}`));
      else if (s.section === 'post') out.verbose(`  ✔ ${label} (${formatMs(s.ms)})`);
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
  // On a terminal a blank line sets the result apart from the task list above it.
  const lines: string[] = out.tty ? ['', color.bold(summaryLine(res))] : [color.bold(summaryLine(res))];
  const rows = res.tables.reduce((n, t) => n + t.rowsLoaded, 0);
  const q = res.tables.reduce((n, t) => n + t.rowsQuarantined, 0);
  lines.push(`  ${plural(res.tables.length, 'table')}, ${plural(rows, 'row')} loaded${q ? `, ${formatInt(q)} quarantined` : ''}; the run took ${formatMs(res.ms)}`);
  if (res.error) {
    lines.push(`  error: ${res.error.message}`);
    if (res.error.hint) lines.push(`  ${res.error.hint}`);
  }
  if (res.quarantineDir) lines.push(`  quarantined rows: ${res.quarantineDir}`);
  if (res.untranslated.length) lines.push(`  ${plural(res.untranslated.length, 'object')} could not be translated and ${res.untranslated.length === 1 ? 'needs' : 'need'} a manual follow-up (listed in the report)`);
  lines.push(r.reportError ? `  report: NOT WRITTEN (${r.reportError})` : `  report: ${r.reportPath}`);
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
  if (r.typeRules.length) {
    lines.push('', out.color.bold('Type rules') + ' (every column of the type without a cast of its own):');
    for (const t of r.typeRules) lines.push(`  ${t.type} → ${t.rule} (${t.columns} column${t.columns === 1 ? '' : 's'} without data to check)`);
  }
  for (const n of r.typeRuleNotes) lines.push(out.color.yellow(`  ! ${n}`));
  const p = r.preview;
  lines.push('');
  if (p.state === 'not-written') {
    lines.push(out.color.red(`Schema preview not written: a migration with these files would stop (exit 3) on ${p.errors.length} problem${p.errors.length === 1 ? '' : 's'}:`));
    for (const e of p.errors) lines.push(out.color.red(`  ✖ ${e}`));
  } else {
    lines.push(`Schema preview: ${p.file} (${p.state === 'would-change' ? 'would change' : p.state}), the DDL migrate runs with these files.`);
  }
  for (const f of p.flags) lines.push(out.color.yellow(`  ! ${f}`));
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
