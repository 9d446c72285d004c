/** The console's words: pluralisation of counts, and the pgloader-style summary table. */
import { describe, expect, it } from 'vitest';
import { rowsDone } from '../../../src/cli/progress-text.js';
import { summaryTable } from '../../../src/cli/progress.js';
import { quarantineStoppedRun } from '../report/fixtures.js';

describe('console summary', () => {
  it('says "1 row", not "1 rows"', () => {
    expect(rowsDone(1, 3, 0)).toBe('1 row in 3 ms · 333 rows/s');
    expect(rowsDone(6, 3, 0)).toMatch(/^6 rows in /);
  });

  it('prints one line per table, a rule, and the total, numbers right-aligned', () => {
    const lines = summaryTable(quarantineStoppedRun()).split('\n');
    expect(lines[0]).toMatch(/^ {2}table +read +loaded +quarantined +time$/);
    expect(lines[1]).toMatch(/^ {2}-+ {2}-+ {2}-+ {2}-+ {2}-+$/);
    expect(lines).toContain(lines[1]);
    expect(lines.find((l) => l.includes('invoice_line'))).toMatch(/^ {2}invoice_line +2,240 +2,237 +3 +148 ms$/);
    expect(lines.at(-2)).toBe(lines[1]);
    expect(lines.at(-1)).toMatch(/^ {2}Total +15,607 +15,604 +3 +511 ms$/);
    expect(lines).toHaveLength(2 + 11 + 2);
  });
});
