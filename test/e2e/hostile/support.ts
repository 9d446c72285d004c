/**
 * Shared steps of the hostile-case e2e tests: build `test/fixtures/hostile/<name>.sql` into a
 * SQLite file, run the real CLI against a fresh PostgreSQL database, and read back what it wrote
 * (the JSON report, the quarantine files).
 */
import { mkdirSync, readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, ROOT, type CliResult } from '../../support/cli.js';
import { noMappings, sqliteFromSql } from '../../support/fixtures.js';
import type { RunResult } from '../../../src/model/run-result.js';

export const HOSTILE_FIXTURES = join(ROOT, 'test', 'fixtures', 'hostile');

/** Build `test/fixtures/hostile/<name>.sql` into `<dir>/<name>.db`. */
export function hostileDb(dir: string, name: string): string {
  return sqliteFromSql(dir, name, readFileSync(join(HOSTILE_FIXTURES, `${name}.sql`), 'utf8'));
}

export interface Migration {
  readonly cli: CliResult;
  /** The JSON report (the RunResult), or null when the run wrote none. */
  readonly report: RunResult | null;
  readonly reportsDir: string;
  /** Quarantine records by file name (`<table>.jsonl`), each parsed. */
  readonly quarantine: ReadonlyMap<string, readonly QuarantineLine[]>;
}

export interface QuarantineLine {
  readonly table: string;
  readonly key: string;
  readonly column: string | null;
  readonly value: string;
  readonly reason: string;
  readonly action: 'quarantined' | 'nulled';
}

/** Write mapping files (`<table>.json` → content) into a fresh directory; returns it. */
export function writeMappings(dir: string, files: Record<string, object>): string {
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), JSON.stringify(content, null, 2));
  return dir;
}

/** `sqlite2pg migrate <db> --target <url>` with reports, snapshots and mappings under `work`. */
export async function migrate(work: string, db: string, url: string, extra: readonly string[] = [], options: { mappings?: string; onSpawn?: (pid: number) => void } = {}): Promise<Migration> {
  const reportsDir = join(work, 'reports');
  const cli = await runCli(
    ['migrate', db, '--target', url, '--reports', reportsDir, '--snapshot-dir', join(work, 'snapshots'), '--mappings', options.mappings ?? noMappings(work), ...extra],
    options.onSpawn ? { onSpawn: options.onSpawn } : {},
  );
  const files = existsSync(reportsDir) ? readdirSync(reportsDir) : [];
  const json = files.find((f) => f.endsWith('.json'));
  const report = json ? (JSON.parse(readFileSync(join(reportsDir, json), 'utf8')) as RunResult) : null;
  const quarantine = new Map<string, QuarantineLine[]>();
  if (report?.quarantineDir && existsSync(report.quarantineDir)) {
    for (const f of readdirSync(report.quarantineDir).filter((x) => x.endsWith('.jsonl'))) {
      const lines = readFileSync(join(report.quarantineDir, f), 'utf8').split('\n').filter(Boolean);
      quarantine.set(f, lines.map((l) => JSON.parse(l) as QuarantineLine));
    }
  }
  return { cli, report, reportsDir, quarantine };
}

/** The untranslated items of a report, as `object → reason`. */
export function untranslated(report: RunResult | null): Map<string, { kind: string; reason: string; sql: string | null }> {
  return new Map((report?.untranslated ?? []).map((u) => [u.object, { kind: u.kind, reason: u.reason, sql: u.sql }]));
}

/** Per source table: rows read, loaded, quarantined. */
export function tableCounts(report: RunResult | null): Record<string, { read: number; loaded: number; quarantined: number; match: boolean | null }> {
  return Object.fromEntries((report?.tables ?? []).map((t) => [t.source, { read: t.rowsRead, loaded: t.rowsLoaded, quarantined: t.rowsQuarantined, match: t.checksum?.match ?? null }]));
}
