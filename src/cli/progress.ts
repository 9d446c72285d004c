/**
 * The plain progress display (stderr not a terminal, CI, --verbose): one line per event, a
 * progress line per table every 2 seconds at most; Output adds the timestamps. And the summary
 * at the end of a run. The live task list for terminals is live-progress.ts.
 */
import type { RunEvents, RunOutcome } from '../run/migrate.js';
import type { PlanRunResult } from '../run/plan-run.js';
import { followUpCounts, formatInt, formatMs, plural } from '../report/format.js';
import { summaryLine } from '../report/format.js';
import type { Output } from './output.js';
import { textTable } from '../report/text-table.js';
import { personalizeHint, shellQuote } from '../report/hints.js';
import { commandName } from './invocation.js';
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

/** The pgloader-style table at the end of a run: one line per table, then the total. */
export function summaryTable(res: RunOutcome['result']): string {
  const rows = res.tables.map((t) => [t.target, formatInt(t.rowsRead), formatInt(t.rowsLoaded), formatInt(t.rowsQuarantined), formatMs(t.ms)]);
  const total = (f: (t: RunOutcome['result']['tables'][number]) => number): string => formatInt(res.tables.reduce((n, t) => n + f(t), 0));
  const data = res.steps.filter((s) => s.section === 'data' && s.status !== 'skipped');
  const wall = data.length ? Math.max(...data.map((s) => s.startMs + s.ms)) - Math.min(...data.map((s) => s.startMs)) : res.tables.reduce((n, t) => n + t.ms, 0);
  rows.push(['Total', total((t) => t.rowsRead), total((t) => t.rowsLoaded), total((t) => t.rowsQuarantined), formatMs(wall)]);
  const columns = [{ header: 'table' }, { header: 'read', align: 'right' as const }, { header: 'loaded', align: 'right' as const }, { header: 'quarantined', align: 'right' as const }, { header: 'time', align: 'right' as const }];
  const text = textTable(columns, rows, '  ').split('\n');
  // A rule above the total, as pgloader prints it.
  text.splice(text.length - 1, 0, text[1]!);
  return text.join('\n');
}

export function renderSummary(out: Output, r: RunOutcome, embedded: boolean): void {
  const res = r.result;
  const inv = res.invocation;
  const hint = (text: string): string => personalizeHint(text, inv, res.source.path);
  const color = r.exitCode === 0 ? out.color.green : r.exitCode === 8 ? out.color.yellow : out.color.red;
  // On a terminal a blank line sets the result apart from the task list above it.
  const lines: string[] = out.tty ? [''] : [];
  if (res.tables.length > 0 && res.mode !== 'verify' && !out.options.quiet) lines.push(summaryTable(res), '');
  lines.push(color.bold(summaryLine(res)));
  const rows = res.tables.reduce((n, t) => n + t.rowsLoaded, 0);
  const q = res.tables.reduce((n, t) => n + t.rowsQuarantined, 0);
  lines.push(`  ${plural(res.tables.length, 'table')}, ${plural(rows, 'row')} ${res.mode === 'verify' ? 'compared' : 'loaded'}${q ? `, ${formatInt(q)} quarantined` : ''}; the run took ${formatMs(res.ms)}`);
  if (res.error) {
    lines.push(`  error: ${res.error.message}`);
    if (res.error.hint) lines.push(`  ${hint(res.error.hint)}`);
  }
  if (res.quarantineDir) lines.push(`  quarantined rows: ${res.quarantineDir}`);
  if (r.exitCode === 8) {
    // Exit 8: the run stopped before the cutover; say how to go on.
    const again = `${inv?.command ?? commandName()} migrate ${shellQuote(res.source.path)}${inv?.targetArgs ? ` ${inv.targetArgs}` : ''}${inv?.schemaArgs ? ` ${inv.schemaArgs}` : ''}`;
    lines.push(color.bold(`  NOT CUT OVER: ${plural(q, 'row')} ${q === 1 ? 'was' : 'were'} quarantined; the live schema ${res.target.schema} was not changed.`));
    lines.push('  To go on: read the quarantine files above (each row with its reason), then either');
    lines.push(`    fix the rows in SQLite or the mapping files and run again:  ${again}`);
    lines.push(`    or accept that they stay out of PostgreSQL and cut over:     ${again} --allow-quarantine`);
  }
  if (res.mode !== 'verify' && res.untranslated.length) lines.push(`  manual follow-ups (listed in the report): ${followUpCounts(res.untranslated)}`);
  lines.push(r.reportError ? `  report: NOT WRITTEN (${r.reportError})` : `  report: ${r.reportPath}`);
  if (res.cutover.performed && res.cutover.rollbackCommand) lines.push(`  rollback: ${res.cutover.rollbackCommand}`);
  if (embedded) {
    const cmd = inv?.command ?? commandName();
    lines.push('');
    lines.push(`The embedded PostgreSQL keeps running at 127.0.0.1:${res.target.port} (database ${res.target.database}, schema ${res.target.schema}).`);
    lines.push(`  connect:  psql "$(${cmd} embedded url)"`);
    lines.push(`  stop:     ${cmd} embedded stop      start again: ${cmd} embedded start`);
  }
  out.result(lines.join('\n'));
}

export function renderPlanSummary(out: Output, r: PlanRunResult, dir: string, check: boolean, source = '<source>'): void {
  const lines: string[] = [];
  for (const t of r.tables) {
    // -q: only what needs a look (the notes) and the result line.
    if (out.options.quiet) {
      for (const n of t.notes) lines.push(out.color.yellow(`${t.table}: ! ${n}`));
      continue;
    }
    lines.push(`${out.color.bold(t.table)}: ${plural(t.rows, 'row')}${t.proposed.length ? '' : ', built-in defaults'}`);
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
  if (lines.length) lines.push('');
  if (check) {
    lines.push(f.wouldChange.length ? out.color.yellow(`${plural(f.wouldChange.length, 'mapping file')} in ${dir} would change: ${f.wouldChange.join(', ')}`) : `The mapping files in ${dir} are up to date.`);
  } else {
    lines.push(`Mapping files in ${dir}: ${f.written.length} written, ${f.unchanged.length} unchanged${f.skippedHandEdited.length ? `, ${f.skippedHandEdited.length} hand-edited left alone (use --force to overwrite): ${f.skippedHandEdited.join(', ')}` : ''}.`);
    if (!out.options.quiet) lines.push(`Review them (each proposal carries its evidence), then run: ${commandName()} migrate ${shellQuote(source)}${dir === 'mappings' ? '' : ` --mappings ${shellQuote(dir)}`} --dry-run`);
  }
  out.result(lines.join('\n'));
}
