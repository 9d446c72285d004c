import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/model/run-result.js';
import {
  formatBytes,
  formatInt,
  formatMs,
  formatOffset,
  formatRate,
  plural,
  summaryLine,
} from '../../../src/report/format.js';
import { cleanCutoverRun, dryRun, failedLoadRun, quarantineRun, quarantineStoppedRun,
  verifyMismatchRun } from './fixtures.js';

describe('formatInt', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [1000, '1,000'],
    [46273, '46,273'],
    [1234567, '1,234,567'],
    [-1234, '-1,234'],
    [-0.4, '0'],
    [12.6, '13'],
    [Number.NaN, '—'],
  ])('%s → %s', (n, text) => {
    expect(formatInt(n)).toBe(text);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [10_240, '10 KiB'],
    [102_400, '100 KiB'],
    [884_736, '864 KiB'],
    [22_749_184, '21.7 MiB'],
    // 1023.999 KiB must not print as "1024 KiB".
    [1_048_575, '1 MiB'],
    [5e9, '4.66 GiB'],
    [-1, '—'],
  ])('%s → %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('formatMs', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [999.4, '999 ms'],
    [999.6, '1.0 s'],
    [1234, '1.2 s'],
    [59_940, '59.9 s'],
    [59_960, '1 min 00 s'],
    [185_000, '3 min 05 s'],
    [3_723_000, '1 h 02 min'],
    [Number.POSITIVE_INFINITY, '—'],
  ])('%s → %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});

describe('formatRate', () => {
  it('gives rows per second', () => {
    expect(formatRate(46273, 1200)).toBe('38,561 rows/s');
    expect(formatRate(0, 100)).toBe('0 rows/s');
  });
  it('has no rate for a zero duration', () => {
    expect(formatRate(100, 0)).toBe('—');
  });
});

describe('formatOffset', () => {
  it.each([
    [0, '00:00.000'],
    [72_345, '01:12.345'],
    [3_723_004, '01:02:03.004'],
  ])('%s → %s', (ms, text) => {
    expect(formatOffset(ms)).toBe(text);
  });
});

describe('plural', () => {
  it('agrees with the count', () => {
    expect(plural(1, 'row')).toBe('1 row');
    expect(plural(0, 'row')).toBe('0 rows');
    expect(plural(3046, 'row')).toBe('3,046 rows');
  });
});

describe('summaryLine', () => {
  it('says passed, with tables and rows, for a verified run', () => {
    expect(summaryLine(cleanCutoverRun())).toBe('PASSED: 11 tables, 15,607 rows, verified');
  });

  it('prefixes a dry run', () => {
    expect(summaryLine(dryRun())).toBe('DRY RUN — PASSED: 11 tables, 15,607 rows, verified');
  });

  it('counts quarantined rows and tables', () => {
    expect(summaryLine(quarantineRun())).toBe(
      'PASSED WITH QUARANTINE (accepted): 3 rows quarantined in 1 table (15,604 of 15,607 rows loaded)',
    );
    // Exit 8: the rows were not accepted, so the run stopped before the cutover.
    expect(summaryLine(quarantineStoppedRun())).toBe('NOT CUT OVER: 3 rows quarantined in 1 table (15,604 of 15,607 rows loaded)');
    expect(summaryLine({ ...quarantineStoppedRun(), mode: 'dry-run' })).toBe('DRY RUN — NOT CUT OVER: 3 rows quarantined in 1 table (15,604 of 15,607 rows loaded)');
    const one = quarantineStoppedRun();
    const single = { ...one, tables: [{ ...one.tables[0]!, rowsRead: 1, rowsLoaded: 0, rowsQuarantined: 1 }] };
    expect(summaryLine(single)).toBe('NOT CUT OVER: 1 row quarantined in 1 table (0 of 1 row loaded)');
  });

  it('counts the tables that differ', () => {
    expect(summaryLine(verifyMismatchRun())).toBe('VERIFICATION MISMATCH: 2 tables differ');
  });

  it('uses the singular for one differing table', () => {
    const run = verifyMismatchRun();
    const oneDiffers: RunResult = {
      ...run,
      tables: run.tables.map((t) => (t.target === 'customer' ? cleanCutoverRun().tables.find((c) => c.target === 'customer')! : t)),
    };
    expect(summaryLine(oneDiffers)).toBe('VERIFICATION MISMATCH: 1 table differs');
  });

  it('gives the first line of the error for a failed run', () => {
    expect(summaryLine(failedLoadRun())).toBe(
      'FAILED: COPY into "sqlite2pg_staging_01hwz6j8"."invoice_line" failed: could not extend file "base/16384/24612": No space left on device',
    );
    expect(summaryLine({ ...failedLoadRun(), mode: 'dry-run' })).toMatch(/^DRY RUN — FAILED: COPY into/);
  });

  it('stays on one line and says so when no error was recorded', () => {
    expect(summaryLine({ ...failedLoadRun(), error: null })).toBe('FAILED: no error was recorded');
    expect(summaryLine({ ...failedLoadRun(), error: { code: 'E_X', message: '\n  first\nsecond', hint: null } })).toBe(
      'FAILED: first',
    );
  });

  it('says which tables were not verified', () => {
    const run = cleanCutoverRun();
    const partly: RunResult = {
      ...run,
      tables: run.tables.map((t, i) => (i === 0 ? { ...t, checksum: null, targetRows: null } : t)),
    };
    expect(summaryLine(partly)).toBe('PASSED: 11 tables, 15,607 rows, 1 table not verified');
    const none: RunResult = { ...run, tables: run.tables.map((t) => ({ ...t, checksum: null })) };
    expect(summaryLine(none)).toBe('PASSED: 11 tables, 15,607 rows, not verified');
  });
});
