/**
 * Golden files: test/unit/report/__golden__/*.md. After an intended change to the report, rewrite
 * them with `npx vitest run test/unit/report --update` and review the diff like code. In CI (CI=true) a
 * missing golden file fails instead of being written.
 */
import { describe, expect, it } from 'vitest';
import type { Untranslated } from '../../../src/model/plan.js';
import type { QuarantineEntry, RunResult, StepResult } from '../../../src/model/run-result.js';
import { renderMarkdown } from '../../../src/report/render-markdown.js';
import { cleanCutoverRun, dryRun, failedLoadRun, onlineCutoverRun, onlineRefusedRun, quarantineRun, quarantineStoppedRun, verifyMismatchRun } from './fixtures.js';
import { brokenTableRows, sectionHeadings, tablesOf } from './markdown-checks.js';

const GOLDEN: [string, () => RunResult][] = [
  ['clean-cutover', cleanCutoverRun],
  ['dry-run', dryRun],
  ['quarantine', quarantineRun],
  ['quarantine-stopped', quarantineStoppedRun],
  ['verify-mismatch', verifyMismatchRun],
  ['failed-load', failedLoadRun],
  ['online-cutover', onlineCutoverRun],
  ['online-refused', onlineRefusedRun],
];

/** The text of one `## ` section, up to the next one. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start + 1, end < 0 ? undefined : end);
}

describe('renderMarkdown golden files', () => {
  it.each(GOLDEN)('%s', async (name, make) => {
    await expect(renderMarkdown(make())).toMatchFileSnapshot(`./__golden__/${name}.md`);
  });
});

describe('renderMarkdown structure', () => {
  it.each(GOLDEN)('%s: every table row keeps its columns', (_, make) => {
    const md = renderMarkdown(make());
    expect(tablesOf(md).length).toBeGreaterThan(3);
    expect(brokenTableRows(md)).toEqual([]);
  });

  it('puts the sections in order, with Error and Quarantine only when needed', () => {
    const always = ['Tables', 'Verification', 'Schema', 'Manual follow-ups', 'Timeline', 'Rollback', 'Next steps'];
    expect(sectionHeadings(renderMarkdown(cleanCutoverRun()))).toEqual(always);
    expect(sectionHeadings(renderMarkdown(dryRun()))).toEqual(always);
    expect(sectionHeadings(renderMarkdown(quarantineRun()))).toEqual([
      'Tables',
      'Verification',
      'Quarantine',
      'Schema',
      'Manual follow-ups',
      'Timeline',
      'Rollback',
      'Next steps',
    ]);
    expect(sectionHeadings(renderMarkdown(failedLoadRun()))).toEqual(['Error', ...always]);
  });

  it('starts with the title and the outcome in bold', () => {
    const lines = renderMarkdown(dryRun()).split('\n');
    expect(lines[0]).toBe('# sqlite2pg migration report');
    expect(lines[2]).toBe('✅ **DRY RUN — PASSED: 11 tables, 15,607 rows, verified**');
    expect(renderMarkdown(dryRun())).toContain('| Mode            | **DRY RUN** (no cutover)');
    expect(renderMarkdown(cleanCutoverRun())).not.toContain('DRY RUN');
  });

  it('prints the target URL as given (already redacted) and marks an embedded server', () => {
    const run = cleanCutoverRun();
    const md = renderMarkdown({ ...run, target: { ...run.target, embedded: true } });
    expect(md).toContain('`postgres://app:***@db.internal:5432/music?sslmode=require`');
    expect(md).toContain('`db.internal:5432` (embedded PostgreSQL)');
    expect(renderMarkdown(run)).not.toContain('embedded');
  });

  it('ends with exactly one newline', () => {
    for (const [, make] of GOLDEN) expect(renderMarkdown(make())).toMatch(/[^\n]\n$/);
  });
});

describe('At a glance', () => {
  /** The bullet list right under the outcome line. */
  const glance = (run: RunResult): string => renderMarkdown(run).split('\n\n').find((p) => p.startsWith('- **Data:**'))!;

  it('says what a change reviewer needs: data, proof, change, undo, work left', () => {
    expect(glance(cleanCutoverRun()).split('\n')).toEqual([
      '- **Data:** 15,607 of 15,607 rows read from 11 tables loaded, none quarantined.',
      '- **Proof:** row counts and checksums match in SQLite and PostgreSQL for all 11 tables.',
      '- **Change:** the migrated tables are live in schema `public` of `music` on `db.internal:5432`; the swap took 43 ms.',
      "- **Undo:** `sqlite2pg rollback --run 01HWZ6J8V3K9Q2M7XAT4R5B1CE --target 'postgres://app@db.internal:5432/music?sslmode=require'` (see Rollback).",
      '- **Write freeze:** writes to the SQLite source had to be stopped for 1.3 s, from the first read to the cutover commit.',
      '- **By hand:** 2 objects could not be translated (see Manual follow-ups).',
    ]);
  });

  it('says that nothing changed, and why, when there was no cutover', () => {
    expect(glance(dryRun())).toContain('- **Change:** none (dry run): schema `public` of `music` on `db.internal:5432` was not touched.');
    expect(glance(dryRun())).toContain('- **Window:** a real run would take about 1.4 s, measured by this dry run (see Rollback).');
    expect(glance(verifyMismatchRun())).toContain('- **Proof:** ❌ 2 tables differ between SQLite and PostgreSQL: `invoice_line`, `customer` (see Verification).');
    expect(glance(verifyMismatchRun())).toContain('- **Change:** none (verification failed)');
    expect(glance(quarantineRun())).toContain('3 rows quarantined (see Quarantine)');
    const failed = glance(failedLoadRun());
    expect(failed).toContain('- **Proof:** none: the run stopped before verification.');
    expect(failed).toContain('- **Change:** none (the run failed)');
    expect(failed).toContain('- **Error:** `E_LOAD_COPY` (see Error).');
  });
});

