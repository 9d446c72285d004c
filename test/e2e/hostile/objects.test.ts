/**
 * Hostile case: what is not a plain table (test/fixtures/hostile/objects.sql): FTS5 / FTS4
 * virtual tables and their shadow tables, an rtree, views, triggers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { hostileDb, migrate, tableCounts, untranslated, type Migration } from './support.js';

describe('hostile: virtual tables, views, triggers', () => {
  let db: TestDatabase;
  let run: Migration;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_objects');
    const work = tempDir('hostile-objects');
    run = await migrate(work, hostileDb(work, 'objects'), db.url);
  });
  afterAll(async () => db?.drop());

  it('migrates the real table and the full-text tables holding their own text (with their rowid), never shadow tables', async () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(tableCounts(run.report)).toEqual({
      articles: { read: 2, loaded: 2, quarantined: 0, match: true },
      legacy_fts: { read: 1, loaded: 1, quarantined: 0, match: true },
      notes_fts: { read: 2, loaded: 2, quarantined: 0, match: true },
    });
    const r = await db.query<{ table_name: string; table_type: string }>(`SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    expect(r.rows).toEqual([
      { table_name: 'articles', table_type: 'BASE TABLE' },
      { table_name: 'legacy_fts', table_type: 'BASE TABLE' },
      { table_name: 'notes_fts', table_type: 'BASE TABLE' },
      { table_name: 'recent', table_type: 'VIEW' },
      { table_name: 'titled', table_type: 'VIEW' },
    ]);
  });

  it('lists each virtual table with its SQL and advice that depends on where its text lives', () => {
    const u = untranslated(run.report);
    const fts = u.get('virtual table articles_fts (fts5)')!;
    expect(fts.kind).toBe('virtual-table');
    expect(fts.sql).toBe("CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='articles', content_rowid='id')");
    expect(fts.reason).toMatch(/^full-text index over table articles \(content='articles'\): the text is migrated with articles; the index and its shadow tables are not copied \(2 rows\); in PostgreSQL, index the text with a tsvector expression and a GIN index/);
    expect(u.get('virtual table notes_fts (fts5)')!.reason).toMatch(/^full-text table holding its own text: its columns and rowid are migrated as the plain table notes_fts \(read through notes_fts, never its shadow tables\); the full-text index itself is not rebuilt/);
    expect(u.get('virtual table legacy_fts (fts4)')!.reason).toMatch(/^full-text table holding its own text: its columns and rowid are migrated as the plain table legacy_fts/);
    expect(u.get('virtual table boxes (rtree)')).toEqual({
      kind: 'virtual-table',
      reason: 'virtual table module rtree has no PostgreSQL counterpart (1 row); not copied: for spatial boxes use PostGIS, or a table with a GiST index on a box/range column',
      sql: 'CREATE VIRTUAL TABLE boxes USING rtree(id, min_x, max_x, min_y, max_y)',
    });
    // Shadow tables are never objects of their own in the report either.
    expect([...u.keys()].filter((k) => /_(content|data|idx|docsize|config|segments|segdir|stat|node|rowid|parent)\b/.test(k))).toEqual([]);
  });

  it('warns loudly about rows that only a virtual table holds and that are not migrated', () => {
    expect(run.report!.warnings.filter((w) => w.startsWith('virtual table'))).toEqual([
      'virtual table boxes (rtree) holds 1 row that exists nowhere else in the database and are NOT migrated (see the manual follow-ups)',
    ]);
  });

  it('creates the portable views and lists the others with their SQL', async () => {
    const recent = await db.query(`SELECT id::text, title FROM public.recent`);
    expect(recent.rows).toEqual([{ id: '2', title: 'Second' }]);
    const titled = await db.query(`SELECT t, n::text FROM public.titled ORDER BY t`);
    expect(titled.rows).toEqual([{ t: 'HELLO', n: '10' }, { t: 'SECOND', n: '9' }]);
    const u = untranslated(run.report);
    expect(u.get('view globbed')).toEqual({ kind: 'view', reason: 'GLOB has no direct PostgreSQL equivalent', sql: "CREATE VIEW globbed AS SELECT id FROM articles WHERE title GLOB 'H*'" });
    expect(u.get('view searched')).toEqual({ kind: 'view', reason: 'MATCH (full-text search) is not translated', sql: "CREATE VIEW searched AS SELECT rowid, title FROM articles_fts WHERE articles_fts MATCH 'post'" });
  });

  it('lists triggers with their SQL, and turns the updated_at touch trigger into a PostgreSQL one', async () => {
    const u = untranslated(run.report);
    expect(u.get('trigger articles_ai on articles')).toMatchObject({ kind: 'trigger', reason: 'SQLite triggers are not translated: re-create it as a PL/pgSQL trigger if the application relies on it' });
    expect(u.get('trigger articles_ai on articles')!.sql).toMatch(/^CREATE TRIGGER articles_ai AFTER INSERT ON articles\nBEGIN\n {2}INSERT INTO articles_fts/);
    expect(u.get('trigger articles_touch on articles')!.reason).toMatch(/^translated: PostgreSQL trigger articles_touch sets updated_at = to_char\(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'\) BEFORE each UPDATE/);
    const before = await db.query<{ updated_at: string }>(`SELECT updated_at FROM public.articles WHERE id = 1`);
    expect(before.rows[0]!.updated_at).toBe('2024-01-01 10:00:00');
    const after = await db.query<{ updated_at: string; now: string }>(`UPDATE public.articles SET title = 'Hello again' WHERE id = 1 RETURNING updated_at, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS now`);
    // Same text shape SQLite's CURRENT_TIMESTAMP gives, in UTC.
    expect(after.rows[0]!.updated_at).toBe(after.rows[0]!.now);
  });
});
