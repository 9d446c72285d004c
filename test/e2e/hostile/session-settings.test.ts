/**
 * Hostile target session settings (issue 12, defect 3): a database whose `ALTER DATABASE … SET`
 * defaults change what SQL and data mean. Every connection sqlite2pg opens pins them
 * (src/load/target.ts, PINNED_SETTINGS), so the DDL literals (DEFAULT, CHECK, view, partial index
 * predicate), the expressions (no shadowed lower()/length()) and the data are exact, and a
 * migrate with cutover followed by a verify both pass. Read back on a connection with explicit,
 * ordinary settings, so the assertions do not depend on the hostile ones.
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../../support/cli.js';
import { tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { hostileDb, migrate, tableCounts, writeMappings, type Migration } from './support.js';

const HOSTILE = [
  `standard_conforming_strings = off`,
  `DateStyle = 'SQL, DMY'`,
  `IntervalStyle = 'sql_standard'`,
  `TimeZone = 'Pacific/Kiritimati'`,
  `extra_float_digits = -3`,
  `bytea_output = 'escape'`,
  `search_path = shadow, pg_catalog, public`,
  `client_encoding = 'LATIN1'`,
  `transform_null_equals = on`,
  `default_transaction_isolation = 'serializable'`,
  `check_function_bodies = off`,
];

/** A reader with ordinary settings (and search_path without `shadow`, so a shadowed call shows as shadow.f). */
async function plainQuery<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({
    connectionString: url,
    options: '-c standard_conforming_strings=on -c search_path=public -c DateStyle=ISO,MDY -c TimeZone=UTC -c extra_float_digits=1 -c bytea_output=hex -c client_encoding=UTF8 -c transform_null_equals=off',
  });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

describe('hostile: target session settings set by ALTER DATABASE', () => {
  let db: TestDatabase;
  let run: Migration;
  let verify: CliResult;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_settings');
    // Names that shadow built-ins when a search_path puts their schema before pg_catalog.
    await db.query(`CREATE SCHEMA shadow`);
    await db.query(`CREATE FUNCTION shadow.lower(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'x' $$`);
    await db.query(`CREATE FUNCTION shadow.length(text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 0 $$`);
    for (const s of HOSTILE) await db.query(`ALTER DATABASE "${db.name}" SET ${s}`);
    const work = tempDir('hostile-settings');
    const mappings = writeMappings(join(work, 'mappings'), {
      'files.json': { table: 'files', columns: { seen: { cast: 'timestamptz', format: 'sqlite-datetime' }, day: { cast: 'date', format: 'iso8601' } } },
    });
    const source = hostileDb(work, 'session-settings');
    run = await migrate(work, source, db.url, [], { mappings });
    verify = await runCli(['verify', source, '--target', db.url, '--mappings', mappings, '--reports', join(work, 'verify-reports')]);
  });
  afterAll(async () => db?.drop());

  it('the database really has the hostile defaults', async () => {
    const rows = await db.query<{ s: string }>(`SELECT current_setting('standard_conforming_strings') || ' ' || current_setting('DateStyle') || ' ' || current_setting('search_path') AS s`);
    expect(rows.rows[0]!.s).toBe('off SQL, DMY shadow, pg_catalog, public');
  });

  it('migrate (with cutover) and verify both pass', () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(run.report?.cutover.performed).toBe(true);
    expect(tableCounts(run.report)).toEqual({ files: { read: 4, loaded: 4, quarantined: 0, match: true } });
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('keeps the backslashes of the DEFAULT, the CHECKs and their built-in functions', async () => {
    const def = await plainQuery<{ d: string }>(db.url, `SELECT pg_get_expr(d.adbin, d.adrelid) AS d FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'public.files'::regclass AND a.attname = 'path'`);
    expect(def.map((r) => r.d)).toEqual([`'C:\\temp\\new'::text`]);
    const checks = await plainQuery<{ c: string }>(db.url, `SELECT pg_get_constraintdef(oid) AS c FROM pg_constraint WHERE conrelid = 'public.files'::regclass AND contype = 'c' ORDER BY 1`);
    expect(checks.map((r) => r.c)).toEqual([`CHECK ((kind <> 'bad\\value'::text))`, `CHECK ((length(label) < 40))`]);
  });

  it('keeps the partial index predicate and binds lower() to pg_catalog', async () => {
    const ix = await plainQuery<{ indexdef: string }>(db.url, `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'files' ORDER BY indexname`);
    const defs = ix.map((r) => r.indexdef.replace(/^CREATE (UNIQUE )?INDEX \S+ ON public\.files USING btree /, '$1'));
    expect(defs).toContain(`(path) WHERE (path <> 'C:\\skip\\this'::text)`);
    expect(defs.some((d) => d.startsWith('UNIQUE (lower(email))'))).toBe(true);
    expect(defs.join('\n')).not.toContain('shadow.');
  });

  it('keeps the view literals', async () => {
    const v = await plainQuery<{ v: string }>(db.url, `SELECT pg_get_viewdef('public.windows_files'::regclass) AS v`);
    expect(v[0]!.v).toContain(`'C:\\Users\\'::text AS home`);
    expect(v[0]!.v).toContain(`'D:\\new'::text`);
    const rows = await plainQuery<{ id: string; home: string }>(db.url, `SELECT id::text, home FROM public.windows_files ORDER BY id`);
    expect(rows).toEqual([
      { id: '1', home: 'C:\\Users\\' },
      { id: '2', home: 'C:\\Users\\' },
      { id: '4', home: 'C:\\Users\\' },
    ]);
  });

  it('loads the data exactly', async () => {
    const rows = await plainQuery<Record<string, string | null>>(
      db.url,
      `SELECT id::text, path, kind, label, email, ratio::text AS ratio, encode(payload, 'hex') AS payload, seen::text AS seen, day::text AS day FROM public.files ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: '1', path: 'C:\\temp\\new', kind: 'ok\\one', label: 'café', email: 'Ann@Example.com', ratio: '0.1', payload: '005c6e27', seen: '2024-01-02 03:04:05+00', day: '2024-02-03' },
      { id: '2', path: '\\\\server\\share', kind: 'tab\tand\\tnot', label: 'back\\slash', email: 'bob@example.com', ratio: '1e+300', payload: '5c5c', seen: '1999-12-31 23:59:59.123+00', day: '1999-12-31' },
      { id: '3', path: 'D:\\new', kind: null, label: null, email: null, ratio: '-2.5e-08', payload: null, seen: null, day: null },
      { id: '4', path: 'C:\\temp\\new', kind: 'default\\path', label: null, email: null, ratio: null, payload: null, seen: null, day: null },
    ]);
  });

  it('an application INSERT that uses the default stores the backslashes', async () => {
    const r = await plainQuery<{ path: string }>(db.url, `INSERT INTO public.files (kind) VALUES ('new') RETURNING path`);
    expect(r).toEqual([{ path: 'C:\\temp\\new' }]);
  });
});
