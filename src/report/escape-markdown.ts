/**
 * Safe embedding of user-provided strings (table and column names, values, error messages,
 * paths) in the Markdown report, so that nothing the source database contains can break a
 * table, open a code span, inject HTML or ping someone on GitHub.
 * https://spec.commonmark.org/0.31.2/#backslash-escapes
 * https://github.github.com/gfm/#tables-extension-
 *
 * Pipes are deliberately NOT escaped here: that is a table concern, done for every cell in one
 * place by markdownTable() (GFM removes `\` before `|` inside cells, code spans included).
 */

/** Shown instead of a line break inside one-line contexts (table cells, code spans, task names). */
export const NEWLINE_MARK = '↵';

/**
 * Make control characters visible and keep the text on one line: CR LF, LF and CR become `↵`,
 * other C0 controls and DEL become their Unicode control pictures (U+0000 → `␀`), because
 * CommonMark turns NUL into U+FFFD and silently drops the difference the report must show.
 * Tabs are kept.
 */
export function visibleText(text: string): string {
  return text.replace(/\r\n|\r|\n/g, NEWLINE_MARK).replace(controlChars(), controlPicture);
}

/**
 * Escape text for an inline Markdown context (paragraph, list item, table cell), so it renders
 * literally: backslash, backtick, `*`, `[`, `]`, `~`, `<`, entity-like `&`, `@` at the start of
 * a word (GitHub mentions), `_` except inside a word (`last_update` stays readable as plain
 * text), and a leading `>`, `#`, `+`, `-`, `=` or `1.` that would start a block (`16.4` is left alone).
 */
export function escapeMarkdown(text: string): string {
  let out = visibleText(text)
    .replace(/[\\`*[\]~<]/g, '\\$&')
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&')
    .replace(/(^|[^A-Za-z0-9])@/g, '$1\\@')
    .replace(/_/g, (match, offset: number, whole: string) =>
      isWordChar(whole[offset - 1]) && isWordChar(whole[offset + 1]) ? match : '\\_',
    );
  // Block starts: `>` always; `#`, `+`, `-`, `=` and `1.` only when a space or the end follows.
  out = out
    .replace(/^(\s*)>/, '$1\\>')
    .replace(/^(\s*)([#+=-])(?=\s|$)/, '$1\\$2')
    .replace(/^(\s*\d{1,9})([.)])(?=\s|$)/, '$1\\$2');
  return out;
}

/**
 * A code span showing `text` exactly (after visibleText): the fence is one backtick longer than
 * the longest run inside, and padded with a space when the text starts or ends with a backtick
 * or would lose a leading and trailing space to CommonMark's stripping rule.
 * The empty string, which no code span can show, renders as `*(empty)*`.
 * https://spec.commonmark.org/0.31.2/#code-spans
 */
export function inlineCode(text: string): string {
  if (text === '') return '*(empty)*';
  const shown = visibleText(text);
  const fence = '`'.repeat(longestRun(shown, '`') + 1);
  const allSpaces = /^ +$/.test(shown);
  const pad =
    shown.startsWith('`') || shown.endsWith('`') || (!allSpaces && shown.startsWith(' ') && shown.endsWith(' '))
      ? ' '
      : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/** Escape text for HTML content or attribute values (`<summary>`), on one line. */
export function escapeHtml(text: string): string {
  return visibleText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/**
 * A fenced code block holding `text` verbatim: the fence is longer than any backtick run in the
 * text (at least three), line endings are normalised to LF, and controls other than tab and LF
 * are made visible.
 * https://spec.commonmark.org/0.31.2/#fenced-code-blocks
 */
export function fencedCode(text: string, info = ''): string {
  const body = text
    .replace(/\r\n|\r/g, '\n')
    .replace(/\n+$/, '')
    .replace(controlChars(true), controlPicture);
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}

/** Indent every non-empty line by `spaces` (content nested in a list item). */
export function indentLines(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

/** Shorten to at most `max` characters (code points), marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

function longestRun(text: string, ch: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === ch ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}

/** C0 controls except tab (and LF when `keepNewline`), plus DEL. */
function controlChars(keepNewline = false): RegExp {
  return keepNewline ? /[\u0000-\u0008\u000b-\u001f\u007f]/g : /[\u0000-\u0008\u000a-\u001f\u007f]/g;
}

function controlPicture(ch: string): string {
  const code = ch.charCodeAt(0);
  return String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code);
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}