describe('escaping user-provided strings', () => {
  const nasty = (): RunResult => {
    const run = verifyMismatchRun();
    const [first, ...rest] = run.tables;
    const sample: QuarantineEntry = {
      table: 'a|b',
      key: 'id=1|2',
      column: 'co`l',
      value: 'x`y\nz | <b>',
      reason: 'bad | value\nsecond line <script>',
    };
    return {
      ...run,
      tables: [
        {
          ...first!,
          source: 'a|b',
          target: 'a|b',
          rowsRead: first!.rowsRead + 1,
          rowsQuarantined: 1,
          quarantineSample: [sample],
          quarantineFile: 'q/a|b.jsonl',
          differingRows: [
            { key: 'k`1', kind: 'changed', columns: [{ column: 'c|d', source: 'x`y\nz', target: '``' }] },
          ],
          checksum: { source: 'aaaa', target: 'bbbb', match: false },
        },
        ...rest,
      ],
      casts: [{ table: 'a|b', column: 'v', cast: 'text → jsonb', pgType: 'jsonb', before: '{"a":"|`"}', after: '{"a": "|`"}' }],
      warnings: ['a|b: <img src=x> *not bold*'],
      untranslated: [{ object: 'view v|w', kind: 'view', reason: 'uses `group_concat` | and <html>', sql: 'CREATE VIEW "v|w" AS SELECT 1 -- ```' }],
    };
  };

  it('keeps every table intact around a table named a|b and values with backticks and newlines', () => {
    const md = renderMarkdown(nasty());
    expect(brokenTableRows(md)).toEqual([]);
    expect(md).toContain('| `a\\|b`');
    expect(md).toContain('``x`y↵z \\| <b>``');
    expect(md).toContain('`c\\|d`: ``x`y↵z`` → ``` `` ```');
    expect(md).toContain('bad \\| value↵second line \\<script>');
  });

  it('never lets raw HTML or a newline through in text', () => {
    const md = renderMarkdown(nasty());
    // Prose escapes `<` as `\<`; code spans show it literally and GitHub does not parse HTML there.
    expect(md).not.toMatch(/(^|[^\\])<(script|img|html)/m);
    // Outside tables a pipe needs no escape.
    expect(md).toContain('- a|b: \\<img src=x> \\*not bold\\*');
    expect(md).toContain('- [ ] view v|w: uses \\`group_concat\\` | and \\<html>');
  });

  it('keeps SQL verbatim in a fence longer than its backticks', () => {
    expect(renderMarkdown(nasty())).toContain('<details><summary>SQL: view v|w</summary>\n\n````sql\nCREATE VIEW "v|w" AS SELECT 1 -- ```\n````');
  });

  it('escapes names in <summary>', () => {
    expect(renderMarkdown(nasty())).toContain('<details><summary>a|b: 1 differing row</summary>');
    const run = nasty();
    const md = renderMarkdown({ ...run, tables: run.tables.map((t, i) => (i === 0 ? { ...t, target: '<i>x</i>' } : t)) });
    expect(md).toContain('<summary>&lt;i&gt;x&lt;/i&gt;: 1 differing row</summary>');
  });
});

