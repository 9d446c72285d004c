/**
 * `sqlite2pg verify` against a tampered target: every kind of change the checksum design
 * (DESIGN.md, "Checksums are cross-engine by construction") must catch is made to a migrated
 * target by the smallest step its type allows, and the report must name exactly that row and
 * column, with readable source → target values.
 *
 * Cost: the CLI is spawned five times (~1 s each): migrate, verify untampered, verify tampered,
 * verify undone, verify a second source. The tampers are independent (each on its own row, or
 * its own table), so one verify run checks all of them; each test still asserts its own row
 * exactly, and one test per table asserts that nothing else is listed. Tampers are plain
 * autocommitted statements, undone afterwards from a copy of the pristine tables.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DifferingRow, RunResult, TableResult } from '../../src/model/run-result.js';
import { ROOT, runCli, type CliResult } from '../support/cli.js';
import { sqliteFromSql, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const FIXTURE_SQL = readFileSync(join(ROOT, 'test', 'fixtures', 'all-types.sql'), 'utf8');
const MAPPINGS = join(ROOT, 'test', 'fixtures', 'all-types-mappings');
const TABLES = ['all_types', 'events', 'readings', 'tags'] as const;

interface Verified {
  readonly run: CliResult;
  readonly json: RunResult;
  readonly markdown: string;
}

/** The next double above x (x finite, > 0): the smallest change a float8 can take. */
function nextUp(x: number): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  v.setBigUint64(0, v.getBigUint64(0) + 1n);
  return v.getFloat64(0);
}

/**
 * One tamper: autocommitted SQL on the live target, and the row verify must report for it.
 * `expected: null` marks a tamper verify cannot pin to a row (the table has no key).
 */
interface Tamper {
  readonly name: string;
  readonly table: (typeof TABLES)[number];
  readonly sql: string;
  readonly params?: readonly unknown[];
  readonly expected: DifferingRow | null;
}

const changed = (id: number, column: string, source: string, target: string): DifferingRow => ({
  key: `id=${id}`,
  kind: 'changed',
  columns: [{ column, source, target }],
});

