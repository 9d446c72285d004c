/**
 * The run's steps as a Mermaid gantt chart (rendered by GitHub in ```mermaid blocks).
 * Times are millisecond offsets from the start of the run (`dateFormat x`), so the chart needs
 * no clock and no time zone.
 * https://mermaid.js.org/syntax/gantt.html
 */
import type { Section, StepResult } from '../model/run-result.js';
import { formatMs, plural, sum } from './format.js';

/** Sections in pipeline order; a chart section per one that has steps. */
export const SECTION_ORDER: readonly Section[] = ['pre', 'data', 'post', 'verify', 'cutover'];

/** Readable names for the sections, in the chart and in the step table. */
export const SECTION_TITLES: Readonly<Record<Section, string>> = {
  pre: 'Prepare',
  data: 'Data',
  post: 'Indexes and constraints',
  verify: 'Verify',
  cutover: 'Cutover',
};

/** At most this many bars per section (plus one): the rest are summed up in one "others" bar. */
export const MAX_BARS_PER_SECTION = 10;

/** Lines that start with these words are directives to Mermaid's gantt lexer, not task names. */
const KEYWORDS =
  /^(?:section|title|dateformat|axisformat|tickinterval|excludes|includes|todaymarker|click|inclusiveenddates|topaxis|weekday|weekend|acctitle|accdescr|displaymode|gantt)\b/i;

/**
 * A task name Mermaid parses as text: `:` ends the name and `#` / `;` end the statement in
 * Mermaid's gantt grammar, so they become look-alikes (꞉ ＃ ；); newlines become spaces, and a
 * name that starts with a gantt keyword gets a leading `▸`.
 */
export function mermaidTaskName(name: string): string {
  const clean = name
    .replace(/[\r\n]+/g, ' ')
    .replace(/:/g, '\ua789')
    .replace(/#/g, '\uff03')
    .replace(/;/g, '\uff1b')
    .replace(/%%/g, '%\u200b%')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .trim();
  if (clean === '') return '(unnamed)';
  return KEYWORDS.test(clean) ? `▸ ${clean}` : clean;
}

/** The label of a step: its name, and its table when it has one (`copy invoice_line`). */
export function stepLabel(step: StepResult): string {
  return step.table === undefined ? step.step : `${step.step} ${step.table}`;
}

interface Bar {
  readonly name: string;
  readonly tag: string | null;
  readonly start: number;
  readonly end: number;
}

/**
 * A ```mermaid gantt block of the steps, one section per StepResult.section in pipeline order.
 * Skipped steps are left out. A section with more than MAX_BARS_PER_SECTION + 1 steps shows the
 * MAX_BARS_PER_SECTION longest ones and one bar for the rest, spanning from the first of them to the last.
 * Failed steps are `crit` (red), rolled-back ones `active`, the others `done`.
 */
export function timelineGantt(steps: readonly StepResult[]): string {
  const lines = ['```mermaid', 'gantt', '  title Run timeline (mm:ss from the start)', '  dateFormat x', '  axisFormat %M:%S'];
  for (const section of SECTION_ORDER) {
    const shown = steps.filter((s) => s.section === section && s.status !== 'skipped');
    if (shown.length === 0) continue;
    lines.push(`  section ${SECTION_TITLES[section]}`);
    for (const bar of sectionBars(section, shown)) {
      const tag = bar.tag === null ? '' : `${bar.tag}, `;
      lines.push(`    ${mermaidTaskName(bar.name)} :${tag}${bar.start}, ${bar.end}`);
    }
  }
  lines.push('```');
  return lines.join('\n');
}

function sectionBars(section: Section, steps: readonly StepResult[]): Bar[] {
  const indexed = steps.map((step, index) => ({ step, index }));
  let kept = indexed;
  let others: typeof indexed = [];
  // Summing up a single step would hide its name and save no bar.
  if (indexed.length > MAX_BARS_PER_SECTION + 1) {
    const longest = [...indexed]
      .sort((a, b) => b.step.ms - a.step.ms || a.step.startMs - b.step.startMs || a.index - b.index)
      .slice(0, MAX_BARS_PER_SECTION);
    const keep = new Set(longest.map((x) => x.index));
    kept = indexed.filter((x) => keep.has(x.index));
    others = indexed.filter((x) => !keep.has(x.index));
  }
  const bars: Bar[] = kept
    .sort((a, b) => a.step.startMs - b.step.startMs || a.index - b.index)
    .map(({ step }) => ({ name: stepLabel(step), tag: barTag(step), start: start(step), end: end(step) }));
  if (others.length > 0) {
    const rest = others.map((x) => x.step);
    const allTables = section === 'data' && rest.every((s) => s.table !== undefined);
    const what = allTables ? plural(rest.length, 'other table') : plural(rest.length, 'other step');
    const failed = rest.some((s) => s.status === 'failed' || s.status === 'failed-to-rollback');
    bars.push({
      name: `${what}, ${formatMs(sum(rest.map((s) => s.ms)))} in total`,
      tag: failed ? 'crit' : 'done',
      start: Math.min(...rest.map(start)),
      end: Math.max(...rest.map(end)),
    });
  }
  return bars;
}

function barTag(step: StepResult): string | null {
  switch (step.status) {
    case 'ok':
      return 'done';
    case 'failed':
    case 'failed-to-rollback':
      return 'crit';
    case 'rolled-back':
      return 'active';
    case 'skipped':
      return null;
  }
}

function start(step: StepResult): number {
  return Math.max(0, Math.round(step.startMs));
}

/** A zero-length bar is invisible: draw at least 1 ms. */
function end(step: StepResult): number {
  return start(step) + Math.max(1, Math.round(step.ms));
}
