/**
 * GitHub-flavoured Markdown tables and collapsible blocks, laid out to stay readable as plain
 * text too (columns padded, numbers right-aligned).
 * https://github.github.com/gfm/#tables-extension-
 */
import { escapeHtml } from './escape-markdown.js';

/** Lists longer than this go into a collapsed `<details>` block. */
export const LONG_LIST = 15;

/** Columns wider than this are not padded further (an error message would widen every row). */
const MAX_PAD = 48;

export interface TableColumn {
  readonly header: string;
  /** Numbers are right-aligned. */
  readonly align?: 'left' | 'right' | 'center';
}

/**
 * A GFM table. Cells are Markdown that the caller has already escaped (escapeMarkdown,
 * inlineCode); this function escapes every `|` as `\|`, which GFM undoes inside cells, code
 * spans included, so a table named `a|b` cannot split a row. A row shorter than the header is
 * padded with empty cells.
 */
export function markdownTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const cells = [columns.map((c) => escapePipes(c.header)), ...rows.map((r) => columns.map((_, i) => escapePipes(r[i] ?? '')))];
  const widths = columns.map((_, i) =>
    Math.min(MAX_PAD, Math.max(3, ...cells.map((row) => displayWidth(row[i] ?? '')))),
  );
  const line = (row: readonly string[]): string =>
    `| ${row.map((cell, i) => pad(cell, widths[i] ?? 3, columns[i]?.align ?? 'left')).join(' | ')} |`;
  const rule = `| ${columns
    .map((c, i) => {
      const w = widths[i] ?? 3;
      if (c.align === 'right') return `${'-'.repeat(w - 1)}:`;
      if (c.align === 'center') return `:${'-'.repeat(w - 2)}:`;
      return '-'.repeat(w);
    })
    .join(' | ')} |`;
  const [header, ...body] = cells;
  return [line(header ?? []), rule, ...body.map(line)].join('\n');
}

/**
 * A collapsed block. `summary` is plain text (HTML-escaped here); `body` is Markdown, separated
 * by blank lines so that GitHub renders it as Markdown rather than as raw HTML.
 * https://spec.commonmark.org/0.31.2/#html-blocks (type 6 ends at a blank line)
 */
export function detailsBlock(summary: string, body: string): string {
  return `<details><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`;
}

/** `body` as is when the list has at most LONG_LIST items, else collapsed under `summary`. */
export function collapseLong(count: number, summary: string, body: string): string {
  return count > LONG_LIST ? detailsBlock(summary, body) : body;
}

function escapePipes(cell: string): string {
  return cell.replace(/\|/g, '\\|');
}

function pad(cell: string, width: number, align: 'left' | 'right' | 'center'): string {
  const missing = width - displayWidth(cell);
  if (missing <= 0) return cell;
  if (align === 'right') return ' '.repeat(missing) + cell;
  if (align === 'center') {
    const left = Math.floor(missing / 2);
    return ' '.repeat(left) + cell + ' '.repeat(missing - left);
  }
  return cell + ' '.repeat(missing);
}

/**
 * Approximate terminal width: East Asian wide characters and emoji count 2, combining marks and
 * variation selectors 0. Only used for padding, so an approximation costs alignment, not content.
 */
export function displayWidth(text: string): number {
  const chars = [...text];
  let width = 0;
  for (const [i, ch] of chars.entries()) {
    const cp = ch.codePointAt(0) ?? 0;
    if (/\p{Mn}|\p{Me}|\u200d/u.test(ch) || (cp >= 0xfe00 && cp <= 0xfe0f)) continue;
    // U+FE0F asks for emoji presentation (⚠️, ↩️): two columns wide.
    width += isWide(cp) || chars[i + 1] === '\ufe0f' ? 2 : 1;
  }
  return width;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    cp === 0x2705 ||
    cp === 0x274c ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}
