/**
 * Structural checks on rendered Markdown, as GitHub's parser (cmark-gfm) would see it.
 */

/** Cell separators in a table line: a `|` preceded by a backslash belongs to the cell. */
export function cellSeparators(line: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) if (line[i] === '|' && line[i - 1] !== '\\') n++;
  return n;
}

/** The GFM tables of a document outside code blocks: runs of lines starting with `|`. */
export function tablesOf(markdown: string): string[][] {
  const tables: string[][] = [];
  let current: string[] | null = null;
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const trimmed = line.trimStart();
    const opener = /^(`{3,})/.exec(trimmed);
    if (fence !== null) {
      if (opener !== null && opener[1]!.length >= fence.length && trimmed.slice(opener[1]!.length).trim() === '') fence = null;
      continue;
    }
    if (opener !== null) {
      fence = opener[1]!;
      current = null;
      continue;
    }
    if (trimmed.startsWith('|')) {
      if (current === null) tables.push((current = []));
      current.push(trimmed);
    } else {
      current = null;
    }
  }
  return tables;
}

/** Every table keeps its shape: each row has as many cell separators as the header. */
export function brokenTableRows(markdown: string): string[] {
  const broken: string[] = [];
  for (const table of tablesOf(markdown)) {
    const expected = cellSeparators(table[0] ?? '');
    for (const row of table) if (cellSeparators(row) !== expected) broken.push(row);
  }
  return broken;
}

/** The `##` headings in order. */
export function sectionHeadings(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('## '))
    .map((line) => line.slice(3));
}
