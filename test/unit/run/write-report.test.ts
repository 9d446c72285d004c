/** writeReports never replaces a report: two runs whose stems are equal get two pairs of files. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportStem, writeReports } from '../../../src/run/write-report.js';
import { tempDir } from '../../support/fixtures.js';
import { cleanCutoverRun } from '../report/fixtures.js';

describe('writeReports', () => {
  it('two runs started in the same second: two reports, the first one kept', async () => {
    const dir = tempDir('write-report');
    const a = new Date('2024-05-01T10:00:00.120Z');
    const b = new Date('2024-05-01T10:00:00.870Z');
    const first = { ...cleanCutoverRun(), runId: 'first', startedAt: a.toISOString() };
    const second = { ...cleanCutoverRun(), runId: 'second', startedAt: b.toISOString() };
    const w1 = await writeReports(first, dir, reportStem(a, '/data/app.db', 'migrate'));
    const w2 = await writeReports(second, dir, reportStem(b, '/data/app.db', 'migrate'));
    expect(readdirSync(dir).sort()).toEqual(['20240501-100000-120-app.json', '20240501-100000-120-app.md', '20240501-100000-870-app.json', '20240501-100000-870-app.md']);
    expect(JSON.parse(readFileSync(w1.jsonPath, 'utf8')).runId).toBe('first');
    expect(JSON.parse(readFileSync(w2.jsonPath, 'utf8')).runId).toBe('second');
  });

  it('the same stem twice (the same millisecond): the second report goes to <stem>-2, nothing is overwritten', async () => {
    const dir = tempDir('write-report-same');
    const at = new Date('2024-05-01T10:00:00.120Z');
    const stem = reportStem(at, '/data/app.db', 'verify') + '-verify';
    const w1 = await writeReports({ ...cleanCutoverRun(), runId: 'first' }, dir, stem);
    const w2 = await writeReports({ ...cleanCutoverRun(), runId: 'second' }, dir, stem);
    const w3 = await writeReports({ ...cleanCutoverRun(), runId: 'third' }, dir, stem);
    expect([w1.reportPath, w2.reportPath, w3.reportPath]).toEqual([join(dir, `${stem}.md`), join(dir, `${stem}-2.md`), join(dir, `${stem}-3.md`)]);
    expect(w2.jsonPath).toBe(join(dir, `${stem}-2.json`));
    expect([w1, w2, w3].map((w) => JSON.parse(readFileSync(w.jsonPath, 'utf8')).runId)).toEqual(['first', 'second', 'third']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
