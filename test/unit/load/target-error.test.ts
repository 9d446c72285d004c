import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { sessionOptions, targetError } from '../../../src/load/target.js';

describe('targetError', () => {
  it('maps target conditions to exit 5 with their own codes', () => {
    const cases: [string, string][] = [
      ['25006', 'E_TARGET_READ_ONLY'],
      ['42501', 'E_TARGET_PRIVILEGE'],
      ['53100', 'E_TARGET_RESOURCES'],
      ['57P01', 'E_TARGET_CONNECTION'],
      ['08006', 'E_TARGET_CONNECTION'],
      ['57014', 'E_TARGET_CONFLICT'],
      ['40P01', 'E_TARGET_CONFLICT'],
    ];
    for (const [sqlstate, code] of cases) {
      const e = targetError(Object.assign(new Error('cannot execute CREATE SCHEMA in a read-only transaction'), { code: sqlstate }));
      expect(e?.code, sqlstate).toBe(code);
      expect(e?.exitCode).toBe(ExitCode.load);
    }
  });
  it('leaves anything else alone: a syntax error or a plain Error stays a bug', () => {
    expect(targetError(Object.assign(new Error('syntax error'), { code: '42601' }))).toBeNull();
    expect(targetError(new Error('boom'))).toBeNull();
    expect(targetError(null)).toBeNull();
  });
});

describe('sessionOptions', () => {
  it('sends the user options first and the pins after, spaces escaped', () => {
    const o = sessionOptions('-c work_mem=8MB');
    expect(o.startsWith('-c work_mem=8MB -c standard_conforming_strings=on ')).toBe(true);
    expect(o).toContain('-c default_transaction_isolation=read\\ committed');
  });
});
