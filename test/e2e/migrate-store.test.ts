import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { fixtureDb, noMappings, tempDir } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

describe('sqlite2pg migrate (store fixture, end to end)', () => {
  let db: TestDatabase;
  let work: string;
  let run: CliResult;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_store');
    work = tempDir('e2e-store');
    const source = fixtureDb(work, 'store');
    run = await runCli(['migrate', source, '--target', db.url, '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), '--mappings', noMappings(work)]);
  });
  afterAll(async () => db?.drop());

  it('exits 0 with a PASSED summary and the report path', () => {
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/PASSED/);
    expect(run.stdout).toMatch(/report: .*\.md/);
  });

  it('loads every row of every table into the live schema', async () => {
    const counts = await db.query<{ t: string; n: string }>(`
      SELECT 'Artist' AS t, count(*)::text AS n FROM public."Artist" UNION ALL
      SELECT 'Album', count(*)::text FROM public."Album" UNION ALL
      SELECT 'Order Details', count(*)::text FROM public."Order Details" UNION ALL
      SELECT 'notes', count(*)::text FROM public.notes UNION ALL
      SELECT 'empty_one', count(*)::text FROM public.empty_one`);
    expect(Object.fromEntries(counts.rows.map((r) => [r.t, Number(r.n)]))).toEqual({ Artist: 6, Album: 3, 'Order Details': 4, notes: 6, empty_one: 0 });
  });

  it('shortens a name over 63 bytes deterministically instead of letting PostgreSQL truncate it', async () => {
    const r = await db.query<{ relname: string }>(`SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND relname LIKE 'a_table_with_a_very_long_name%' AND relkind = 'r'`);
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]!.relname).toMatch(/^a_table_with_a_very_long_name_that_postgresql_would_tr_[0-9a-f]{8}$/);
    expect(Buffer.byteLength(r.rows[0]!.relname)).toBeLessThanOrEqual(63);
    const rows = await db.query<{ k: string; v: string }>(`SELECT k, v FROM public."${r.rows[0]!.relname}" ORDER BY k COLLATE "C"`);
    expect(rows.rows).toEqual([{ k: 'B', v: 'upper' }, { k: 'a', v: 'one' }, { k: 'b', v: 'two' }]);
  });

  it('maps declared types by SQLite affinity', async () => {
    const r = await db.query<{ table_name: string; column_name: string; data_type: string; is_identity: string }>(
      `SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('Artist', 'Order Details', 'notes') ORDER BY table_name, ordinal_position`,
    );
    expect(r.rows.map((x) => `${x.table_name}.${x.column_name}: ${x.data_type}${x.is_identity === 'YES' ? ' identity' : ''}`)).toEqual([
      'Artist.ArtistId: bigint identity',
      'Artist.Name: text',
      'Order Details.OrderID: bigint',
      'Order Details.ProductID: bigint',
      'Order Details.UnitPrice: numeric',
      'Order Details.Quantity: bigint',
      'Order Details.Discount: double precision',
      'notes.id: bigint identity',
      'notes.body: text',
      'notes.raw: bytea',
      'notes.score: double precision',
      'notes.big: bigint',
      'notes.created: text',
    ]);
  });

  it('keeps every value exact: escapes, empty vs NULL, 64-bit integers, -0, blobs', async () => {
    const r = await db.query<{ id: string; body: string | null; raw: string | null; score: string | null; big: string | null }>(
      `SELECT id::text, body, encode(raw, 'hex') AS raw, score::text, big::text FROM public.notes ORDER BY id`,
    );
    expect(r.rows).toEqual([
      { id: '1', body: 'tab\tinside', raw: '00ff10', score: '0.1', big: '9223372036854775807' },
      // SQLite itself stores -0.0 as 0 (a REAL with an integral value is stored as an integer), so 0 is exact.
      { id: '2', body: 'line\nbreak and \\ backslash', raw: '', score: '0', big: '-9223372036854775808' },
      { id: '3', body: '', raw: null, score: '1e+308', big: '9007199254740993' },
      { id: '4', body: null, raw: '000000', score: '0.30000000000000004', big: '0' },
      { id: '5', body: '\\N', raw: '5c4e', score: '-1.5e-10', big: '-1' },
      { id: '6', body: 'cr\rlf\nend  ', raw: null, score: null, big: null },
    ]);
    const od = await db.query<{ p: string; d: string }>(`SELECT "UnitPrice"::text AS p, "Discount"::text AS d FROM public."Order Details" ORDER BY "OrderID", "ProductID"`);
    expect(od.rows).toEqual([
      { p: '14.00', d: '0' },
      { p: '9.80', d: '0.15' },
      { p: '18.60', d: '0.05' },
      { p: '7.70', d: '0.25' },
    ]);
  });

  it('lets the application INSERT without an id right after the migration', async () => {
    const r = await db.query<{ id: string }>(`INSERT INTO public."Artist" ("Name") VALUES ('New Band') RETURNING "ArtistId"::text AS id`);
    expect(r.rows[0]!.id).toBe('7');
  });

  it('builds keys, foreign keys, the partial and expression indexes, and the view', async () => {
    const idx = await db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`);
    const defs = idx.rows.map((r) => r.indexdef.replace(/ USING btree/, ''));
    expect(defs).toContain('CREATE INDEX album_title_lower ON public."Album" (lower("Title"))');
    expect(defs).toContain('CREATE INDEX notes_scored ON public.notes (score) WHERE (score IS NOT NULL)');
    expect(defs).toContain('CREATE UNIQUE INDEX artist_name_u ON public."Artist" ("Name")');
    const fk = await db.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`);
    expect(fk.rows.map((r) => r.def)).toEqual(['FOREIGN KEY ("ArtistId") REFERENCES "Artist"("ArtistId")']);
    const pk = await db.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'p' AND conrelid = 'public."Order Details"'::regclass`);
    expect(pk.rows[0]!.def).toBe('PRIMARY KEY ("OrderID", "ProductID")');
    const view = await db.query<{ title: string; artist: string }>(`SELECT * FROM public.album_artist ORDER BY title`);
    expect(view.rows[0]).toEqual({ title: 'Ace of Spades', artist: 'Motörhead' });
  });

  it('writes a Markdown and a JSON report listing what was not translated', () => {
    const dir = join(work, 'reports');
    const files = readdirSync(dir);
    const md = files.find((f) => f.endsWith('.md'))!;
    const json = JSON.parse(readFileSync(join(dir, files.find((f) => f.endsWith('.json'))!), 'utf8'));
    const text = readFileSync(join(dir, md), 'utf8');
    expect(text).toMatch(/PASSED/);
    expect(text).toMatch(/notes_touch/);
    expect(json.outcome).toBe('passed');
    expect(json.tables.find((t: { source: string }) => t.source === 'notes').rowsLoaded).toBe(6);
    expect(json.untranslated.map((u: { object: string }) => u.object)).toContain('trigger notes_touch on notes');
    // The post-cutover identity smoke test found every next id past max(id).
    expect(json.warnings.filter((w: string) => w.startsWith('identity '))).toEqual([]);
  });
});
