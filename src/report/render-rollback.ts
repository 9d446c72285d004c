/**
 * The short report `sqlite2pg rollback` writes: for the change ticket, what was undone, by whom,
 * when, and where the rolled-back tables are kept. Pure.
 */
import type { Invocation } from '../model/run-result.js';
import { escapeMarkdown, inlineCode } from './escape-markdown.js';
import { formatInt, formatMs, plural } from './format.js';
import { commandLine, personalizeHint } from './hints.js';
import { markdownTable } from './markdown-table.js';

export interface RollbackRecord {
  readonly runId: string;
  readonly schema: string;
  /** Target URL with the password redacted. */
  readonly targetUrl: string;
  readonly startedAt: string;
  readonly ms: number;
  readonly tables: readonly string[];
  readonly views: readonly string[];
  readonly functions: readonly string[];
  /** Where the run's objects went (kept, not dropped). */
  readonly aside: string;
  readonly restoredFrom: string | null;
  readonly restored: readonly { readonly kind: 'table' | 'view' | 'function'; readonly name: string }[];
  /** Tables written to since the cutover, rolled back anyway with --force. */
  readonly forcedOver: readonly string[];
  readonly invocation?: Invocation;
}

export function renderRollbackReport(r: RollbackRecord): string {
  const live = inlineCode(r.schema);
  const rows: string[][] = [
    ['Run rolled back', inlineCode(r.runId)],
    ['Rolled back at (UTC)', escapeMarkdown(r.startedAt)],
    ['Took', formatMs(r.ms)],
  ];
  if (r.invocation) rows.push(['Run by', inlineCode(`${r.invocation.user}@${r.invocation.host}`)], ['Command', inlineCode(commandLine([r.invocation.command, ...r.invocation.argv]))]);
  rows.push(
    ['Target URL', inlineCode(r.targetUrl)],
    [`Tables moved out of ${live}`, formatInt(r.tables.length)],
    [`Views moved out of ${live}`, formatInt(r.views.length)],
    [`Functions moved out of ${live}`, formatInt(r.functions.length)],
    ['Kept in', inlineCode(r.aside)],
    [`Restored into ${live}`, r.restoredFrom === null ? 'nothing (there were no live objects of the same names before the cutover)' : `${plural(r.restored.length, 'object')} from ${inlineCode(r.restoredFrom)}`],
  );
  const parts = [
    '# sqlite2pg rollback report',
    `↩️ **ROLLED BACK: run ${escapeMarkdown(r.runId)}** — ${plural(r.tables.length, 'table')} and ${plural(r.views.length, 'view')} left ${live} in one transaction.`,
    markdownTable([{ header: 'Rollback' }, { header: 'Value' }], rows),
  ];
  if (r.forcedOver.length > 0) {
    parts.push(`⚠️ Rolled back with ${inlineCode('--force')} although these tables were written to since the cutover; those writes are in ${inlineCode(r.aside)}: ${r.forcedOver.map(inlineCode).join(', ')}.`);
  }
  const objects = [...r.tables.map((t) => `- table ${inlineCode(t)}`), ...r.views.map((v) => `- view ${inlineCode(v)}`), ...r.functions.map((f) => `- function ${inlineCode(f)}`)];
  if (objects.length > 0) parts.push(`## Moved to ${inlineCode(r.aside)}\n\n${objects.join('\n')}`);
  parts.push(
    '## Next steps\n\n' +
      `1. Point the application back at what it used before the cutover.\n` +
      `2. The migrated tables are kept in ${inlineCode(r.aside)}; drop them once they are not needed: ${inlineCode(personalizeHint('sqlite2pg prune --dry-run', r.invocation, null))} lists it with its size, ${inlineCode(personalizeHint('sqlite2pg prune', r.invocation, null))} drops it.`,
  );
  return `${parts.join('\n\n')}\n`;
}
