/**
 * Hostile case: DEFAULTs and CHECKs (test/fixtures/hostile/defaults-checks.sql).
 * Every default becomes one that works for the column's target type (information_schema shows
 * it, an INSERT using it succeeds with the value SQLite would have stored) or is listed as not
 * translated with its SQL; CHECKs are translated, dropped with a note (typeof, json_valid on
 * jsonb), or listed with their SQL.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { hostileDb, migrate, tableCounts, untranslated, writeMappings, type Migration } from './support.js';

describe('hostile: defaults and CHECK constraints', () => {
  let db: TestDatabase;
  let run: Migration;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_defaults');
    const work = tempDir('hostile-defaults');
    const mappings = writeMappings(join(work, 'mappings'), {
      'defaults.json': {
        table: 'defaults',
        columns: {
          created_at: { cast: 'timestamptz', format: 'sqlite-datetime' },
          updated_at: { cast: 'timestamp', format: 'sqlite-datetime' },
          local_ts: { cast: 'timestamptz', format: 'sqlite-datetime', timeZone: 'Europe/Berlin' },
          epoch_now: { cast: 'timestamptz', format: 'unixepoch-s' },
        },
      },
    });
    run = await migrate(work, hostileDb(work, 'defaults-checks'), db.url, [], { mappings });
  });
  afterAll(async () => db?.drop());

  it('exits 0: every row loaded and verified', () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(tableCounts(run.report)).toEqual({
      defaults: { read: 1, loaded: 1, quarantined: 0, match: true },
      checks: { read: 2, loaded: 2, quarantined: 0, match: true },
    });
  });

  it('writes each default for the column type (information_schema.column_default)', async () => {
    const r = await db.query<{ column_name: string; data_type: string; column_default: string | null }>(
      `SELECT column_name, data_type, column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'defaults' ORDER BY ordinal_position`,
    );
    const utcText = (format: string): string => `to_char((CURRENT_TIMESTAMP AT TIME ZONE 'UTC'::text), '${format}'::text)`;
    expect(Object.fromEntries(r.rows.map((x) => [x.column_name, `${x.data_type} | ${x.column_default}`]))).toEqual({
      id: 'bigint | null',
      ts_text: `text | ${utcText('YYYY-MM-DD HH24:MI:SS')}`,
      d_text: `text | ${utcText('YYYY-MM-DD')}`,
      t_text: `text | ${utcText('HH24:MI:SS')}`,
      dt_now: `text | ${utcText('YYYY-MM-DD HH24:MI:SS')}`,
      dt_local: `text | to_char(LOCALTIMESTAMP, 'YYYY-MM-DD HH24:MI:SS'::text)`,
      iso_now: `text | ${utcText('YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')}`,
      epoch_now: 'timestamp with time zone | CURRENT_TIMESTAMP',
      jd_now: 'double precision | ((EXTRACT(epoch FROM CURRENT_TIMESTAMP) / (86400)::numeric) + 2440587.5)',
      quoted_int: 'bigint | 42',
      quoted_real: 'double precision | 1.5',
      quoted_num: 'numeric | 7',
      dq_text: "text | 'hello'::text",
      flag_true: 'boolean | true',
      flag_false: 'boolean | false',
      flag_quoted: 'boolean | true',
      int_true: 'bigint | 1',
      neg: "bigint | '-1'::integer",
      blob_d: "bytea | '\\x00ff'::bytea",
      created_at: 'timestamp with time zone | CURRENT_TIMESTAMP',
      updated_at: "timestamp without time zone | (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'::text)",
      local_ts: 'timestamp with time zone | (LOCALTIMESTAMP)::timestamp with time zone',
      bad_bool: 'boolean | null',
      random_d: 'bigint | null',
      hex_in_text: "text | '16'::text",
    });
  });

  it('an INSERT that uses every default stores what SQLite would have stored', async () => {
    const r = await db.query<Record<string, string | null>>(
      `INSERT INTO public.defaults DEFAULT VALUES RETURNING id::text, ts_text, d_text, t_text, dt_now, dt_local, iso_now,
         (extract(epoch FROM now() - epoch_now) < 60)::text AS epoch_recent, (abs(jd_now - (extract(epoch FROM now()) / 86400 + 2440587.5)) < 0.001)::text AS jd_now_ok,
         quoted_int::text, quoted_real::text, quoted_num::text, dq_text, flag_true::text, flag_false::text, flag_quoted::text, int_true::text, neg::text,
         encode(blob_d, 'hex') AS blob_d, (now() - created_at < interval '1 minute')::text AS created_recent, (updated_at = (now() AT TIME ZONE 'UTC'))::text AS updated_is_utc_now,
         (local_ts = now())::text AS local_is_now, bad_bool::text, random_d::text, hex_in_text`,
    );
    const row = r.rows[0]!;
    expect(row['id']).toBe('2');
    expect(row['ts_text']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(row['d_text']).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(row['t_text']).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(row['dt_now']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(row['dt_local']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(row['iso_now']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(row).toMatchObject({
      epoch_recent: 'true',
      jd_now_ok: 'true',
      quoted_int: '42',
      quoted_real: '1.5',
      quoted_num: '7',
      dq_text: 'hello',
      flag_true: 'true',
      flag_false: 'false',
      flag_quoted: 'true',
      int_true: '1',
      neg: '-1',
      blob_d: '00ff',
      created_recent: 'true',
      updated_is_utc_now: 'true',
      local_is_now: 'true',
      bad_bool: null,
      random_d: null,
      hex_in_text: '16',
    });
  });

  it('lists the defaults it could not translate, with their SQL, and nothing else', () => {
    const defaults = [...untranslated(run.report)].filter(([, u]) => u.kind === 'default');
    expect(defaults).toEqual([
      ['default of defaults.bad_bool', { kind: 'default', reason: "'maybe' is not a boolean", sql: "'maybe'" }],
      ['default of defaults.random_d', { kind: 'default', reason: 'function random() has no known PostgreSQL translation', sql: 'random()' }],
    ]);
  });

  it('translates comparisons, IN lists and length() checks; names kept', async () => {
    const r = await db.query<{ conname: string; def: string }>(
      `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'public.checks'::regclass AND contype = 'c' ORDER BY conname`,
    );
    expect(r.rows).toEqual([
      { conname: 'checks_code_check', def: 'CHECK ((length(code) = 3))' },
      { conname: 'checks_flagged_check', def: 'CHECK ((flagged = ANY (ARRAY[(0)::bigint, (1)::bigint])))' },
      { conname: 'checks_price_check', def: "CHECK (((price > (0)::double precision) AND (price < ('1000000'::numeric)::double precision)))" },
      { conname: 'checks_qty_check', def: 'CHECK ((qty >= 0))' },
      { conname: 'checks_row_check', def: "CHECK ((code <> 'XXX'::text))" },
      { conname: 'checks_status_check', def: "CHECK ((status = ANY (ARRAY['new'::text, 'paid'::text, 'shipped'::text])))" },
      { conname: 'qty_vs_price', def: 'CHECK (((qty = 0) OR (price IS NOT NULL)))' },
    ]);
    await expect(db.query(`INSERT INTO public.checks (id, qty, status) VALUES (3, -1, 'new')`)).rejects.toMatchObject({ code: '23514', constraint: 'checks_qty_check' });
    await expect(db.query(`INSERT INTO public.checks (id, qty, status) VALUES (3, 1, 'lost')`)).rejects.toMatchObject({ code: '23514', constraint: 'checks_status_check' });
    await expect(db.query(`INSERT INTO public.checks (id, qty, code) VALUES (3, 1, 'XXX')`)).rejects.toMatchObject({ code: '23514', constraint: 'checks_row_check' });
  });

  it('drops typeof() checks with a note, satisfies json_valid() by jsonb, lists the rest with its SQL', async () => {
    const checks = [...untranslated(run.report)].filter(([, u]) => u.kind === 'check');
    expect(checks).toEqual([
      ['CHECK on checks.n', { kind: 'check', reason: 'typeof() checks are enforced by the PostgreSQL column type', sql: "typeof(n) = 'integer'" }],
      ['CHECK on checks.doc', { kind: 'check', reason: 'json_valid() checks are enforced by the jsonb column type', sql: 'json_valid(doc)' }],
      ['CHECK on checks.name', { kind: 'check', reason: 'GLOB has no direct PostgreSQL equivalent', sql: "name GLOB '[A-Z]*'" }],
    ]);
    // The table CHECK mixing typeof() with a real condition keeps the condition, and says what it dropped.
    expect(run.report!.warnings).toContain('CHECK on checks: typeof() tests were dropped: enforced by the PostgreSQL column type');
    const doc = await db.query<{ data_type: string }>(`SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'checks' AND column_name = 'doc'`);
    expect(doc.rows[0]!.data_type).toBe('jsonb');
    await expect(db.query(`INSERT INTO public.checks (id, qty, doc) VALUES (4, 1, 'not json')`)).rejects.toMatchObject({ code: '22P02' });
  });

  it('notes behaviour differences of translated defaults', () => {
    expect(run.report!.warnings).toEqual(
      expect.arrayContaining([
        "default of defaults.dt_local: 'localtime' uses the PostgreSQL session TimeZone, not the SQLite host's",
        "default of defaults.dq_text: the default \"hello\" is the string 'hello' in SQLite",
      ]),
    );
  });
});
