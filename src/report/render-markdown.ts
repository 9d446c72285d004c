/**
 * The Markdown report: a pure render of the RunResult for the person approving the change and
 * for the on-call when something went wrong. It renders on GitHub (tables, task lists,
 * `<details>`, Mermaid) and stays readable as plain text (padded tables, no HTML beyond
 * `<details>` / `<br>`). Only what is in the RunResult is printed: the target URL there already
 * has its password redacted.
 */
import type { Untranslated } from '../model/plan.js';
import type { DifferingRow, OnlineFacts, QuarantineEntry, RunResult, StepResult, StepStatus, TableResult } from '../model/run-result.js';
import {
  escapeMarkdown,
  fencedCode,
  inlineCode,
  truncate,
  visibleText,
} from './escape-markdown.js';
import {
  NONE,
  formatBytes,
  formatInt,
  formatMs,
  formatOffset,
  followUpCounts,
  formatRate,
  isTranslatedReview,
  plural,
  stoppedByQuarantine,
  sum,
  summaryLine,
  tableDiffers,
  tableVerified,
} from './format.js';
import { LONG_LIST, collapseLong, detailsBlock, markdownTable, type TableColumn } from './markdown-table.js';
import { SECTION_TITLES, stepLabel, timelineGantt } from './timeline-gantt.js';
import { commandLine, personalizeHint, shellQuote } from './hints.js';
import type { WriteFreeze } from '../model/run-result.js';

/** Differing rows listed per table at most; verification may have located more. */
const MAX_DIFFERING_ROWS = 100;
/** Quarantine examples shown before the collapsed full list. */
const QUARANTINE_EXAMPLES_SHOWN = 5;
/** Characters of a quarantined value shown (the file has it in full): short, so the reason stays in view. */
const VALUE_EXCERPT = 48;
/**
 * Tables listed in the open up to this many. The per-table rows are the core evidence of the
 * report, so they stay visible much longer than other lists (LONG_LIST); beyond, the totals are
 * stated above the collapsed table.
 */
const OPEN_TABLES = 50;

/**
 * Render the whole report. Sections, in order: header (outcome, run, source, target), Online
 * (only for an online run), Error
 * (only when the run has one), Tables, Verification, Quarantine (only when rows were
 * quarantined), Schema, Manual follow-ups, Timeline, Rollback, Next steps. Ends with a newline.
 */
