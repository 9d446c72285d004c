import { describe, expect, it } from 'vitest';
import { RUN_RESULT_VERSION, type RunResult } from '../../../src/model/run-result.js';
import { renderJson } from '../../../src/report/render-json.js';
import { cleanCutoverRun, dryRun, failedLoadRun, onlineCutoverRun, onlineRefusedRun, quarantineRun, verifyMismatchRun } from './fixtures.js';

const FIXTURES = { cleanCutoverRun, dryRun, quarantineRun, verifyMismatchRun, failedLoadRun, onlineCutoverRun, onlineRefusedRun };

/** The same value with every object's keys in reverse insertion order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

describe('renderJson', () => {
  it.each(Object.entries(FIXTURES))('%s parses back to the same object', (_, make) => {
    const run = make();
    expect(JSON.parse(renderJson(run))).toStrictEqual(run);
  });

  it('is indented with two spaces and ends with a newline', () => {
    const json = renderJson(cleanCutoverRun());
    expect(json.startsWith('{\n  "version": ')).toBe(true);
    expect(json.endsWith('}\n')).toBe(true);
  });

  it('starts with the shape version', () => {
    const parsed = JSON.parse(renderJson(dryRun())) as Record<string, unknown>;
    expect(Object.keys(parsed)[0]).toBe('version');
    expect(parsed['version']).toBe(RUN_RESULT_VERSION);
  });

  it('does not depend on the order the objects were built in', () => {
    for (const make of Object.values(FIXTURES)) {
      const run = make();
      const reversed = reverseKeys(run) as RunResult;
      expect(JSON.stringify(reversed)).not.toBe(JSON.stringify(run));
      expect(renderJson(reversed)).toBe(renderJson(run));
    }
  });

  it('orders nested keys as the model declares them', () => {
    const parsed = JSON.parse(renderJson(reverseKeys(verifyMismatchRun()) as RunResult)) as {
      tables: Record<string, unknown>[];
      steps: Record<string, unknown>[];
    };
    expect(Object.keys(parsed.tables[0]!)).toEqual([
      'source',
      'target',
      'rowsRead',
      'rowsLoaded',
      'rowsQuarantined',
      'bytes',
      'ms',
      'targetRows',
      'checksum',
      'differingRows',
      'verifyMs',
      'quarantineSample',
      'quarantineFile',
    ]);
    expect(Object.keys(parsed.tables[0]!['checksum'] as object)).toEqual(['source', 'target', 'match']);
    expect(Object.keys(parsed.steps.find((s) => s['table'] !== undefined)!)).toEqual([
      'step',
      'section',
      'table',
      'status',
      'startMs',
      'ms',
      'rows',
      'bytes',
    ]);
  });

  it('keeps keys it does not know, sorted after the known ones', () => {
    const run = { zeta: 1, ...cleanCutoverRun(), alpha: 2 } as RunResult;
    const keys = Object.keys(JSON.parse(renderJson(run)) as object);
    expect(keys.slice(-4)).toEqual(['cutover', 'online', 'alpha', 'zeta']);
  });

  it('orders the online facts as the model declares them, and is null for an offline run', () => {
    const parsed = JSON.parse(renderJson(reverseKeys(onlineCutoverRun()) as RunResult)) as { online: Record<string, unknown> & { tables: object[]; window: object } };
    expect(Object.keys(parsed.online)).toEqual(['captureInstalledAt', 'snapshotSeq', 'appliedSeq', 'changesApplied', 'rounds', 'changesInWindow', 'downtimeMs', 'window', 'fullReads', 'tables']);
    expect(Object.keys(parsed.online.window)).toEqual(['captureCheckMs', 'lastChangesMs', 'proofMs', 'swapMs', 'fenceMs']);
    expect(Object.keys(parsed.online.tables[0]!)).toEqual(['table', 'keys', 'rowsUpserted', 'rowsDeleted', 'rowsQuarantined']);
    expect((JSON.parse(renderJson(cleanCutoverRun())) as { online: unknown }).online).toBeNull();
  });

  it('matches the golden file', async () => {
    await expect(renderJson(cleanCutoverRun())).toMatchFileSnapshot('./__golden__/clean-cutover.json');
    await expect(renderJson(onlineCutoverRun())).toMatchFileSnapshot('./__golden__/online-cutover.json');
  });
});