const TAMPERS: readonly Tamper[] = [
  { name: 'a deleted row is missing-in-target', table: 'all_types', sql: `DELETE FROM public.all_types WHERE id = 2`, expected: { key: 'id=2', kind: 'missing-in-target', columns: [] } },
  { name: 'an inserted row is extra-in-target', table: 'all_types', sql: `INSERT INTO public.all_types (id, label) VALUES (26, 'extra')`, expected: { key: 'id=26', kind: 'extra-in-target', columns: [] } },
  { name: 'bigint +1', table: 'all_types', sql: `UPDATE public.all_types SET big = big + 1 WHERE id = 3`, expected: changed(3, 'big', '9223372036854775806', '9223372036854775807') },
  { name: 'smallint +1', table: 'all_types', sql: `UPDATE public.all_types SET small = small + 1 WHERE id = 4`, expected: changed(4, 'small', '-32768', '-32767') },
  { name: 'integer +1', table: 'all_types', sql: `UPDATE public.all_types SET mid = mid + 1 WHERE id = 5`, expected: changed(5, 'mid', '2147483646', '2147483647') },
  {
    name: 'double precision by one ulp (0.1 → 0.10000000000000002)',
    table: 'all_types',
    sql: `UPDATE public.all_types SET ratio = $1::float8 WHERE id = 6`,
    params: [String(nextUp(0.1))],
    expected: changed(6, 'ratio', '0.1', '0.10000000000000002'),
  },
  { name: 'numeric(12,3) last digit', table: 'all_types', sql: `UPDATE public.all_types SET amount = amount + 0.001 WHERE id = 7`, expected: changed(7, 'amount', '123456789.345', '123456789.346') },
  { name: 'boolean flipped', table: 'all_types', sql: `UPDATE public.all_types SET ok = NOT ok WHERE id = 8`, expected: changed(8, 'ok', 't', 'f') },
  { name: 'bytea one byte', table: 'all_types', sql: `UPDATE public.all_types SET raw = set_byte(raw, 1, 254) WHERE id = 9`, expected: changed(9, 'raw', '00ff10', '00fe10') },
  {
    name: 'jsonb nested key renamed',
    table: 'all_types',
    sql: `UPDATE public.all_types SET doc = jsonb_set(doc #- '{a,c}', '{a,d}', doc #> '{a,c}') WHERE id = 10`,
    expected: changed(10, 'doc', '{"a": {"b": [1, 2], "c": "x"}, "z": null}', '{"a": {"b": [1, 2], "d": "x"}, "z": null}'),
  },
  {
    name: 'jsonb number 1.0 → 1',
    table: 'all_types',
    sql: `UPDATE public.all_types SET doc = jsonb_set(doc, '{n}', '1') WHERE id = 11`,
    expected: changed(11, 'doc', '{"m": [1.0], "n": 1.0}', '{"m": [1.0], "n": 1}'),
  },
  { name: 'json whitespace (json keeps its text verbatim)', table: 'all_types', sql: `UPDATE public.all_types SET doc_json = '{"k":"v"}' WHERE id = 12`, expected: changed(12, 'doc_json', '{"k": "v"}', '{"k":"v"}') },
  { name: 'timestamptz (from sqlite-datetime text) +1 µs', table: 'all_types', sql: `UPDATE public.all_types SET at = at + interval '1 microsecond' WHERE id = 13`, expected: changed(13, 'at', '2024-02-29 23:59:59.999000+00', '2024-02-29 23:59:59.999001+00') },
  { name: 'timestamptz (from epoch ms) +1 µs', table: 'all_types', sql: `UPDATE public.all_types SET at_ms = at_ms + interval '1 microsecond' WHERE id = 14`, expected: changed(14, 'at_ms', '2024-01-01 10:00:00.123000+00', '2024-01-01 10:00:00.123001+00') },
  { name: 'timestamp +1 µs', table: 'all_types', sql: `UPDATE public.all_types SET wall = wall + interval '1 microsecond' WHERE id = 15`, expected: changed(15, 'wall', '2024-03-31 02:30:00.000001', '2024-03-31 02:30:00.000002') },
  { name: 'timestamptz → infinity', table: 'all_types', sql: `UPDATE public.all_types SET at = 'infinity' WHERE id = 23`, expected: changed(23, 'at', '9999-12-31 23:59:59.000000+00', 'Infinity') },
  { name: 'date +1 day', table: 'all_types', sql: `UPDATE public.all_types SET day = day + 1 WHERE id = 16`, expected: changed(16, 'day', '2023-02-28', '2023-03-01') },
  { name: 'date AD → the same day BC', table: 'all_types', sql: `UPDATE public.all_types SET day = make_date(-44, 3, 15) WHERE id = 24`, expected: changed(24, 'day', '0044-03-15', '0044-03-15 BC') },
  { name: 'date NULL → infinity', table: 'all_types', sql: `UPDATE public.all_types SET day = 'infinity' WHERE id = 25`, expected: changed(25, 'day', 'NULL', 'infinity') },
  {
    name: 'uuid one hex digit',
    table: 'all_types',
    sql: `UPDATE public.all_types SET uid = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fa' WHERE id = 17`,
    expected: changed(17, 'uid', '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fa'),
  },
  { name: 'text with its trailing space stripped', table: 'all_types', sql: `UPDATE public.all_types SET label = rtrim(label) WHERE id = 18`, expected: changed(18, 'label', 'trailing ', 'trailing') },
  { name: 'NULL text → empty text', table: 'all_types', sql: `UPDATE public.all_types SET label = '' WHERE id = 21`, expected: changed(21, 'label', 'NULL', '') },
  {
    name: 'NUL-stripped text replaced by the text cut at the NUL (C-string form)',
    table: 'all_types',
    sql: `UPDATE public.all_types SET body = 'before' WHERE id = 19`,
    expected: changed(19, 'body', 'beforeafter', 'before'),
  },
  {
    name: 'NUL-stripped text replaced by the NULs turned into U+FFFD',
    table: 'all_types',
    sql: `UPDATE public.all_types SET body = 'x' || repeat(chr(65533), 2) || 'y' WHERE id = 20`,
    expected: changed(20, 'body', 'xy', 'x\uFFFD\uFFFDy'),
  },
  { name: 'double precision key: a deleted negative key is missing-in-target', table: 'readings', sql: `DELETE FROM public.readings WHERE k = -2.5`, expected: { key: 'k=-2.5', kind: 'missing-in-target', columns: [] } },
  {
    name: 'double precision key: a changed row with a negative key',
    table: 'readings',
    sql: `UPDATE public.readings SET v = 'Changed' WHERE k = -0.5`,
    expected: { key: 'k=-0.5', kind: 'changed', columns: [{ column: 'v', source: 'changed', target: 'Changed' }] },
  },
  {
    name: 'NOCASE text key: a changed row',
    table: 'tags',
    sql: `UPDATE public.tags SET uses = uses + 1 WHERE name = 'cherry'`,
    expected: { key: 'name=cherry', kind: 'changed', columns: [{ column: 'uses', source: '3', target: '4' }] },
  },
  { name: 'a duplicated row in the table without a primary key', table: 'events', sql: `INSERT INTO public.events SELECT * FROM public.events WHERE kind = 'logout'`, expected: null },
];