describe('Tables', () => {
  it('totals the rows and reports the data section wall clock', () => {
    const tables = section(renderMarkdown(cleanCutoverRun()), 'Tables');
    expect(tables).toMatch(/\| \*\*Total \(11 tables\)\*\* +\| \*\*15,607\*\* \| \*\*15,607\*\* \| +\*\*0\*\* \|/);
    // Data steps run from 115 ms to 626 ms on two lanes.
    expect(tables).toContain('**511 ms**');
    expect(tables).toContain('| `PlaylistTrack` → `playlist_track` |      8,715 |');
  });

  it('right-aligns the numeric columns', () => {
    const rule = section(renderMarkdown(cleanCutoverRun()), 'Tables').split('\n')[3];
    expect(rule?.split('|').slice(1, -1).map((c) => c.trim().endsWith(':'))).toEqual([
      false, true, true, true, true, false, true, true, true,
    ]);
  });

  it('flags rows that are neither loaded nor quarantined', () => {
    const run = cleanCutoverRun();
    const md = renderMarkdown({ ...run, tables: run.tables.map((t, i) => (i === 1 ? { ...t, rowsLoaded: t.rowsLoaded - 2 } : t)) });
    expect(md).toMatch(/\| +⚠️ 8,715 \|/);
    expect(md).toContain('- `PlaylistTrack`: read 8,715, but loaded 8,713 + quarantined 0 = 8,713');
  });

  it('says where the rows of a failed run went', () => {
    expect(section(renderMarkdown(failedLoadRun()), 'Tables')).toContain('went into the staging schema only');
  });

  it('keeps up to 50 tables in the open, and states the totals above a longer, collapsed list', () => {
    const run = cleanCutoverRun();
    const copies = (n: number): RunResult['tables'] =>
      Array.from({ length: n }, (_, i) => run.tables[i % run.tables.length]!).map((t, i) => ({ ...t, source: `${t.source}${i}`, target: `${t.target}${i}` }));
    expect(section(renderMarkdown({ ...run, tables: copies(50) }), 'Tables')).not.toContain('<details>');
    const tables = section(renderMarkdown({ ...run, tables: copies(55) }), 'Tables');
    expect(tables).toMatch(/^55 tables: [\d,]+ rows read, [\d,]+ loaded, 0 quarantined; checksums: 55 of 55 match; .* in 511 ms \([\d,]+ rows\/s\)\.$/m);
    expect(tables).toContain('<details><summary>All 55 tables</summary>\n\n| Table');
  });

  it('shows no rate for a table without rows', () => {
    const run = cleanCutoverRun();
    const md = renderMarkdown({ ...run, tables: run.tables.map((t, i) => (i === 0 ? { ...t, rowsRead: 0, rowsLoaded: 0, targetRows: 0 } : t)) });
    expect(section(md, 'Tables')).toMatch(/\| `Track` → `track` +\| +0 \| .* \| +— \|\n/);
  });
});