export function renderMarkdown(run: RunResult): string {
  const sections = [
    renderHeader(run),
    run.online ? renderOnline(run.online) : null,
    run.error === null ? null : renderError(run, run.error),
    renderTables(run),
    renderVerification(run),
    run.tables.some((t) => t.rowsQuarantined > 0) ? renderQuarantine(run) : null,
    renderSchema(run),
    run.mode === 'verify' ? '## Manual follow-ups\n\nNot looked at: verify compares the data only; the report of the migration lists the objects to recreate by hand.' : renderFollowUps(run.untranslated),
    renderTimeline(run.steps),
    renderRollback(run),
    renderNextSteps(run),
  ];
  return `${sections.filter((s): s is string => s !== null).join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// 1. Header

const OUTCOME_ICON: Readonly<Record<RunResult['outcome'], string>> = {
  passed: '✅',
  'passed-with-quarantine': '⚠️',
  'verify-mismatch': '❌',
  failed: '❌',
};

function renderHeader(run: RunResult): string {
  const title = stoppedByQuarantine(run) ? '# sqlite2pg migration report — NOT CUT OVER' : '# sqlite2pg migration report';
  const parts = [title, `${OUTCOME_ICON[run.outcome]} **${escapeMarkdown(summaryLine(run))}**`];
  if (run.mode === 'dry-run') {
    parts.push(
      '> [!NOTE]\n' +
        '> **DRY RUN**: the data was loaded and verified in a staging schema and the cutover was skipped. ' +
        'The durations below are measured, to plan the maintenance window.',
    );
  }
  parts.push(atAGlance(run));
  const target = run.target;
  const server = `${inlineCode(`${target.host}:${target.port}`)}${target.embedded ? ' (embedded PostgreSQL)' : ''}`;
  const rows: string[][] = [
    ['Mode', modeText(run)],
    ['Run id', inlineCode(run.runId)],
    ['Started (UTC)', escapeMarkdown(run.startedAt)],
    ['Finished (UTC)', escapeMarkdown(run.finishedAt)],
    ['Duration', formatMs(run.ms)],
    ['Tool', escapeMarkdown(`${run.tool.name} ${run.tool.version}`)],
    ['Source file', inlineCode(run.source.path)],
    ['Source size', `${formatBytes(run.source.sizeBytes)} (${plural(run.source.sizeBytes, 'byte')})`],
    ['Source SHA-256', run.source.sha256 === null ? 'not recorded' : inlineCode(run.source.sha256)],
    ['Source snapshot', run.source.snapshotPath === null ? 'none' : inlineCode(run.source.snapshotPath)],
    ['Target URL', inlineCode(target.url)],
    ['Target server', server],
    ['Target database', inlineCode(target.database)],
    ['Target schema', inlineCode(target.schema)],
    ['Server version', target.serverVersion === null ? 'unknown' : escapeMarkdown(target.serverVersion)],
  ];
  const inv = run.invocation;
  if (inv !== undefined) {
    rows.splice(6, 0, ['Run by', inlineCode(`${inv.user}@${inv.host}`)], ['Command', inlineCode(commandLine([inv.command, ...inv.argv]))]);
  }
  if (run.mappingFiles !== undefined) {
    rows.push(['Mapping files', run.mappingFiles.length === 0 ? 'none (built-in defaults)' : `${plural(run.mappingFiles.length, 'file')}, SHA-256 below`]);
  }
  if (run.writeFreeze) rows.push(['Write freeze', writeFreezeText(run.writeFreeze)]);
  parts.push(markdownTable([{ header: 'Run' }, { header: 'Value' }], rows));
  if (run.mappingFiles !== undefined && run.mappingFiles.length > 0) {
    const files = markdownTable([{ header: 'Mapping file' }, { header: 'SHA-256' }], run.mappingFiles.map((m) => [inlineCode(m.file), inlineCode(m.sha256)]));
    parts.push(collapseLong(run.mappingFiles.length, `The ${plural(run.mappingFiles.length, 'mapping file')} and their SHA-256`, files));
  }
  return parts.join('\n\n');
}

/**
 * What a person approving the change needs before anything else, one line each: the data, the
 * proof, what changed in the target, how to undo it, and what is left to do by hand.
 */
function atAGlance(run: RunResult): string {
  const tables = run.tables;
  const live = inlineCode(run.target.schema);
  const where = `${inlineCode(run.target.database)} on ${inlineCode(`${run.target.host}:${run.target.port}`)}`;
  const items: string[] = [];
  const read = sum(tables.map((t) => t.rowsRead));
  const loaded = sum(tables.map((t) => t.rowsLoaded));
  const quarantined = sum(tables.map((t) => t.rowsQuarantined));
  if (run.mode === 'verify') {
    items.push(`**Data:** ${plural(tables.length, 'table')} compared, ${plural(loaded, 'row')} in SQLite.`);
  } else if (tables.length === 0) {
    items.push('**Data:** no table was loaded.');
  } else {
    const q = quarantined > 0 ? `, ${plural(quarantined, 'row')} quarantined (see Quarantine)` : ', none quarantined';
    const into = run.outcome === 'failed' && !run.cutover.performed ? ' into the staging schema before the run stopped' : '';
    items.push(`**Data:** ${formatInt(loaded)} of ${plural(read, 'row')} read from ${plural(tables.length, 'table')} loaded${into}${q}.`);
  }
  const verified = tables.filter(tableVerified);
  const differing = tables.filter(tableDiffers);
  if (differing.length > 0) {
    items.push(`**Proof:** ❌ ${plural(differing.length, 'table')} ${differing.length === 1 ? 'differs' : 'differ'} between SQLite and PostgreSQL: ${differing.map((t) => inlineCode(t.target)).join(', ')} (see Verification).`);
  } else if (verified.length > 0) {
    const all = verified.length === tables.length ? `all ${plural(tables.length, 'table')}` : `${formatInt(verified.length)} of ${plural(tables.length, 'table')}`;
    items.push(`**Proof:** row counts and checksums match in SQLite and PostgreSQL for ${all}.`);
  } else if (tables.length > 0) {
    items.push('**Proof:** none: the run stopped before verification.');
  }
  const cutover = run.cutover;
  if (cutover.performed) {
    items.push(`**Change:** the migrated tables are live in schema ${live} of ${where}${replacedNote(cutover, 'replacing')}${cutover.ms === null ? '' : `; the swap took ${formatMs(cutover.ms)}`}.`);
    if (cutover.rollbackCommand !== null) items.push(`**Undo:** ${inlineCode(cutover.rollbackCommand)} (see Rollback).`);
  } else if (run.mode === 'verify') {
    items.push('**Change:** none: this run only compared.');
  } else {
    const why = run.mode === 'dry-run' ? 'dry run' : run.outcome === 'passed-with-quarantine' ? 'rows were quarantined and not accepted' : run.outcome === 'verify-mismatch' ? 'verification failed' : 'the run failed';
    const notCutOver = stoppedByQuarantine(run) && run.mode === 'cutover' ? '**NOT CUT OVER**: ' : '';
    items.push(`**Change:** ${notCutOver}none (${why}): schema ${live} of ${where} was not touched${run.mode === 'dry-run' ? replacedNote(cutover, 'a cutover would move aside') : ''}.`);
    const wall = run.mode === 'dry-run' ? dryRunWallMs(run) : null;
    if (wall !== null) items.push(`**Window:** a real run would take about ${formatMs(wall)}, measured by this dry run (see Rollback).`);
  }
  if (run.writeFreeze && run.mode !== 'dry-run') {
    const f = run.writeFreeze;
    items.push(
      f.until === 'cutover'
        ? `**Write freeze:** writes to the SQLite source had to be stopped for ${formatMs(f.ms)}, from the ${f.from} to the cutover commit.`
        : `**Write freeze:** a cutover run needs writes to the SQLite source stopped for about ${formatMs(f.ms)} (from the ${f.from} to the end of the run, measured here).`,
    );
  }
  // A mismatch is already the Proof line; any other error gets its code here.
  if (run.error !== null && run.outcome !== 'verify-mismatch') items.push(`**Error:** ${inlineCode(run.error.code)} (see Error).`);
  if (run.mode !== 'verify' && run.untranslated.length > 0) items.push(`**By hand:** ${followUpCounts(run.untranslated)} (see Manual follow-ups).`);
  return items.map((i) => `- ${i}`).join('\n');
}

/** `, replacing `customers`, `orders` (moved aside into `sqlite2pg_previous_…`)`: the live objects of the same names. */
function replacedNote(cutover: RunResult['cutover'], verb: string): string {
  const names = cutover.replaces ?? [];
  if (names.length === 0) return '';
  const into = cutover.previousSchema ? ` (moved aside into ${inlineCode(cutover.previousSchema)})` : '';
  return `${verb === 'replacing' ? ', ' : '; '}${verb} the live ${names.map((n) => `${n.kind === 'table' ? '' : `${n.kind.replace('-', ' ')} `}${inlineCode(n.name)}`).join(', ')}${into}`;
}

function modeText(run: RunResult): string {
  switch (run.mode) {
    case 'dry-run':
      return '**DRY RUN** (no cutover)';
    case 'cutover':
      return run.online ? 'online cutover (sync, then cutover)' : 'cutover';
    case 'verify':
      return 'verify only';
  }
}

// ---------------------------------------------------------------------------------------------
// 1b. Online

/** An online run: capture, snapshot position, changes applied, and what the downtime was made of. */
function renderOnline(online: OnlineFacts): string {
  const w = online.window;
  const downtime =
    online.downtimeMs === null
      ? `none: no swap happened${w === null ? ' (the window was not reached)' : ''}, the application stayed on SQLite`
      : `**${formatMs(online.downtimeMs)}** (SQLite write lock → swap committed)` +
        (w === null ? '' : `: capture check ${formatMs(w.captureCheckMs)}, last changes ${formatMs(w.lastChangesMs)}, proof ${formatMs(w.proofMs)}, swap ${formatMs(w.swapMs)}`);
  const rows: string[][] = [
    ['Capture installed (UTC)', escapeMarkdown(online.captureInstalledAt)],
    ['Snapshot position', `changelog seq ${formatInt(online.snapshotSeq)}`],
    ['Changes applied', `${plural(online.changesApplied, 'change')} in ${plural(online.rounds, 'round')} (to seq ${formatInt(online.appliedSeq)}), ${formatInt(online.changesInWindow)} of them in the window`],
    ['Downtime', downtime],
    ['Proof', 'the snapshot verified in full by `sync`; since then each changed key compared by row hash, and in the window the carried counts and checksums against what PostgreSQL counted in the staging tables (no table read in full unless said below)'],
  ];
  if (w !== null && w.fenceMs !== null) rows.push(['Fence', `app.db fenced and capture removed in ${formatMs(w.fenceMs)}, after the swap committed (writes to it then fail naming the run)`]);
  const parts = ['## Online', markdownTable([{ header: 'Online' }, { header: 'Value' }], rows)];
  if (online.fullReads.length > 0) {
    const one = online.fullReads.length === 1;
    parts.push(`⚠️ The window read ${plural(online.fullReads.length, 'table')} in full, ${one ? 'its' : 'their'} staging counter${one ? '' : 's'} could not be trusted: ${online.fullReads.map(escapeMarkdown).join('; ')}.`);
  }
  const changed = online.tables.filter((t) => t.keys > 0);
  if (changed.length === 0) {
    parts.push('No table changed since the snapshot.');
  } else {
    const table = markdownTable(
      [{ header: 'Table' }, { header: 'Changed keys', align: 'right' }, { header: 'Rows written', align: 'right' }, { header: 'Rows deleted', align: 'right' }, { header: 'Quarantined', align: 'right' }],
      changed.map((t) => [inlineCode(t.table), formatInt(t.keys), formatInt(t.rowsUpserted), formatInt(t.rowsDeleted), formatInt(t.rowsQuarantined)]),
    );
    parts.push(collapseLong(changed.length, `Changes applied since the snapshot, ${plural(changed.length, 'table')}`, table));
  }
  return parts.join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// 2. Error

function renderError(run: RunResult, error: NonNullable<RunResult['error']>): string {
  const parts = ['## Error', `**Code:** ${inlineCode(error.code)}`, `**Message:**\n\n${fencedCode(error.message, 'text')}`];
  if (error.hint !== null) parts.push(`**Hint:** ${escapeMarkdown(personalizeHint(error.hint, run.invocation, run.source.path))}`);
  const failed = run.steps.filter((s) => s.status === 'failed' || s.status === 'failed-to-rollback');
  if (failed.length > 0) {
    const items = failed.map((s) => `- ${failedStepText(s)}`).join('\n');
    parts.push(`**Failed ${failed.length === 1 ? 'step' : 'steps'}:**\n\n${items}`);
  }
  parts.push(
    run.cutover.performed
      ? 'The cutover had been performed: the new tables are live (see Rollback).'
      : 'The live schema was not changed.',
  );
  return parts.join('\n\n');
}

function failedStepText(step: StepResult): string {
  const what = step.status === 'failed-to-rollback' ? 'could not be rolled back' : 'failed';
  const where = `${SECTION_TITLES[step.section].toLowerCase()}, at ${formatOffset(step.startMs)} after ${formatMs(step.ms)}`;
  const error = step.error === undefined ? '' : `: ${escapeMarkdown(step.error)}`;
  return `${inlineCode(stepLabel(step))} ${what} (${where})${error}`;
}

// ---------------------------------------------------------------------------------------------
// 3. Tables

function tableName(table: TableResult): string {
  return table.source === table.target
    ? inlineCode(table.source)
    : `${inlineCode(table.source)} → ${inlineCode(table.target)}`;
}

function checksumCell(table: TableResult): string {
  if (table.checksum === null || table.checksum.match === null) return `${NONE} not verified`;
  return table.checksum.match ? '✅ match' : '❌ mismatch';
}

/** Whether read = loaded + quarantined, the invariant every table must keep. */
function rowsAddUp(table: TableResult): boolean {
  return table.rowsRead === table.rowsLoaded + table.rowsQuarantined;
}

function renderTables(run: RunResult): string {
  const tables = run.tables;
  if (tables.length === 0) return '## Tables\n\nNo tables were migrated.';
  const columns: TableColumn[] = [
    { header: 'Table (source → target)' },
    { header: 'Read', align: 'right' },
    { header: 'Loaded', align: 'right' },
    { header: 'Quarantined', align: 'right' },
    { header: 'Target rows', align: 'right' },
    { header: 'Checksum' },
    { header: 'Size', align: 'right' },
    { header: 'Time', align: 'right' },
    { header: 'Rate', align: 'right' },
  ];
  // A failed load leaves rows read but not loaded: the invariant only holds for finished runs.
  const broken = run.outcome === 'failed' ? [] : tables.filter((t) => !rowsAddUp(t));
  const rows = tables.map((t) => [
    tableName(t),
    broken.includes(t) ? `⚠️ ${formatInt(t.rowsRead)}` : formatInt(t.rowsRead),
    formatInt(t.rowsLoaded),
    formatInt(t.rowsQuarantined),
    t.targetRows === null ? NONE : t.targetRows === t.rowsLoaded ? formatInt(t.targetRows) : `❌ ${formatInt(t.targetRows)}`,
    checksumCell(t),
    formatBytes(t.bytes),
    formatMs(t.ms),
    t.rowsLoaded === 0 ? NONE : formatRate(t.rowsLoaded, t.ms),
  ]);
  const loaded = sum(tables.map((t) => t.rowsLoaded));
  const targetRows = tables.every((t) => t.targetRows !== null) ? formatInt(sum(tables.map((t) => t.targetRows ?? 0))) : NONE;
  const dataSpan = span(run.steps.filter((s) => s.section === 'data' && s.status !== 'skipped'));
  const totalMs = dataSpan === null ? sum(tables.map((t) => t.ms)) : dataSpan.end - dataSpan.start;
  rows.push([
    `**Total (${plural(tables.length, 'table')})**`,
    `**${formatInt(sum(tables.map((t) => t.rowsRead)))}**`,
    `**${formatInt(loaded)}**`,
    `**${formatInt(sum(tables.map((t) => t.rowsQuarantined)))}**`,
    `**${targetRows}**`,
    `**${checksumTotal(tables)}**`,
    `**${formatBytes(sum(tables.map((t) => t.bytes)))}**`,
    `**${formatMs(totalMs)}**`,
    `**${formatRate(loaded, totalMs)}**`,
  ]);
  const table = markdownTable(columns, rows);
  const parts = ['## Tables'];
  if (tables.length > OPEN_TABLES) {
    // The totals row is inside the collapsed block: say them where they can be seen.
    parts.push(
      `${plural(tables.length, 'table')}: ${formatInt(sum(tables.map((t) => t.rowsRead)))} rows read, ${formatInt(loaded)} loaded, ` +
        `${formatInt(sum(tables.map((t) => t.rowsQuarantined)))} quarantined; checksums: ${checksumTotal(tables).replace(/^\S+ /, '')}; ` +
        `${formatBytes(sum(tables.map((t) => t.bytes)))} in ${formatMs(totalMs)} (${formatRate(loaded, totalMs)}).`,
    );
    parts.push(detailsBlock(`All ${tables.length} tables`, table));
  } else {
    parts.push(table);
  }
  if (dataSpan !== null) {
    parts.push(
      'Total time is the wall clock of the data section, from the first table starting to the last one ' +
        'finishing; tables load in parallel, so the per-table times can add up to more.',
    );
  }
  if (run.outcome === 'failed' && !run.cutover.performed) {
    parts.push('The run failed: the rows counted as loaded went into the staging schema only, never into the live schema.');
  }
  const keyless = tables.filter((t) => t.keyless === true);
  if (keyless.length > 0) {
    parts.push(
      `${plural(keyless.length, 'table')} without a primary key (${keyless.map((t) => inlineCode(t.target)).join(', ')}): ` +
        `verified by row count and checksum only, since no key names a row to compare one by one; ${keyless.length === 1 ? 'its' : 'their'} SQLite rowids were not kept.`,
    );
  }
  if (broken.length > 0) {
    const items = broken.map(
      (t) =>
        `- ${inlineCode(t.source)}: read ${formatInt(t.rowsRead)}, but loaded ${formatInt(t.rowsLoaded)} + ` +
        `quarantined ${formatInt(t.rowsQuarantined)} = ${formatInt(t.rowsLoaded + t.rowsQuarantined)}`,
    );
    parts.push(`⚠️ **Rows unaccounted for** (every row read must be loaded or quarantined):\n\n${items.join('\n')}`);
  }
  return parts.join('\n\n');
}

function checksumTotal(tables: readonly TableResult[]): string {
  const verified = tables.filter(tableVerified);
  const differing = tables.filter(tableDiffers).length;
  if (differing > 0) return `❌ ${formatInt(differing)} of ${formatInt(tables.length)} differ`;
  if (verified.length === 0) return `${NONE} not verified`;
  return `✅ ${formatInt(verified.length)} of ${formatInt(tables.length)} match`;
}

// ---------------------------------------------------------------------------------------------
// 4. Verification

const KIND_TEXT: Readonly<Record<DifferingRow['kind'], string>> = {
  'missing-in-target': 'missing in target',
  'extra-in-target': 'extra in target',
  changed: 'changed',
};

function renderVerification(run: RunResult): string {
  const tables = run.tables;
  const verified = tables.filter(tableVerified);
  const differing = tables.filter(tableDiffers);
  const parts = ['## Verification'];
  if (tables.length === 0) return '## Verification\n\nNothing to verify.';
  if (verified.length === 0 && differing.length === 0) {
    parts.push(
      run.outcome === 'failed'
        ? 'Not verified: the run stopped before verification.'
        : 'No table was verified.',
    );
    return parts.join('\n\n');
  }
  const results = verificationTable(tables);
  if (differing.length === 0 && verified.length === tables.length) {
    parts.push(
      `✅ All ${plural(tables.length, 'table')} match: the same row count and the same checksum in SQLite and PostgreSQL.`,
    );
    parts.push(detailsBlock(`Row counts and checksums of the ${plural(tables.length, 'table')}`, results));
    return parts.join('\n\n');
  }
  const summary: string[] = [];
  if (differing.length > 0) summary.push(`❌ ${plural(differing.length, 'table')} ${differing.length === 1 ? 'differs' : 'differ'}: ${differing.map((t) => inlineCode(t.target)).join(', ')}.`);
  const unverified = tables.filter((t) => !tableVerified(t) && !tableDiffers(t));
  if (unverified.length > 0) summary.push(`${plural(unverified.length, 'table')} not verified: ${unverified.map((t) => inlineCode(t.target)).join(', ')}.`);
  const matching = tables.length - differing.length - unverified.length;
  if (matching > 0) summary.push(`✅ ${plural(matching, 'table')} ${matching === 1 ? 'matches' : 'match'}.`);
  parts.push(summary.join('\n\n'));
  parts.push(collapseLong(tables.length, `Results of the ${plural(tables.length, 'table')}`, results));
  for (const table of differing) {
    if (table.differingRows.length > 0) {
      parts.push(differingRowsBlock(table));
    } else {
      parts.push(`${inlineCode(table.target)} differs, but the differing rows were not located.`);
    }
  }
  return parts.join('\n\n');
}

function verificationTable(tables: readonly TableResult[]): string {
  // The result first: it is what the reader looks for; the checksums are the evidence behind it.
  const columns: TableColumn[] = [
    { header: 'Table' },
    { header: 'Result' },
    { header: 'Loaded rows', align: 'right' },
    { header: 'Target rows', align: 'right' },
    { header: 'Source checksum' },
    { header: 'Target checksum' },
    { header: 'Differing rows', align: 'right' },
    { header: 'Time', align: 'right' },
  ];
  const rows = tables.map((t) => [
    inlineCode(t.target),
    tableDiffers(t) ? '❌ differs' : tableVerified(t) ? '✅ match' : `${NONE} not verified`,
    formatInt(t.rowsLoaded),
    t.targetRows === null ? NONE : formatInt(t.targetRows),
    t.checksum === null ? NONE : inlineCode(t.checksum.source),
    t.checksum === null || t.checksum.target === null ? NONE : inlineCode(t.checksum.target),
    t.differingRows.length === 0 ? (tableDiffers(t) ? 'not located' : NONE) : formatInt(t.differingRows.length),
    t.verifyMs === null ? NONE : formatMs(t.verifyMs),
  ]);
  return markdownTable(columns, rows);
}

function differingRowsBlock(table: TableResult): string {
  const shown = table.differingRows.slice(0, MAX_DIFFERING_ROWS);
  const rows = shown.map((row) => [
    inlineCode(row.key),
    KIND_TEXT[row.kind],
    row.columns.length === 0
      ? NONE
      : row.columns
          .map((c) => `${inlineCode(c.column)}: ${inlineCode(c.source)} → ${inlineCode(c.target)}`)
          .join('<br>'),
  ]);
  let body = markdownTable([{ header: 'Key' }, { header: 'Kind' }, { header: 'Column: source → target' }], rows);
  const hidden = table.differingRows.length - shown.length;
  if (hidden > 0) body += `\n\n…and ${plural(hidden, 'more row')} not shown.`;
  return detailsBlock(`${table.target}: ${plural(table.differingRows.length, 'differing row')}`, body);
}

// ---------------------------------------------------------------------------------------------
// 5. Quarantine

function renderQuarantine(run: RunResult): string {
  const tables = run.tables.filter((t) => t.rowsQuarantined > 0);
  const total = sum(tables.map((t) => t.rowsQuarantined));
  const parts = [
    '## Quarantine',
    `⚠️ ${plural(total, 'row')} in ${plural(tables.length, 'table')} ${total === 1 ? 'was' : 'were'} not loaded: ` +
      'each failed a value check or was rejected by PostgreSQL, and is kept with its reason in the quarantine files.',
  ];
  if (stoppedByQuarantine(run)) {
    parts.push(
      `**${run.mode === 'dry-run' ? 'A real run would stop here: NOT CUT OVER' : 'NOT CUT OVER'}.** Quarantined rows stop the run before the cutover unless they are accepted with ${inlineCode('--allow-quarantine')}; see Next steps.`,
    );
  }
  if (run.quarantineDir !== null) parts.push(`Quarantine directory: ${inlineCode(run.quarantineDir)}`);
  parts.push(
    markdownTable(
      [{ header: 'Table' }, { header: 'Quarantined', align: 'right' }, { header: 'Of rows read', align: 'right' }, { header: 'File' }],
      tables.map((t) => [
        inlineCode(t.target),
        formatInt(t.rowsQuarantined),
        formatInt(t.rowsRead),
        t.quarantineFile === null ? NONE : inlineCode(t.quarantineFile),
      ]),
    ),
  );
  const samples = tables.flatMap((t) => t.quarantineSample);
  if (samples.length > 0) {
    const complete = samples.length === total;
    parts.push(
      complete
        ? '### By reason'
        : `### By reason\n\nAmong the ${plural(samples.length, 'example')} recorded in this report (the files list all ${formatInt(total)}):`,
    );
    parts.push(reasonTable(samples));
    parts.push('### Examples');
    // The reason before the value: a long value must not push the reason out of view.
    const columns: TableColumn[] = [{ header: 'Table' }, { header: 'Key' }, { header: 'Column' }, { header: 'Reason' }, { header: 'Value' }];
    const rows = samples.map(sampleRow);
    if (samples.length > LONG_LIST) {
      parts.push(`The first ${QUARANTINE_EXAMPLES_SHOWN}:`);
      parts.push(markdownTable(columns, rows.slice(0, QUARANTINE_EXAMPLES_SHOWN)));
      parts.push(detailsBlock(`All ${plural(samples.length, 'example')}`, markdownTable(columns, rows)));
    } else {
      parts.push(markdownTable(columns, rows));
    }
  }
  return parts.join('\n\n');
}

