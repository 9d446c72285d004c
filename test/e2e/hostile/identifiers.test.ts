/**
 * Hostile case: names (test/fixtures/hostile/identifiers.sql). Preserved exactly by default,
 * folded with --fold snake|lower without two names becoming one, shortened past 63 bytes
 * deterministically and without collisions; reserved words, spaces, slashes, quotes and unicode
 * work in tables, columns, indexes, constraints, views and quarantine file names.
 */
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { hostileDb, migrate, type Migration } from './support.js';

type Fold = 'none' | 'snake' | 'lower';
const FOLDS: readonly Fold[] = ['none', 'snake', 'lower'];

async function relations(db: TestDatabase): Promise<string[]> {
  const r = await db.query<{ r: string }>(`SELECT c.relkind::text || ' ' || c.relname AS r FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'i') ORDER BY 1`);
  return r.rows.map((x) => x.r);
}

async function columns(db: TestDatabase): Promise<string[]> {
  const r = await db.query<{ c: string }>(`SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name COLLATE "C", ordinal_position`);
  return r.rows.map((x) => x.c);
}

async function constraints(db: TestDatabase): Promise<string[]> {
  const r = await db.query<{ c: string }>(`SELECT conrelid::regclass::text || ': ' || conname AS c FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`);
  return r.rows.map((x) => x.c);
}

const LONG_TABLE_1 = 'a_table_whose_name_is_longer_than_sixty_three_bytes_in_9c7ca9cf';
const LONG_TABLE_2 = 'a_table_whose_name_is_longer_than_sixty_three_bytes_in_297b3812';
const LONG_COL_1 = 'a_column_whose_name_is_longer_than_sixty_three_bytes_i_f15de491';
const LONG_COL_2 = 'a_column_whose_name_is_longer_than_sixty_three_bytes_i_0cc6b3e6';

