import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  escapeMarkdown,
  fencedCode,
  indentLines,
  inlineCode,
  truncate,
  visibleText,
} from '../../../src/report/escape-markdown.js';
import { collapseLong, detailsBlock, displayWidth, markdownTable } from '../../../src/report/markdown-table.js';
import { cellSeparators } from './markdown-checks.js';


describe('visibleText', () => {
  it('keeps text on one line and shows control characters', () => {
    expect(visibleText('a\r\nb\nc\rd')).toBe('a↵b↵c↵d');
    expect(visibleText('nul\u0000 del\u007f bell\u0007')).toBe('nul␀ del␡ bell␇');
    expect(visibleText('tab\tkept')).toBe('tab\tkept');
  });
});

describe('inlineCode', () => {
  it.each([
    ['abc', '`abc`'],
    ['x`y', '``x`y``'],
    ['``', '``` `` ```'],
    ['`a', '`` `a ``'],
    [' x ', '`  x  `'],
    [' ', '` `'],
    ['x`y\nz', '``x`y↵z``'],
    ['0.99\u0000', '`0.99␀`'],
    ['', '*(empty)*'],
  ])('%j → %s', (text, md) => {
    expect(inlineCode(text)).toBe(md);
  });

  it('leaves pipes to the table (outside a table `\\|` would show its backslash)', () => {
    expect(inlineCode('a|b')).toBe('`a|b`');
  });
});

describe('escapeMarkdown', () => {
  it.each([
    ['plain text', 'plain text'],
    ['*bold*', '\\*bold\\*'],
    ['_it_', '\\_it\\_'],
    ['last_update', 'last_update'],
    ['[link](x)', '\\[link\\](x)'],
    ['<script>', '\\<script>'],
    ['a `b` c', 'a \\`b\\` c'],
    ['back\\slash', 'back\\\\slash'],
    ['&amp; & co', '\\&amp; & co'],
    ['ping @bob', 'ping \\@bob'],
    ['a@b.example', 'a@b.example'],
    ['~~gone~~', '\\~\\~gone\\~\\~'],
    ['> quote', '\\> quote'],
    ['# heading', '\\# heading'],
    ['#1 ok', '#1 ok'],
    ['- item', '\\- item'],
    ['1. item', '1\\. item'],
    ['16.4', '16.4'],
    ['two\nlines', 'two↵lines'],
  ])('%j → %j', (text, md) => {
    expect(escapeMarkdown(text)).toBe(md);
  });
});

describe('escapeHtml', () => {
  it('escapes markup and keeps one line', () => {
    expect(escapeHtml('a<b> & "c"\nd')).toBe('a&lt;b&gt; &amp; &quot;c&quot;↵d');
  });
});

describe('fencedCode', () => {
  it('uses a fence longer than any backtick run inside', () => {
    expect(fencedCode('SELECT 1;', 'sql')).toBe('```sql\nSELECT 1;\n```');
    expect(fencedCode('a ```` b', 'text')).toBe('`````text\na ```` b\n`````');
  });
  it('normalises line endings and drops trailing newlines', () => {
    expect(fencedCode('a\r\nb\rc\n\n')).toBe('```\na\nb\nc\n```');
  });
});

describe('indentLines / truncate', () => {
  it('indents non-empty lines only', () => {
    expect(indentLines('a\n\nb', 2)).toBe('  a\n\n  b');
  });
  it('cuts on code points with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('😀😀😀😀😀', 3)).toBe('😀😀…');
  });
});

describe('markdownTable', () => {
  it('pads columns, right-aligns numbers and escapes pipes in every cell', () => {
    const md = markdownTable(
      [{ header: 'Name' }, { header: 'Rows', align: 'right' }],
      [
        [inlineCode('a|b'), '1,234'],
        [escapeMarkdown('x|y'), '5'],
      ],
    );
    expect(md).toBe(
      [
        '| Name   |  Rows |',
        '| ------ | ----: |',
        '| `a\\|b` | 1,234 |',
        '| x\\|y   |     5 |',
      ].join('\n'),
    );
    for (const line of md.split('\n')) expect(cellSeparators(line)).toBe(3);
  });

  it('fills missing cells', () => {
    expect(markdownTable([{ header: 'A' }, { header: 'B' }], [['x']])).toBe('| A   | B   |\n| --- | --- |\n| x   |     |');
  });

  it('counts emoji as two columns', () => {
    expect(displayWidth('✅ match')).toBe(8);
    expect(displayWidth('⚠️ 3')).toBe(4);
  });
});

describe('detailsBlock / collapseLong', () => {
  it('leaves a blank line after <summary> so GitHub renders the Markdown inside', () => {
    expect(detailsBlock('2 <rows>', '| a |')).toBe('<details><summary>2 &lt;rows&gt;</summary>\n\n| a |\n\n</details>');
  });
  it('collapses only lists longer than 15', () => {
    expect(collapseLong(15, 's', 'body')).toBe('body');
    expect(collapseLong(16, 's', 'body')).toBe(detailsBlock('s', 'body'));
  });
});
