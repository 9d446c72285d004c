/**
 * --json: stdout holds exactly one JSON object, for every command; for a run it is the report
 * JSON itself (same keys, same order) plus the exit code and the report paths. Progress and the
 * human summary go to stderr.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../../support/cli.js';
import { fixtureDb, noMappings, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

describe('--json', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  let migrate: CliResult;
  const common = (): string[] => ['--target', db.url, '--reports', join(work, 'reports'), '--mappings', noMappings(work)];

  beforeAll(async () => {
    db = await createTestDatabase('cli_json');
    work = tempDir('cli-json');
    source = fixtureDb(work, 'store');
    migrate = await runCli(['migrate', source, ...common(), '--snapshot-dir', join(work, 'snap'), '--json']);
  });
  afterAll(async () => db?.drop());

  it('migrate: one object on stdout, equal to the report JSON plus exitCode and the report paths', () => {
    expect(migrate.code, migrate.stderr).toBe(0);
    const out = JSON.parse(migrate.stdout) as Record<string, unknown>;
    const { exitCode, report, reportJson, ...rest } = out;
    expect(exitCode).toBe(0);
    expect(report).toMatch(/\.md$/);
    const fromFile = JSON.parse(readFileSync(reportJson as string, 'utf8')) as Record<string, unknown>;
    expect(rest).toEqual(fromFile);
    // Same key order as the report file, so the two diff cleanly.
    expect(JSON.stringify(rest)).toBe(JSON.stringify(fromFile));
    expect(rest['outcome']).toBe('passed');
  });

  it('migrate: progress and the human summary go to stderr', () => {
    expect(migrate.stderr).toMatch(/▶ load data/);
    expect(migrate.stderr).toMatch(/PASSED: 6 tables, 22 rows/);
    expect(migrate.stdout.trimStart().startsWith('{')).toBe(true);
    expect(migrate.stdout.trimEnd().endsWith('}')).toBe(true);
  });

  it('verify: the verification report', async () => {
    const r = await runCli(['verify', source, ...common(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { exitCode, report: _r, reportJson, ...rest } = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(exitCode).toBe(0);
    expect(rest).toEqual(JSON.parse(readFileSync(reportJson as string, 'utf8')));
    expect(rest['mode']).toBe('verify');
  });

  it('status: the runs and the live one', async () => {
    const r = await runCli(['status', '--target', db.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const runId = JSON.parse(migrate.stdout).runId;
    expect(out).toMatchObject({ exitCode: 0, live: runId });
    expect(out.runs.map((x: { run_id: string }) => x.run_id)).toContain(runId);
  });

  it('plan: the proposals and the files written', async () => {
    const r = await runCli(['plan', source, '--mappings', join(work, 'planned'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.exitCode).toBe(0);
    expect(out.tables.map((t: { table: string }) => t.table)).toContain('Artist');
    expect(out.files.written.length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/Mapping files in/);
  });

  it('rollback: what was moved where', async () => {
    const r = await runCli(['rollback', '--target', db.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ exitCode: 0, runId: JSON.parse(migrate.stdout).runId, schema: 'public' });
    expect(out.tables).toContain('Artist');
  });

  it('embedded status: one object too', async () => {
    const r = await runCli(['embedded', 'status', '--json'], { cwd: work });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ exitCode: 0, initialised: false, running: false, port: null, dataDir: null });
  });
});