describe('hostile: identifiers', () => {
  const dbs = new Map<Fold, TestDatabase>();
  const runs = new Map<Fold, Migration>();

  beforeAll(async () => {
    await Promise.all(
      FOLDS.map(async (fold) => {
        const db = await createTestDatabase(`hostile_ident_${fold}`);
        dbs.set(fold, db);
        const work = tempDir(`hostile-ident-${fold}`);
        runs.set(fold, await migrate(work, hostileDb(work, 'identifiers'), db.url, ['--fold', fold, '--allow-quarantine']));
      }),
    );
  });
  afterAll(async () => {
    for (const db of dbs.values()) await db.drop();
  });

  it('completes in every folding mode, the one bad row quarantined', () => {
    for (const fold of FOLDS) {
      const run = runs.get(fold)!;
      expect(run.cli.code, `${fold}: ${run.cli.stderr}`).toBe(0);
      expect(run.report!.tables.every((t) => t.checksum?.match === true), fold).toBe(true);
      expect(run.report!.tables.reduce((n, t) => n + t.rowsQuarantined, 0), fold).toBe(1);
    }
  });

  it('preserves every name exactly by default', async () => {
    const db = dbs.get('none')!;
    expect(await relations(db)).toEqual([
      'i CamelCaseTable_pkey',
      'i Table With Spaces/And Slashes_pkey',
      'i an_index_whose_name_is_longer_than_sixty_three_bytes_i_223bf6e9',
      'i an_index_whose_name_is_longer_than_sixty_three_bytes_i_f84ccddb',
      'i camel_case_table_pkey',
      'i idx: order date / größe',
      'i select_pkey',
      'i uniq user',
      'i ÄÖÜ_日本語_表_pkey',
      'r CamelCaseTable',
      'r Table With Spaces/And Slashes',
      `r ${LONG_TABLE_2}`,
      `r ${LONG_TABLE_1}`,
      'r camel_case_table',
      'r select',
      'r ÄÖÜ_日本語_表',
      'v Camel View',
    ]);
    expect(await columns(db)).toEqual([
      'Camel View.SomeID',
      'Camel View.someValue',
      'CamelCaseTable.SomeID',
      'CamelCaseTable.HTTPServerURL',
      'CamelCaseTable.someValue',
      'CamelCaseTable.some_value',
      'Table With Spaces/And Slashes.ID',
      'Table With Spaces/And Slashes.select_ref',
      'Table With Spaces/And Slashes.Ümlaut Spalte',
      'Table With Spaces/And Slashes.n',
      `${LONG_TABLE_2}.x`,
      `${LONG_TABLE_1}.${LONG_COL_1}`,
      `${LONG_TABLE_1}.${LONG_COL_2}`,
      'camel_case_table.id',
      'select.from',
      'select.Order Date',
      'select.a/b',
      `select.it's "quoted"`,
      'select.größe',
      'select.CamelCaseName',
      'select.user',
      'ÄÖÜ_日本語_表.列',
      'ÄÖÜ_日本語_表.emoji 😀',
    ]);
    expect(await constraints(db)).toEqual([
      '"CamelCaseTable": CamelCaseTable_pkey',
      '"Table With Spaces/And Slashes": Table With Spaces/And Slashes_pkey',
      '"Table With Spaces/And Slashes": Table With Spaces/And Slashes_select_ref_fkey',
      '"select": check "me" / now',
      '"select": select_pkey',
      '"ÄÖÜ_日本語_表": ÄÖÜ_日本語_表_pkey',
      'camel_case_table: camel_case_table_pkey',
    ]);
    const row = await db.query(`SELECT "from"::text, "Order Date", "a/b", "it's ""quoted""" AS q, "größe"::text, "user" FROM public."select" ORDER BY "from"`);
    expect(row.rows[0]).toEqual({ from: '1', 'Order Date': '2024-01-01', 'a/b': 'x/y', q: 'q', größe: '1.5', user: 'alice' });
    const view = await db.query(`SELECT "SomeID"::text, "someValue"::text FROM public."Camel View"`);
    expect(view.rows).toEqual([{ SomeID: '1', someValue: '5' }]);
  });

  it('shortens names over 63 bytes deterministically: two names sharing their first 63 bytes stay two', async () => {
    for (const name of [LONG_TABLE_1, LONG_TABLE_2, LONG_COL_1, LONG_COL_2]) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    const db = dbs.get('none')!;
    const r = await db.query(`SELECT "${LONG_COL_1}"::text AS one, "${LONG_COL_2}"::text AS two FROM public."${LONG_TABLE_1}"`);
    expect(r.rows).toEqual([{ one: '1', two: '2' }]);
    expect(runs.get('none')!.report!.warnings).toEqual(
      expect.arrayContaining([
        `table a_table_whose_name_is_longer_than_sixty_three_bytes_in_postgres_one: target name shortened or de-duplicated to ${LONG_TABLE_1}`,
        `column a_table_whose_name_is_longer_than_sixty_three_bytes_in_postgres_one.a_column_whose_name_is_longer_than_sixty_three_bytes_in_postgres_two: target name shortened or de-duplicated to ${LONG_COL_2}`,
      ]),
    );
    // The same input gives the same names in every run and mode.
    const snake = await columns(dbs.get('snake')!);
    expect(snake).toContain(`${LONG_TABLE_1}.${LONG_COL_1}`);
  });

  it('writes the quarantine file under a safe name, keyed by the row', () => {
    const q = runs.get('none')!.quarantine;
    expect([...q.keys()]).toEqual(['Table_With_Spaces_And_Slashes-27a78a08.jsonl']);
    expect(q.get('Table_With_Spaces_And_Slashes-27a78a08.jsonl')).toEqual([
      { table: 'Table With Spaces/And Slashes', key: 'ID=2', column: 'n', value: 'not a number', reason: 'TEXT "not a number" is not an integer (expected optional sign and digits only)', action: 'quarantined' },
    ]);
  });

  it('--fold snake: snake_case names, colliding ones de-duplicated, views follow', async () => {
    const db = dbs.get('snake')!;
    const cols = await columns(db);
    expect(cols).toEqual(
      expect.arrayContaining([
        'camel_case_table.some_id',
        'camel_case_table.http_server_url',
        'camel_case_table.some_value',
        'camel_case_table.some_value_2',
        'camel_case_table_2.id',
        'camel_view.some_id',
        'camel_view.some_value',
        'select.order_date',
        'select.a_b',
        `select.it's_"quoted"`,
        'select.camel_case_name',
        'table_with_spaces_and_slashes.ümlaut_spalte',
        'äöü_日本語_表.emoji_😀',
      ]),
    );
    const view = await db.query(`SELECT some_id::text, some_value::text FROM public.camel_view`);
    expect(view.rows).toEqual([{ some_id: '1', some_value: '5' }]);
    const t = await db.query(`SELECT some_value::text, some_value_2::text FROM public.camel_case_table`);
    expect(t.rows).toEqual([{ some_value: '5', some_value_2: '6' }]);
    expect(runs.get('snake')!.report!.warnings).toEqual(
      expect.arrayContaining(['table camel_case_table: target name shortened or de-duplicated to camel_case_table_2', 'column CamelCaseTable.some_value: target name shortened or de-duplicated to some_value_2']),
    );
    expect(await constraints(db)).toEqual(expect.arrayContaining(['table_with_spaces_and_slashes: table_with_spaces_and_slashes_select_ref_fkey', '"select": check "me" / now']));
  });

  it('--fold lower: lower-case names, quoted where PostgreSQL needs it', async () => {
    const db = dbs.get('lower')!;
    expect(await columns(db)).toEqual(
      expect.arrayContaining(['camelcasetable.someid', 'camelcasetable.somevalue', 'camelcasetable.some_value', 'camel view.someid', 'table with spaces/and slashes.ümlaut spalte', 'select.order date', 'äöü_日本語_表.列']),
    );
    const r = await db.query(`SELECT "order date", "it's ""quoted""" AS q FROM public."select" WHERE "from" = 1`);
    expect(r.rows).toEqual([{ 'order date': '2024-01-01', q: 'q' }]);
  });
});