describe('Verification', () => {
  it('says so in one line when every table matched', () => {
    const v = section(renderMarkdown(cleanCutoverRun()), 'Verification');
    expect(v).toContain(
      '✅ All 11 tables match: the same row count and the same checksum in SQLite and PostgreSQL.\n\n<details>',
    );
  });

  it('lists the differing rows of each table in a details block', () => {
    const v = section(renderMarkdown(verifyMismatchRun()), 'Verification');
    expect(v).toContain('❌ 2 tables differ: `invoice_line`, `customer`.');
    expect(v).toContain('<details><summary>invoice_line: 2 differing rows</summary>\n\n');
    expect(v).toMatch(/\| `InvoiceLineId=579` +\| changed +\| `UnitPrice`: `0\.99` → `0\.98` \|/);
    expect(v).toMatch(/\| `InvoiceLineId=1337` \| missing in target \| — +\|/);
    expect(v).toContain('`Company`: `Google Inc. ` → `Google Inc.`<br>`LastUpdate`');
  });

  it('says when the run stopped before verification', () => {
    expect(section(renderMarkdown(failedLoadRun()), 'Verification')).toBe(
      '## Verification\n\nNot verified: the run stopped before verification.\n',
    );
  });
});

describe('Quarantine', () => {
  it('gives counts, files, reasons and examples', () => {
    const q = section(renderMarkdown(quarantineRun()), 'Quarantine');
    expect(q).toContain('⚠️ 3 rows in 1 table were not loaded');
    expect(q).toContain('Quarantine directory: `reports/20240501-100000-chinook/quarantine`');
    expect(q).toMatch(/\| `invoice_line` \| +3 \| +2,240 \| `reports\/20240501-100000-chinook\/quarantine\/invoice_line\.jsonl` \|/);
    expect(q).toContain('### By reason\n\n|');
    // The reason before the value, so that a long value cannot push it out of view.
    expect(q).toMatch(/\| `InvoiceLineId=1710` \| `UnitPrice` +\| text contains a NUL byte \(nul policy: quarantine\) +\| `0\.99␀` +\|/);
    expect(q).toContain('| — (whole row) |');
  });

  it('says when the reasons are counted from a sample, and collapses long example lists', () => {
    const run = quarantineRun();
    const samples: QuarantineEntry[] = Array.from({ length: 20 }, (_, i) => ({
      table: 'invoice_line',
      key: `InvoiceLineId=${i + 1}`,
      column: 'UnitPrice',
      value: `${i} USD`,
      reason: i % 2 === 0 ? 'not a number for numeric(10,2)' : 'out of range',
    }));
    const tables = run.tables.map((t) =>
      t.target === 'invoice_line'
        ? { ...t, rowsLoaded: t.rowsRead - 500, rowsQuarantined: 500, quarantineSample: samples }
        : t,
    );
    const q = section(renderMarkdown({ ...run, tables }), 'Quarantine');
    expect(q).toContain('Among the 20 examples recorded in this report (the files list all 500):');
    expect(q).toMatch(/\| `invoice_line` \| not a number for numeric\(10,2\) \| +10 \|/);
    expect(q).toContain('The first 5:');
    expect(q).toContain('<details><summary>All 20 examples</summary>\n\n');
  });
});

