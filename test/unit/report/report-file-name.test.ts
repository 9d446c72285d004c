import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/model/run-result.js';
import { reportFileName } from '../../../src/report/report-file-name.js';
import { cleanCutoverRun, dryRun } from './fixtures.js';

function withSource(path: string, startedAt = '2024-05-01T10:00:00.000Z'): RunResult {
  const run = cleanCutoverRun();
  return { ...run, startedAt, source: { ...run.source, path } };
}

describe('reportFileName', () => {
  it('is the UTC start time and the source file stem', () => {
    expect(reportFileName(cleanCutoverRun())).toBe('20240501-100000-000-chinook');
  });

  it('marks a dry run', () => {
    expect(reportFileName(dryRun())).toBe('20240430-211507-250-chinook-dry-run');
  });

  it('converts an offset start time to UTC', () => {
    expect(reportFileName(withSource('/a/app.db', '2024-05-01T00:30:05+02:00'))).toBe('20240430-223005-000-app');
  });

  it.each([
    ['C:\\data\\Mes Données (v2).sqlite3', 'Mes-Donnees-v2'],
    ['archive.tar.db', 'archive-tar'],
    ['/srv/.hidden', 'hidden'],
    ['/srv/no_extension', 'no_extension'],
    ['/srv/日本.db', 'database'],
    ['/srv/dir/', 'database'],
    ['../$(rm -rf ~);.db', 'rm-rf'],
  ])('makes %j safe: %j', (path, stem) => {
    expect(reportFileName(withSource(path))).toBe(`20240501-100000-000-${stem}`);
  });

  it('keeps long names bounded', () => {
    expect(reportFileName(withSource(`/x/${'a'.repeat(300)}.db`))).toBe(`20240501-100000-000-${'a'.repeat(60)}`);
  });

  it('only ever uses safe characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (path) => {
        expect(reportFileName(withSource(path))).toMatch(/^\d{8}-\d{6}-\d{3}-[A-Za-z0-9](?:[A-Za-z0-9_-]{0,58}[A-Za-z0-9])?$/);
      }),
    );
  });

  it('tells apart two runs started in the same second, and sorts them by time', () => {
    const names = ['2024-05-01T10:00:00.999Z', '2024-05-01T10:00:00.007Z', '2024-05-01T10:00:01.000Z', '2024-05-01T10:00:00.080Z'].map((t) => reportFileName(withSource('/a/app.db', t)));
    expect(new Set(names).size).toBe(4);
    expect([...names].sort()).toEqual(['20240501-100000-007-app', '20240501-100000-080-app', '20240501-100000-999-app', '20240501-100001-000-app']);
  });

  it('refuses a start time that is not a date', () => {
    expect(() => reportFileName({ ...cleanCutoverRun(), startedAt: 'yesterday' })).toThrow(RangeError);
  });
});
