/**
 * `sqlite2pg plan` and `sqlite2pg validate` on test/fixtures/pgloader-shapes.sql (the shapes of
 * pgloader's SQLite test databases): type rules for columns without data, lossless proposals the
 * user accepts at review time, schema.sql, constraint names, a contentful FTS table, and a
 * migration with the reviewed files that loads every row.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { fixtureDb, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import type { RunResult } from '../../src/model/run-result.js';

interface Rule {
  cast?: string;
  evidence?: { lossless?: { cast: string } };
}
interface MappingFile {
  table: string;
  primaryKey?: string;
  columns?: Record<string, Rule>;
}

/** What a reviewer does with plan's summary: take every lossless cast it names, and keep NULL keys as unique constraints. */
function acceptLossless(dir: string, nullKeyTables: readonly string[]): void {
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json') && !x.includes('.rules.'))) {
    const file = join(dir, f);
    const m = JSON.parse(readFileSync(file, 'utf8')) as MappingFile;
    for (const rule of Object.values(m.columns ?? {})) if (rule.evidence?.lossless) rule.cast = rule.evidence.lossless.cast;
    if (nullKeyTables.includes(m.table)) m.primaryKey = 'unique-index';
    writeFileSync(file, JSON.stringify(m, null, 2));
  }
}

function reportOf(dir: string): RunResult {
  const json = readdirSync(dir).find((f) => f.endsWith('.json'))!;
  return JSON.parse(readFileSync(join(dir, json), 'utf8')) as RunResult;
}