function reasonTable(samples: readonly QuarantineEntry[]): string {
  const counts = new Map<string, { table: string; reason: string; rows: number }>();
  for (const s of samples) {
    const key = JSON.stringify([s.table, s.reason]);
    const entry = counts.get(key) ?? { table: s.table, reason: s.reason, rows: 0 };
    counts.set(key, { ...entry, rows: entry.rows + 1 });
  }
  const rows = [...counts.values()].map((c) => [inlineCode(c.table), escapeMarkdown(c.reason), formatInt(c.rows)]);
  return markdownTable([{ header: 'Table' }, { header: 'Reason' }, { header: 'Rows', align: 'right' }], rows);
}

function sampleRow(s: QuarantineEntry): string[] {
  return [
    inlineCode(s.table),
    inlineCode(s.key),
    s.column === null ? `${NONE} (whole row)` : inlineCode(s.column),
    escapeMarkdown(s.reason),
    inlineCode(truncate(s.value, VALUE_EXCERPT)),
  ];
}

// ---------------------------------------------------------------------------------------------
// 6. Schema

function renderSchema(run: RunResult): string {
  const o = run.objects;
  const counts: [string, number][] = [
    ['Tables', o.tables],
    ['Primary keys', o.primaryKeys],
    ['Unique indexes', o.uniqueIndexes],
    ['Other indexes', o.indexes],
    ['Foreign keys', o.foreignKeys],
    ['Check constraints', o.checks],
    ['Triggers', o.triggers],
    ['Identity / sequence resets', o.identityResets],
    ['Views', o.views],
  ];
  const parts = [
    '## Schema',
    schemaWhere(run),
    markdownTable(
      [{ header: 'Objects created' }, { header: 'Count', align: 'right' }],
      counts.map(([name, n]) => [name, formatInt(n)]),
    ),
    '### Casts',
  ];
  const casts = firstPerColumn(run.casts);
  if (run.mode === 'verify') {
    parts.push('Not looked at: verify applies no casts; it compares the values as the mapping files convert them.');
  } else if (casts.length === 0) {
    parts.push('No value casts were applied: every value was copied as it is stored in SQLite.');
  } else {
    // A cast without a recorded sample shows no sample: an empty pair would read as values lost.
    const sampled = casts.some(hasSample);
    const table = markdownTable(
      [{ header: 'Column' }, { header: 'Cast' }, { header: 'PostgreSQL type' }, ...(sampled ? [{ header: 'Sample: before → after' }] : [])],
      casts.map((c) => [
        inlineCode(`${c.table}.${c.column}`),
        inlineCode(c.cast),
        inlineCode(c.pgType),
        ...(sampled ? [hasSample(c) ? `${inlineCode(c.before)} → ${inlineCode(c.after)}` : `${NONE} no sample`] : []),
      ]),
    );
    const intro = sampled ? 'Values converted on the way, with one sample per column:' : 'Values converted on the way:';
    parts.push(`${intro}\n\n${collapseLong(casts.length, `${plural(casts.length, 'column')} with a cast`, table)}`);
  }
  parts.push('### Warnings');
  if (run.warnings.length === 0) {
    parts.push('No warnings.');
  } else {
    const list = run.warnings.map((w) => `- ${escapeMarkdown(w)}`).join('\n');
    parts.push(collapseLong(run.warnings.length, plural(run.warnings.length, 'warning'), list));
  }
  return parts.join('\n\n');
}