describe('Schema', () => {
  it('lists object counts, one cast sample per column, and warnings', () => {
    const run = cleanCutoverRun();
    const s = section(
      renderMarkdown({ ...run, casts: [...run.casts, { ...run.casts[0]!, before: 'second sample' }] }),
      'Schema',
    );
    expect(s).toMatch(/\| Foreign keys +\| +11 \|/);
    expect(s).toContain('| `Invoice.InvoiceDate` ');
    expect(s).toContain('`2009-01-01 00:00:00` → `2009-01-01 00:00:00+00`');
    expect(s).not.toContain('second sample');
    expect(s).toContain('- PlaylistTrack has no INTEGER PRIMARY KEY');
  });

  it('shows no sample column when the run recorded no samples, rather than empty values', () => {
    const run = cleanCutoverRun();
    const s = section(renderMarkdown({ ...run, casts: run.casts.map((c) => ({ ...c, before: '', after: '' })) }), 'Schema');
    expect(s).toContain('Values converted on the way:\n\n| Column');
    expect(s).not.toContain('Sample');
    expect(s).not.toContain('*(empty)*');
    const one = section(renderMarkdown({ ...run, casts: run.casts.map((c, i) => (i === 0 ? c : { ...c, before: '', after: '' })) }), 'Schema');
    expect(one).toContain('| — no sample ');
  });

  it('says where the objects are: live after a cutover, in staging otherwise', () => {
    expect(section(renderMarkdown(cleanCutoverRun()), 'Schema')).toContain('then moved into `public` by the cutover');
    expect(section(renderMarkdown(failedLoadRun()), 'Schema')).toContain('so none of them is live in `public`');
    expect(section(renderMarkdown(dryRun()), 'Schema')).toContain('staging schema of this dry run');
  });

  it('collapses a long list of warnings', () => {
    const warnings = Array.from({ length: 16 }, (_, i) => `warning ${i}`);
    const s = section(renderMarkdown({ ...cleanCutoverRun(), warnings }), 'Schema');
    expect(s).toContain('<details><summary>16 warnings</summary>\n\n- warning 0\n');
  });
});

