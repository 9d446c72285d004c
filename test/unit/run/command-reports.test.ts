/**
 * rollback's and fallback's own reports are named and written as every report is
 * (run/write-report.ts): to the millisecond, never over another; a name taken gets `-2`. They
 * used a second-resolution stamp and a plain write, so two in the same second overwrote each other.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeFallbackReport } from '../../../src/cli/fallback-command.js';
import type { FallbackOutcome } from '../../../src/run/fallback-run.js';
import { writeRollbackReport } from '../../../src/run/rollback-report.js';
import type { RollbackRecord } from '../../../src/report/render-rollback.js';
import { tempDir } from '../../support/fixtures.js';

const rollback = (runId: string, startedAt: string): RollbackRecord => ({
  runId,
  schema: 'public',
  targetUrl: 'postgres://app@db/app',
  startedAt,
  ms: 12,
  tables: ['items'],
  views: [],
  functions: [],
  aside: `sqlite2pg_rolledback_${runId}`,
  restoredFrom: null,
  restored: [],
  forcedOver: [],
});

const fallback = (runId: string, startedAt: string, dryRun = false): FallbackOutcome => ({
  runId,
  startedAt,
  dryRun,
  sourcePath: '/data/app.db',
  identity: 'content hash',
  tables: [],
  inexact: [],
  inexactCount: 0,
  fenceTriggersDropped: [],
  sequencesRaised: [],
  aside: dryRun ? null : `sqlite2pg_rolledback_${runId}`,
  fenceMs: 1,
  writeMs: 2,
  ms: 3,
});

describe('rollback and fallback reports', () => {
  it('two rollbacks in the same second, and in the same millisecond: three reports, none overwritten', async () => {
    const dir = tempDir('rollback-reports');
    const paths = [
      await writeRollbackReport(rollback('R1', '2026-12-04T10:00:00.120Z'), dir),
      await writeRollbackReport(rollback('R2', '2026-12-04T10:00:00.870Z'), dir),
      await writeRollbackReport(rollback('R3', '2026-12-04T10:00:00.870Z'), dir),
    ];
    expect(readdirSync(dir).sort()).toEqual(['20261204-100000-120-public-rollback.md', '20261204-100000-870-public-rollback-2.md', '20261204-100000-870-public-rollback.md']);
    expect(paths.map((p) => /Run[^\n]*`(R\d)`/.exec(readFileSync(p, 'utf8'))?.[1])).toEqual(['R1', 'R2', 'R3']);
  });

  it('two fallbacks (a dry run, then the fallback) in the same second, and a rerun in the same millisecond: none overwritten', async () => {
    const dir = tempDir('fallback-reports');
    const paths = [
      await writeFallbackReport(dir, fallback('R1', '2026-12-04T10:00:00.120Z', true)),
      await writeFallbackReport(dir, fallback('R1', '2026-12-04T10:00:00.500Z')),
      await writeFallbackReport(dir, fallback('R2', '2026-12-04T10:00:00.500Z')),
    ];
    expect(readdirSync(dir).sort()).toEqual(['20261204-100000-120-app-fallback-dry-run.json', '20261204-100000-500-app-fallback-2.json', '20261204-100000-500-app-fallback.json']);
    expect(paths.map((p) => (JSON.parse(readFileSync(p, 'utf8')) as FallbackOutcome).runId)).toEqual(['R1', 'R1', 'R2']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