/** Where the counted objects are: live only after a cutover. */
function schemaWhere(run: RunResult): string {
  const live = inlineCode(run.target.schema);
  if (run.cutover.performed) return `Created in the staging schema, then moved into ${live} by the cutover:`;
  if (run.mode === 'verify') return 'This run only compared: it created nothing.';
  if (run.mode === 'dry-run') return `Created in the staging schema of this dry run; none of them is live in ${live}:`;
  return `Created in the staging schema; the cutover was not performed, so none of them is live in ${live}:`;
}

function hasSample(c: RunResult['casts'][number]): boolean {
  return c.before !== '' || c.after !== '';
}

function firstPerColumn(casts: RunResult['casts']): RunResult['casts'] {
  const seen = new Set<string>();
  return casts.filter((c) => {
    const key = JSON.stringify([c.table, c.column]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// 7. Manual follow-ups

/** Kinds in the order a person fixes them (structure first), with their heading. */
const KIND_TITLES: Readonly<Record<Untranslated['kind'], string>> = {
  table: 'Tables',
  'virtual-table': 'Virtual tables',
  generated: 'Generated columns',
  default: 'Defaults',
  check: 'Check constraints',
  collation: 'Collations',
  index: 'Indexes',
  'foreign-key': 'Foreign keys',
  trigger: 'Triggers',
  view: 'Views',
};

function renderFollowUps(items: readonly Untranslated[]): string {
  if (items.length === 0) return '## Manual follow-ups\n\nNone: every object of the source schema was translated.';
  const parts = [
    '## Manual follow-ups',
    items.every(isTranslatedReview)
      ? `${plural(items.length, 'translated object')} to review. Check each one off once it is reviewed.`
      : `${followUpCounts(items).replace(/could not be translated/, 'could not be translated automatically')}. Check each one off once it is ` +
        'recreated (or reviewed) by hand in PostgreSQL, or once it is agreed that it is not needed.',
  ];
  for (const kind of Object.keys(KIND_TITLES) as Untranslated['kind'][]) {
    const group = items.filter((i) => i.kind === kind);
    if (group.length === 0) continue;
    parts.push(`### ${KIND_TITLES[kind]} (${formatInt(group.length)})`);
    // One task per line, and one line for objects that share a reason (30 identical triggers are
    // one task with a count), so the list stays a compact checklist of the work to do.
    const tasks = byReason(group).flatMap((run) =>
      run.shared === null ? run.items.map((i) => `- [ ] ${taskText(i)}`) : [`- [ ] **${formatInt(run.items.length)}×** ${escapeMarkdown(run.shared)}: ${namesList(run.items.map((i) => i.object))}`],
    );
    parts.push(tasks.join('\n'));
    const withSql = group.filter((i) => i.sql !== null);
    if (withSql.length === 1) {
      parts.push(detailsBlock(`SQL: ${visibleText(withSql[0]!.object)}`, fencedCode((withSql[0]!.sql ?? '').trimEnd(), 'sql')));
    } else if (withSql.length > 1) {
      const sql = withSql.map((i) => `-- ${visibleText(i.object)}\n${(i.sql ?? '').trimEnd()}`).join('\n\n');
      parts.push(detailsBlock(`SQL of the ${plural(withSql.length, 'object')}`, fencedCode(sql, 'sql')));
    }
  }
  return parts.join('\n\n');
}

/**
 * The items of a kind as lists: those sharing a reason together under it (`shared`), in order of
 * first appearance; items with a reason of their own together in one list that names each reason.
 */
function byReason(group: readonly Untranslated[]): { shared: string | null; items: Untranslated[] }[] {
  const count = new Map<string, number>();
  for (const item of group) count.set(item.reason, (count.get(item.reason) ?? 0) + 1);
  const out: { shared: string | null; items: Untranslated[] }[] = [];
  const placed = new Map<string, Untranslated[]>();
  let lone: Untranslated[] | null = null;
  for (const item of group) {
    if ((count.get(item.reason) ?? 0) > 1) {
      const members = placed.get(item.reason);
      if (members) members.push(item);
      else {
        const fresh = [item];
        placed.set(item.reason, fresh);
        out.push({ shared: item.reason, items: fresh });
      }
    } else if (lone) {
      lone.push(item);
    } else {
      lone = [item];
      out.push({ shared: null, items: lone });
    }
  }
  return out;
}

/** Names shown in one line: the first few, then how many more. */
const NAMES_SHOWN = 10;

function namesList(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).map(escapeMarkdown).join(', ');
  return names.length > NAMES_SHOWN ? `${shown} and ${formatInt(names.length - NAMES_SHOWN)} more` : shown;
}

function taskText(item: Untranslated): string {
  return `${escapeMarkdown(item.object)}: ${escapeMarkdown(item.reason)}`;
}

// ---------------------------------------------------------------------------------------------
// 8. Timeline

const STATUS_TEXT: Readonly<Record<StepStatus, string>> = {
  ok: 'ok',
  failed: '❌ failed',
  skipped: 'skipped',
  'rolled-back': '↩️ rolled back',
  'failed-to-rollback': '❌ failed to roll back',
};

function renderTimeline(steps: readonly StepResult[]): string {
  if (steps.length === 0) return '## Timeline\n\nNo steps were recorded.';
  const withError = steps.some((s) => s.error !== undefined);
  const columns: TableColumn[] = [
    { header: 'Step' },
    { header: 'Table' },
    { header: 'Section' },
    { header: 'Status' },
    { header: 'Start', align: 'right' },
    { header: 'Duration', align: 'right' },
    { header: 'Rows', align: 'right' },
    ...(withError ? [{ header: 'Error' }] : []),
  ];
  // In the order they started (the run records a phase after the steps inside it).
  const ordered = [...steps].sort((a, b) => a.startMs - b.startMs);
  const rows = ordered.map((s) => [
    escapeMarkdown(s.step),
    s.table === undefined ? NONE : inlineCode(s.table),
    SECTION_TITLES[s.section],
    STATUS_TEXT[s.status],
    formatOffset(s.startMs),
    formatMs(s.ms),
    s.rows === undefined ? NONE : formatInt(s.rows),
    ...(withError ? [s.error === undefined ? '' : escapeMarkdown(s.error)] : []),
  ]);
  return [
    '## Timeline',
    timelineGantt(steps),
    collapseLong(steps.length, `All ${plural(steps.length, 'step')}`, markdownTable(columns, rows)),
  ].join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// 9. Rollback

function renderRollback(run: RunResult): string {
  const parts = ['## Rollback'];
  const cutover = run.cutover;
  const live = inlineCode(run.target.schema);
  if (cutover.performed) {
    const took = cutover.ms === null ? '' : ` (the swap took ${formatMs(cutover.ms)})`;
    parts.push(
      run.outcome === 'failed'
        ? `The run failed after the cutover${took}: the new tables are live in ${live}.`
        : `The cutover was performed${took}: the new tables are live in ${live}.`,
    );
    if (cutover.rollbackCommand === null) {
      parts.push('No rollback command was recorded for this run.');
    } else {
      parts.push(`To undo it, run:\n\n${fencedCode(cutover.rollbackCommand, 'sh')}`);
    }
    if (cutover.rollbackDescription !== null) parts.push(escapeMarkdown(sentence(cutover.rollbackDescription)));
    parts.push(
      'Rollback swaps the tables back in one transaction without copying data, so it takes seconds regardless of the size of the database.',
    );
    parts.push(
      cutover.previousSchema === null
        ? 'There were no live tables before this run.'
        : `The tables that were live before this run are kept in schema ${inlineCode(cutover.previousSchema)}.`,
    );
    return parts.join('\n\n');
  }
  if (run.mode === 'dry-run') {
    parts.push(`This was a dry run: the live schema ${live} was not touched, so there is nothing to roll back.`);
    const estimate = dryRunEstimate(run);
    if (estimate !== null) parts.push(estimate);
  } else if (run.mode === 'verify') {
    parts.push('This run only verified: it changed nothing, so there is nothing to roll back.');
  } else if (run.outcome === 'verify-mismatch') {
    parts.push(`Verification found differences, so the cutover was not performed: the live schema ${live} was not changed.`);
  } else {
    parts.push(
      `The cutover was not performed: the live schema ${live} was not changed, and the application still sees the ` +
        'data as it was before this run. There is nothing to roll back.',
    );
  }
  parts.push(...undoneSteps(run.steps));
  return parts.join('\n\n');
}

/** What was undone automatically, and what could not be (a person has to look: exit code 7). */
function undoneSteps(steps: readonly StepResult[]): string[] {
  const out: string[] = [];
  const rolledBack = steps.filter((s) => s.status === 'rolled-back');
  const stuck = steps.filter((s) => s.status === 'failed-to-rollback');
  if (rolledBack.length > 0) {
    out.push(`Undone automatically:\n\n${rolledBack.map((s) => `- ${inlineCode(stepLabel(s))}`).join('\n')}`);
  }
  if (stuck.length > 0) {
    const items = stuck.map((s) => `- ${inlineCode(stepLabel(s))}${s.error === undefined ? '' : `: ${escapeMarkdown(s.error)}`}`);
    out.push(`⚠️ **Could not be undone automatically; someone has to clean these up by hand:**\n\n${items.join('\n')}`);
  }
  return out;
}

/**
 * How long a real run would take, from this dry run's measured steps: the wall clock from the
 * first step's start to the last one's end (not the sum: tables load in parallel lanes), leaving
 * out the final cleanup step that only a dry run has (the last step, when its name says it
 * drops or cleans up the staging schema).
 */
function dryRunEstimate(run: RunResult): string | null {
  const cleanup = dryRunCleanup(run.steps);
  const measured = run.steps.filter((s) => s !== cleanup && s.status !== 'skipped');
  const wall = dryRunWallMs(run);
  if (wall === null) return null;
  const total = sum(measured.map((s) => s.ms));
  let text = `A real cutover would take about **${formatMs(wall)}**, the wall clock of this run's steps`;
  if (cleanup !== null) {
    text += ` without the final ${inlineCode(stepLabel(cleanup))} (${formatMs(cleanup.ms)}) that only a dry run does`;
  }
  text += total > wall ? `. The steps add up to ${formatMs(total)} because tables load in parallel.` : '.';
  const locking = measured.filter((s) => s.section === 'cutover');
  const lock =
    locking.length > 0
      ? `Only the steps of the cutover section hold an exclusive lock on the live schema: ` +
        `${locking.map((s) => `${inlineCode(stepLabel(s))} (${formatMs(s.ms)})`).join(', ')}.`
      : 'Only the steps of the cutover section hold an exclusive lock on the live schema; this dry run did not run them. ' +
        'They move tables between schemas without copying data, so their duration does not grow with the data.';
  return [
    text,
    `${lock} Everything before them works in the staging schema. The SQLite source must not receive writes ` +
      'during the whole run, so plan the maintenance window for the full estimate.',
  ].join('\n\n');
}

/** The wall clock of a dry run's measured steps, without its final cleanup; null when none. */
function dryRunWallMs(run: RunResult): number | null {
  const cleanup = dryRunCleanup(run.steps);
  const window = span(run.steps.filter((s) => s !== cleanup && s.status !== 'skipped'));
  return window === null ? null : window.end - window.start;
}

function dryRunCleanup(steps: readonly StepResult[]): StepResult | null {
  const last = steps.at(-1);
  return last !== undefined && /clean|drop/i.test(last.step) ? last : null;
}

// ---------------------------------------------------------------------------------------------
// 10. Next steps

/** `1.9 s, 10:00:00 → 10:00:01 UTC (from the snapshot to the cutover commit)`. */
function writeFreezeText(f: WriteFreeze): string {
  const clock = (iso: string): string => iso.slice(11, 19);
  const until = f.until === 'cutover' ? 'the cutover commit' : 'the end of the run: what a cutover would need';
  return `${formatMs(f.ms)}, ${clock(f.startedAt)} → ${clock(f.endedAt)} UTC (from the ${f.from} to ${until})`;
}

/** A command line to copy: the command the user typed, the real source, the same target. */
function command(run: RunResult, words: readonly string[], tail: readonly string[] = []): string {
  const inv = run.invocation;
  const target = inv !== undefined ? inv.targetArgs : run.target.embedded ? '' : `--target ${shellQuote(run.target.url)}`;
  const schema = inv !== undefined ? inv.schemaArgs : run.target.schema === 'public' ? '' : `--schema ${shellQuote(run.target.schema)}`;
  return [inv?.command ?? 'sqlite2pg', ...words, target, schema, ...tail].filter((w) => w !== '').join(' ');
}

function mappingsArgs(run: RunResult): string[] {
  const first = run.mappingFiles?.[0];
  if (first === undefined) return [];
  const dir = first.file.slice(0, Math.max(0, first.file.lastIndexOf('/')));
  return dir === '' ? [] : ['--mappings', shellQuote(dir)];
}

function renderNextSteps(run: RunResult): string {
  const source = shellQuote(run.source.path);
  const migrate = (...extra: string[]): string => inlineCode(command(run, ['migrate', source], [...mappingsArgs(run), ...extra]));
  const prune = (...extra: string[]): string => inlineCode(command(run, ['prune'], extra));
  const steps: string[] = [];
  const where = `schema ${inlineCode(run.target.schema)} of ${inlineCode(run.target.database)} on ${inlineCode(`${run.target.host}:${run.target.port}`)}`;
  if (run.mode === 'verify') {
    steps.push(
      run.outcome === 'passed'
        ? 'Nothing to do: the target holds the same data as the source.'
        : 'Look at the differing rows (see Verification). Rows the application wrote in PostgreSQL since the cutover differ by design; anything else is a finding: roll back or fall back (see the migration report), or fix the data and run verify again.',
    );
  } else if (run.cutover.performed) {
    steps.push(`**Point the application at PostgreSQL** (${where}) and keep the SQLite file read-only: what it receives from now on is not migrated.`);
    steps.push(`**Verify again tomorrow**, before the application has changed much: ${inlineCode(command(run, ['verify', source], mappingsArgs(run)))}. Rows written in PostgreSQL since the cutover show as differences.`);
    const rollback = run.cutover.rollbackCommand === null ? inlineCode(command(run, ['rollback'], ['--run', run.runId])) : inlineCode(run.cutover.rollbackCommand);
    steps.push(
      `**To fall back:** while the application has not written to PostgreSQL, ${rollback} puts the previous tables back in one transaction (it refuses once the migrated tables were written to, unless ${inlineCode('--force')}). ` +
        `To go back to SQLite with the writes made in PostgreSQL since, ${inlineCode(`${run.invocation?.command ?? 'sqlite2pg'} fallback`)} (see its ${inlineCode('--help')}).`,
    );
    const kept = [run.cutover.previousSchema === null ? null : `the previous schema ${inlineCode(run.cutover.previousSchema)}`, run.source.snapshotPath === null ? null : `the snapshot ${inlineCode(run.source.snapshotPath)}`].filter((k): k is string => k !== null);
    steps.push(
      `**Clean up** once you will not fall back any more (say after a week of normal operation): ${prune('--all', '--older-than', '7')} removes ${kept.length ? kept.join(' and ') : 'what this run kept'} (${prune('--dry-run', '--all')} lists it first, with sizes). Prune never touches the live schema.`,
    );
    if (sum(run.tables.map((t) => t.rowsQuarantined)) > 0 && run.quarantineDir !== null) {
      steps.push(`**Quarantined rows** were accepted and are not in PostgreSQL: ${inlineCode(run.quarantineDir)} holds each one with its reason, to re-insert by hand if needed.`);
    }
  } else if (stoppedByQuarantine(run)) {
    steps.push(`**Read the quarantine files**${run.quarantineDir === null ? '' : ` in ${inlineCode(run.quarantineDir)}`}: each row with its key, column, value and the reason it was not loaded.`);
    steps.push(`**Fix or accept:** fix those rows in SQLite or the mapping files (a cast, a format) and run again: ${migrate()}; or accept that they stay out of PostgreSQL and cut over: ${migrate('--allow-quarantine')}.`);
  } else if (run.mode === 'dry-run') {
    steps.push(`**Review this report** (row counts, casts, manual follow-ups) and schedule the write freeze${run.writeFreeze ? `: about ${formatMs(run.writeFreeze.ms)} on this machine and data` : ''}.`);
    steps.push(`**Run it for real** in the window, with the application stopped: ${migrate()}.`);
  } else if (run.outcome === 'verify-mismatch') {
    steps.push('**Look at the differing rows** (see Verification), fix the mapping or the data, and run again.');
    steps.push(`The staging schema of this run was kept for inspection: once done, ${prune('--dry-run')} lists it and ${prune()} drops it.`);
  } else {
    steps.push(`**Fix the cause** (see Error) and run again: ${migrate()}. When this run left its staging schema, ${migrate('--resume')} keeps the tables it completed.`);
  }
  return `## Next steps\n\n${steps.map((x, i) => `${i + 1}. ${x}`).join('\n')}`;
}

// ---------------------------------------------------------------------------------------------

/** A fragment as a sentence: capital first letter, final full stop. */
function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return t;
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

/** First start and last end of some steps, or null when there are none. */
function span(steps: readonly StepResult[]): { start: number; end: number } | null {
  if (steps.length === 0) return null;
  return {
    start: Math.min(...steps.map((s) => s.startMs)),
    end: Math.max(...steps.map((s) => s.startMs + s.ms)),
  };
}