describe('Manual follow-ups', () => {
  it('is a compact task list grouped by kind, with the SQL collapsed below each group', () => {
    const f = section(renderMarkdown(cleanCutoverRun()), 'Manual follow-ups');
    expect(f.indexOf('### Defaults (1)')).toBeLessThan(f.indexOf('### Triggers (1)'));
    expect(f).toContain(
      '- [ ] trigger trg_invoice_total_au: SQLite trigger bodies are not translated; rewrite it as a PL/pgSQL trigger function\n\n' +
        '<details><summary>SQL: trigger trg_invoice_total_au</summary>\n\n```sql\nCREATE TRIGGER trg_invoice_total_au',
    );
  });

  it('collapses objects sharing a reason into one task with a count, and puts their SQL in one block', () => {
    const items: Untranslated[] = [
      ...Array.from({ length: 16 }, (_, i): Untranslated => ({ object: `trigger t${i}`, kind: 'trigger', reason: 'not translated', sql: `CREATE TRIGGER t${i} …` })),
      { object: 'trigger odd', kind: 'trigger', reason: 'uses RAISE(IGNORE)', sql: null },
    ];
    const f = section(renderMarkdown({ ...cleanCutoverRun(), untranslated: items }), 'Manual follow-ups');
    // 16 identical follow-ups are one task with a count.
    expect(f).toContain('### Triggers (17)\n\n- [ ] **16×** not translated: trigger t0, trigger t1, trigger t2, trigger t3, trigger t4, trigger t5, trigger t6, trigger t7, trigger t8, trigger t9 and 6 more\n- [ ] trigger odd: uses RAISE(IGNORE)\n\n');
    expect(f).toContain('<details><summary>SQL of the 16 objects</summary>\n\n```sql\n-- trigger t0\nCREATE TRIGGER t0 …\n\n-- trigger t1');
    expect(f.match(/<details>/g)).toHaveLength(1);
    expect(f.match(/not translated/g)).toHaveLength(1);
  });

  it('a verify-only report does not claim casts or follow-ups it did not look at', () => {
    const run: RunResult = { ...cleanCutoverRun(), mode: 'verify', cutover: { performed: false, ms: null, previousSchema: null, rollbackCommand: null, rollbackDescription: null } };
    const md = renderMarkdown(run);
    expect(section(md, 'Schema')).toContain('### Casts\n\nNot looked at: verify applies no casts');
    expect(section(md, 'Schema')).not.toContain('Values converted on the way');
    expect(section(md, 'Manual follow-ups')).toMatch(/^## Manual follow-ups\n\nNot looked at: verify compares the data only/);
    expect(md).not.toMatch(/\*\*By hand:\*\*/);
  });

  it('does not count a translated trigger as untranslated', () => {
    const review: Untranslated = { object: 'trigger notes_touch on notes', kind: 'trigger', reason: 'translated: PostgreSQL trigger notes_touch sets created = now() BEFORE each UPDATE; review it', sql: null };
    const md = renderMarkdown({ ...cleanCutoverRun(), untranslated: [review] });
    expect(md).toContain('- **By hand:** 1 translated object to review (see Manual follow-ups).');
    expect(md).not.toMatch(/could not be translated/);
    const both = renderMarkdown({ ...cleanCutoverRun(), untranslated: [...cleanCutoverRun().untranslated, review] });
    expect(both).toContain('- **By hand:** 2 objects could not be translated, 1 translated object to review (see Manual follow-ups).');
  });

  it('says when there is nothing to do', () => {
    expect(section(renderMarkdown({ ...cleanCutoverRun(), untranslated: [] }), 'Manual follow-ups')).toBe(
      '## Manual follow-ups\n\nNone: every object of the source schema was translated.\n',
    );
  });
});

describe('Timeline', () => {
  it('has the gantt chart and the steps as a table', () => {
    const t = section(renderMarkdown(cleanCutoverRun()), 'Timeline');
    expect(t).toContain('```mermaid\ngantt\n');
    expect(t).toContain('<details><summary>All 33 steps</summary>');
    expect(t).toMatch(/\| copy +\| `invoice_line` +\| Data +\| ok +\| 00:00\.351 \| +148 ms \| 2,240 \|/);
  });

  it('lists the steps in the order they started', () => {
    const run = cleanCutoverRun();
    const t = section(renderMarkdown({ ...run, steps: [...run.steps].reverse() }), 'Timeline');
    const starts = [...t.matchAll(/\| (\d\d:\d\d\.\d{3}) \|/g)].map((m) => m[1]!);
    expect(starts.length).toBe(run.steps.length);
    expect([...starts].sort()).toEqual(starts);
  });

  it('shows step errors', () => {
    const t = section(renderMarkdown(failedLoadRun()), 'Timeline');
    expect(t).toContain('| ❌ failed ');
    expect(t).toContain('No space left on device |');
  });
});

describe('Rollback', () => {
  it('gives the exact command after a cutover', () => {
    const r = section(renderMarkdown(cleanCutoverRun()), 'Rollback');
    expect(r).toContain(
      "```sh\nsqlite2pg rollback --run 01HWZ6J8V3K9Q2M7XAT4R5B1CE --target 'postgres://app@db.internal:5432/music?sslmode=require'\n```",
    );
    expect(r).toContain('takes seconds regardless of the size');
    // The orchestrator's description is a fragment; the report makes it a sentence.
    const lower = section(renderMarkdown({ ...cleanCutoverRun(), cutover: { ...cleanCutoverRun().cutover, rollbackDescription: 'moves the 11 tables aside' } }), 'Rollback');
    expect(lower).toContain('\n\nMoves the 11 tables aside.\n\n');
    expect(r).toContain('kept in schema `sqlite2pg_prev_01hwz6j8`');
  });

  it('estimates a real run from a dry run, without the cleanup step', () => {
    const run = dryRun();
    const r = section(renderMarkdown(run), 'Rollback');
    expect(r).toContain('This was a dry run: the live schema `public` was not touched');
    expect(r).toContain('A real cutover would take about **1.4 s**');
    expect(r).toContain('without the final `drop staging schema` (35 ms)');
    expect(r).toContain('The steps add up to 2.0 s because tables load in parallel.');
    // A slow cleanup does not change the estimate.
    const slowCleanup: StepResult = { ...run.steps.at(-1)!, ms: 90_000 };
    const slow = section(renderMarkdown({ ...run, steps: [...run.steps.slice(0, -1), slowCleanup] }), 'Rollback');
    expect(slow).toContain('about **1.4 s**');
  });

  it('names the steps that hold an exclusive lock', () => {
    const run = dryRun();
    const swap: StepResult = { step: 'swap schemas', section: 'cutover', status: 'ok', startMs: 1360, ms: 43 };
    const r = section(renderMarkdown({ ...run, steps: [...run.steps.slice(0, -1), swap, run.steps.at(-1)!] }), 'Rollback');
    expect(r).toContain('Only the steps of the cutover section hold an exclusive lock on the live schema: `swap schemas` (43 ms).');
    expect(section(renderMarkdown(run), 'Rollback')).toContain('this dry run did not run them');
  });

  it('tells what state the target is in after a failure', () => {
    const r = section(renderMarkdown(failedLoadRun()), 'Rollback');
    expect(r).toContain('The cutover was not performed: the live schema `public` was not changed');
    expect(r).toContain('Undone automatically:\n\n- `create staging schema`');
    const run = failedLoadRun();
    const stuck = renderMarkdown({
      ...run,
      steps: run.steps.map((s) =>
        s.step === 'create staging schema' ? { ...s, status: 'failed-to-rollback', error: 'permission denied' } : s,
      ),
    });
    expect(section(stuck, 'Rollback')).toContain(
      '⚠️ **Could not be undone automatically; someone has to clean these up by hand:**\n\n- `create staging schema`: permission denied',
    );
  });

  it('says the live schema was not changed after a verification mismatch', () => {
    expect(section(renderMarkdown(verifyMismatchRun()), 'Rollback')).toContain(
      'Verification found differences, so the cutover was not performed',
    );
    expect(section(renderMarkdown(verifyMismatchRun()), 'Error')).toContain('The live schema was not changed.');
  });
});

describe('renderMarkdown online section', () => {
  it('is absent from an offline report', () => {
    expect(sectionHeadings(renderMarkdown(cleanCutoverRun()))).not.toContain('Online');
  });

  it('follows the header, and the summary line states the downtime', () => {
    const md = renderMarkdown(onlineCutoverRun());
    const headings = sectionHeadings(md);
    expect(headings.indexOf('Online')).toBe(0);
    expect(md).toMatch(/^✅ \*\*PASSED: 11 tables, 15,607 rows, verified; online, downtime 412 ms\*\*$/m);
  });

  it('says what the downtime was made of, the positions, and the changes per changed table', () => {
    const s = section(renderMarkdown(onlineCutoverRun()), 'Online');
    expect(s).toContain('**412 ms** (SQLite write lock → swap committed): capture check 1 ms, last changes 35 ms, proof 4 ms, swap 368 ms');
    expect(s).toContain('changelog seq 1,204');
    expect(s).toContain('57,207 changes in 41 rounds (to seq 58,411), 12 of them in the window');
    expect(s).toContain('app.db fenced and capture removed in 3 ms, after the swap committed');
    expect(s).toMatch(/\| `invoice_line` +\| +9,410 \| +9,377 \| +33 \| +0 \|/);
    // A table without changes is left out.
    expect(s).not.toContain('`track`');
  });

  it('a refused cutover: no downtime, and the tables the window read in full', () => {
    const md = renderMarkdown(onlineRefusedRun());
    const s = section(md, 'Online');
    expect(s).toContain('none: no swap happened, the application stayed on SQLite');
    expect(s).toContain('⚠️ The window read 1 table in full, its staging counter could not be trusted');
    expect(s).not.toContain('Fence');
    expect(md).not.toMatch(/downtime \d/);
  });
});