describe('sqlite2pg verify detects every tamper of a migrated target (all-types fixture)', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  let migrate: CliResult;
  let verifyCount = 0;

  /** Run `verify` with its own reports directory, and read back both reports. */
  async function verify(sourcePath = source): Promise<Verified> {
    const reports = join(work, `reports-${++verifyCount}`);
    const run = await runCli(['verify', sourcePath, '--target', db.url, '--mappings', MAPPINGS, '--reports', reports]);
    const files = existsSync(reports) ? readdirSync(reports) : [];
    const jsonFile = files.find((f) => f.endsWith('-verify.json'));
    const mdFile = files.find((f) => f.endsWith('-verify.md'));
    if (!jsonFile || !mdFile) throw new Error(`verify wrote no report (exit ${run.code}):\n${run.stderr}`);
    return { run, json: JSON.parse(readFileSync(join(reports, jsonFile), 'utf8')) as RunResult, markdown: readFileSync(join(reports, mdFile), 'utf8') };
  }

  const table = (v: Verified, name: string): TableResult => {
    const t = v.json.tables.find((x) => x.target === name);
    if (!t) throw new Error(`no table ${name} in the report`);
    return t;
  };

  beforeAll(async () => {
    db = await createTestDatabase('e2e_verify_tamper');
    work = tempDir('e2e-verify-tamper');
    source = sqliteFromSql(work, 'all-types', FIXTURE_SQL);
    migrate = await runCli(['migrate', source, '--target', db.url, '--mappings', MAPPINGS, '--reports', join(work, 'reports-migrate'), '--snapshot-dir', join(work, 'snap')]);
  });
  afterAll(async () => db?.drop());

  it('migrates the fixture: one column of every target type, every row loaded', async () => {
    expect(migrate.stderr).not.toMatch(/internal error/i);
    expect(migrate.code, migrate.stderr + migrate.stdout).toBe(0);
    const types = await db.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, format_type(atttypid, atttypmod) AS data_type FROM pg_attribute a JOIN information_schema.columns c ON c.table_schema = 'public' AND c.table_name = 'all_types' AND c.column_name = a.attname
       WHERE a.attrelid = 'public.all_types'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    );
    expect(types.rows.map((r) => `${r.column_name}: ${r.data_type}`)).toEqual([
      'id: bigint',
      'label: text',
      'big: bigint',
      'small: smallint',
      'mid: integer',
      'ratio: double precision',
      'amount: numeric(12,3)',
      'ok: boolean',
      'raw: bytea',
      'doc: jsonb',
      'doc_json: json',
      'at: timestamp with time zone',
      'at_ms: timestamp with time zone',
      'wall: timestamp without time zone',
      'day: date',
      'uid: uuid',
      'body: text',
    ]);
    const counts = await db.query<{ a: string; e: string }>(`SELECT (SELECT count(*) FROM public.all_types)::text AS a, (SELECT count(*) FROM public.events)::text AS e`);
    expect(counts.rows[0]).toEqual({ a: '25', e: '5' });
  });

  describe('untampered', () => {
    let v: Verified;
    beforeAll(async () => {
      v = await verify();
    });

    it('exits 0 with every table matching and nothing listed', () => {
      expect(v.run.stderr).not.toMatch(/internal error/i);
      expect(v.run.code, v.run.stderr + v.run.stdout).toBe(0);
      expect(v.run.stdout).toMatch(/PASSED/);
      expect(v.run.stdout).toMatch(/report: .*-verify\.md/);
      expect(v.json.outcome).toBe('passed');
      expect(v.json.mode).toBe('verify');
      expect(Object.fromEntries(v.json.tables.map((t) => [t.target, [t.rowsLoaded, t.targetRows, t.checksum?.match, t.differingRows.length]]))).toEqual({
        all_types: [25, 25, true, 0],
        events: [5, 5, true, 0],
        readings: [5, 5, true, 0],
        tags: [4, 4, true, 0],
      });
      expect(v.json.warnings).toEqual([]);
      expect(v.markdown).toMatch(/All 4 tables match/);
    });
  });

  describe('tampered: one change per row, all checked by one verify run', () => {
    let v: Verified;
    beforeAll(async () => {
      // The pristine tables, to undo every tamper afterwards.
      await db.query(`CREATE SCHEMA pristine`);
      for (const t of TABLES) await db.query(`CREATE TABLE pristine.${t} AS TABLE public.${t}`);
      for (const t of TAMPERS) {
        const r = await db.query(t.sql, t.params ? [...t.params] : undefined);
        if (r.rowCount !== 1) throw new Error(`tamper "${t.name}" changed ${r.rowCount} rows, not 1`);
      }
      v = await verify();
    });
    afterAll(async () => {
      for (const t of TABLES) await db.query(`DELETE FROM public.${t}; INSERT INTO public.${t} SELECT * FROM pristine.${t}`);
    });

    it('exits 6 with a verify-mismatch outcome naming every tampered table', () => {
      expect(v.run.stderr).not.toMatch(/internal error/i);
      expect(v.run.code, v.run.stderr + v.run.stdout).toBe(6);
      expect(v.run.stdout).toMatch(/VERIFICATION MISMATCH: 4 tables differ/);
      expect(v.run.stdout).toMatch(/report: .*-verify\.md/);
      expect(v.json.outcome).toBe('verify-mismatch');
      expect(v.json.error?.code).toBe('E_VERIFY_MISMATCH');
      expect(Object.fromEntries(v.json.tables.map((t) => [t.target, t.checksum?.match]))).toEqual({ all_types: false, events: false, readings: false, tags: false });
    });

    for (const name of TABLES) {
      // Both sides walk keys in byte order: SQLite reads ORDER BY <key> COLLATE BINARY even for a
      // NOCASE key, as PostgreSQL sorts with COLLATE "C".
      it(`lists exactly the tampered rows of ${name}, nothing else`, () => {
        const listed = table(v, name).differingRows.map((r) => `${r.kind} ${r.key}`);
        const expected = TAMPERS.filter((t) => t.table === name && t.expected).map((t) => `${t.expected!.kind} ${t.expected!.key}`);
        expect([...listed].sort()).toEqual([...expected].sort());
      });
    }

    for (const t of TAMPERS.filter((x) => x.expected)) {
      it(`${t.name}: reports ${t.expected!.key}${t.expected!.columns.length ? ` column ${t.expected!.columns[0]!.column}` : ''} only`, () => {
        const row = table(v, t.table).differingRows.find((r) => r.key === t.expected!.key);
        expect(row).toEqual(t.expected);
      });
    }

    it('a duplicated row in the table without a primary key: count and checksum differ, no key listed, and the report says why', () => {
      const e = table(v, 'events');
      expect(e.rowsLoaded).toBe(5);
      expect(e.targetRows).toBe(6);
      expect(e.checksum?.match).toBe(false);
      expect(e.checksum?.source.split(':')[0]).toBe('5');
      expect(e.checksum?.target?.split(':')[0]).toBe('6');
      expect(e.differingRows).toEqual([]);
      const why = 'events: the table has no primary key, so differing rows cannot be located: only the count and checksum are compared';
      expect(v.json.warnings).toContain(why);
      expect(v.markdown).toContain('`events` differs, but the differing rows were not located.');
      expect(v.markdown).toContain(why);
    });

    it('the Markdown report lists each differing row with its column, source → target', () => {
      expect(v.markdown).toContain(`all_types: ${TAMPERS.filter((t) => t.table === 'all_types').length} differing rows`);
      expect(v.markdown).toMatch(/\| `id=2` +\| missing in target +\|/);
      expect(v.markdown).toMatch(/\| `id=26` +\| extra in target +\|/);
      expect(v.markdown).toMatch(/\| `id=3` +\| changed +\| `big`: `9223372036854775806` → `9223372036854775807` +\|/);
    });
  });

  describe('after the tampers are undone', () => {
    it('verify exits 0 again', async () => {
      const v = await verify();
      expect(v.run.code, v.run.stderr + v.run.stdout).toBe(0);
      expect(v.json.tables.every((t) => t.checksum?.match === true && t.differingRows.length === 0)).toBe(true);
    });

    it('NUL-stripped text: verify cannot see where the NULs were, since the checksum covers the text as sent after stripping (a source with the NULs moved passes)', async () => {
      // Row 19 held 'before\0after' and the target holds 'beforeafter'; the tampers above show
      // that any other target text is caught. A source whose NULs sit elsewhere strips to the
      // same text, so it verifies equal: the strip is the mapping's decision, made at load time.
      const moved = FIXTURE_SQL.replace(`'before' || char(0) || 'after'`, `char(0) || 'beforeafter' || char(0) || char(0)`);
      expect(moved).not.toBe(FIXTURE_SQL);
      const other = sqliteFromSql(work, 'all-types-moved-nul', moved);
      const v = await verify(other);
      expect(v.run.code, v.run.stderr + v.run.stdout).toBe(0);
      expect(v.json.outcome).toBe('passed');
      // What does tell the two sources apart is the file itself: the journal's sha256, said as a
      // change outside what the mappings carry (every table's checksum is the run's).
      expect(v.json.warnings.some((w) => /is not byte for byte the file run .* but every table holds the rows the run migrated/.test(w))).toBe(true);
    });
  });
});