describe('plan and validate on pgloader-shaped data', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  let mappings: string;
  let plan: CliResult;

  beforeAll(async () => {
    db = await createTestDatabase('plan_cli');
    work = tempDir('plan-cli');
    source = fixtureDb(work, 'pgloader-shapes');
    mappings = join(work, 'mappings');
    plan = await runCli(['plan', source, '--mappings', mappings]);
  });
  afterAll(async () => db?.drop());

  it('writes one type rule per date type for the columns without data, with the evidence, and says so', () => {
    expect(plan.code, plan.stderr).toBe(0);
    const rules = JSON.parse(readFileSync(join(mappings, 'types.rules.json'), 'utf8')) as { $schema: string; types: Record<string, Rule & { comment: string; evidence: Record<string, unknown> }> };
    expect(Object.keys(rules.types).sort()).toEqual(['DATETIME', 'TIMESTAMP']);
    expect(rules.types['DATETIME']).toMatchObject({ cast: 'timestamptz', format: 'iso8601', timeZone: 'UTC', evidence: { columnsWithoutData: 3, appliesTo: ['posts.published_at', 'sessions.created_at', 'sessions.expires_at'] } });
    expect(rules.types['DATETIME']!.comment).toContain('a value that does not parse as iso8601 is quarantined with its reason, never bent');
    expect(rules.$schema).toMatch(/type-rules\.schema\.json$/);
    expect(plan.stdout).toContain('DATETIME → timestamptz iso8601 UTC (3 columns without data to check)');
    // Several date shapes in one column: iso8601 reads them all.
    const events = JSON.parse(readFileSync(join(mappings, 'auth_event.json'), 'utf8')) as MappingFile;
    expect(events.columns?.['time_stamp']).toMatchObject({ cast: 'timestamptz', format: 'iso8601', evidence: { shapes: { isoOffset: 1, sqliteDatetime: 2 } } });
  });

  it('names in the summary the values the default cannot read, the lossless cast, and the NULL key', () => {
    expect(plan.stdout).toContain('intege.id: mixed storage classes (integer 1, real 1, text 1): the built-in default (bigint) cannot read 2 values (real, text)');
    expect(plan.stdout).toContain('map it with "cast": "text"');
    expect(plan.stdout).toContain('files.file_data: mixed storage classes (text 1, blob 1)');
    expect(plan.stdout).toContain('"cast": "text-bytes"');
    expect(plan.stdout).toContain('autoinc.id: 3 NULLs in primary key column id');
  });

  it('writes schema.sql: the DDL migrate runs, with kept constraint names and the full-text GIN index', () => {
    const sql = readFileSync(join(mappings, 'schema.sql'), 'utf8');
    expect(sql).toContain('CREATE TABLE "public"."sessions" (\n  "id" text NOT NULL,\n  "created_at" timestamptz NOT NULL,\n  "expires_at" timestamptz\n)');
    expect(sql).toContain('ADD CONSTRAINT "PK_Session" PRIMARY KEY USING INDEX "PK_Session"');
    expect(sql).toContain('ADD CONSTRAINT "fk_event_user" FOREIGN KEY ("user_id")');
    expect(sql).toContain(`CREATE INDEX "notes_fts_fts" ON "public"."notes_fts" USING gin ((to_tsvector('simple', coalesce("title", '') || ' ' || coalesce("body", ''))))`);
    expect(plan.stdout).toContain(`Schema preview: ${join(mappings, 'schema.sql')} (written)`);
  });

  it('plan --check after plan: everything up to date (exit 0)', async () => {
    const check = await runCli(['plan', source, '--mappings', mappings, '--check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('are up to date');
  });

  it('validate: exit 0 on what plan wrote; exit 3 listing every problem of every file, without a target', async () => {
    const ok = await runCli(['validate', source, '--mappings', mappings]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`The mapping files in ${mappings} are valid`);
    const bad = join(work, 'bad');
    await runCli(['plan', source, '--mappings', bad, '-q']);
    writeFileSync(join(bad, 'types.rules.json'), JSON.stringify({ types: { DATETIME: { cast: 'timestamptz' }, BLOB: { cast: 'integer' } } }));
    writeFileSync(join(bad, 'posts.json'), JSON.stringify({ table: 'posts', columns: { craeted_at: { cast: 'text' } } }));
    const v = await runCli(['validate', source, '--mappings', bad]);
    expect(v.code).toBe(3);
    expect(v.stderr).toContain('3 problems in the mapping files');
    expect(v.stderr).toContain('types.rules.json: types.DATETIME.format: cast "timestamptz" needs a "format"');
    expect(v.stderr).toContain('types.rules.json: types.BLOB.cast: cast "integer" cannot work on column "BLOB" declared BLOB');
    expect(v.stderr).toContain('posts.json: columns.craeted_at: unknown column "craeted_at" in table "posts" (did you mean "created_at"?)');
    expect(existsSync(join(work, '.sqlite2pg'))).toBe(false);
  });

  it('migrates every row with the reviewed proposals: typed empty tables, kept names, the FTS text and its index', async () => {
    acceptLossless(mappings, ['autoinc']);
    const reports = join(work, 'reports');
    const run = await runCli(['migrate', source, '--target', db.url, '--mappings', mappings, '--reports', reports, '--snapshot-dir', join(work, 'snap')]);
    expect(run.code, run.stderr).toBe(0);
    const report = reportOf(reports);
    const read = report.tables.reduce((n, t) => n + t.rowsRead, 0);
    const loaded = report.tables.reduce((n, t) => n + t.rowsLoaded, 0);
    expect([read, loaded, report.tables.every((t) => t.checksum?.match === true)]).toEqual([24, 24, true]);
    const types = await db.query<{ c: string; t: string }>(
      `SELECT table_name || '.' || column_name AS c, data_type AS t FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('sessions', 'posts', 'auth_cas', 'intege', 'files', 'notes_fts') ORDER BY 1`,
    );
    expect(Object.fromEntries(types.rows.map((r) => [r.c, r.t]))).toMatchObject({
      'sessions.created_at': 'timestamp with time zone',
      'posts.published_at': 'timestamp with time zone',
      'auth_cas.created_on': 'timestamp with time zone',
      'intege.id': 'text',
      'files.file_data': 'bytea',
      'notes_fts.rowid': 'bigint',
    });
    const names = await db.query<{ conname: string }>(`SELECT conname FROM pg_constraint WHERE conname IN ('PK_Session', 'fk_event_user') ORDER BY 1`);
    expect(names.rows.map((r) => r.conname)).toEqual(['PK_Session', 'fk_event_user']);
    const found = await db.query<{ rowid: string }>(`SELECT rowid::text FROM public.notes_fts WHERE to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(body, '')) @@ websearch_to_tsquery('simple', 'boxes')`);
    expect(found.rows).toEqual([{ rowid: '10' }]);
    const nullKeys = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.autoinc WHERE id IS NULL`);
    expect(nullKeys.rows).toEqual([{ n: '3' }]);
  });
});
