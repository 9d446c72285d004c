/** Contentful FTS tables: introspected as plain tables (rowid, visible columns), proposed a GIN tsvector index; external-content and contentless ones stay listed. */
import { describe, expect, it } from 'vitest';
import { introspectSqlite } from '../../../src/source/introspect-sqlite.js';
import { openSqlite } from '../../../src/source/sqlite-db.js';
import { proposeMapping } from '../../../src/plan/propose-mappings.js';
import { buildPlan } from '../../../src/plan/build-plan.js';
import { sqliteFromSql, tempDir } from '../../support/fixtures.js';

const SQL = `
CREATE TABLE articles (id INTEGER PRIMARY KEY, body TEXT);
CREATE VIRTUAL TABLE ext_fts USING fts5(body, content='articles', content_rowid='id');
CREATE VIRTUAL TABLE none_fts USING fts5(body, content='');
CREATE VIRTUAL TABLE notes USING fts5(title, "Body Text", tag UNINDEXED);
INSERT INTO notes (rowid, title, "Body Text", tag) VALUES (5, 'a', 'b', 'c');
CREATE VIRTUAL TABLE old USING fts4(content TEXT, extra, notindexed=extra);
INSERT INTO old (docid, content, extra) VALUES (9, 'x', 'y');
`;

describe('contentful full-text tables', () => {
  const path = sqliteFromSql(tempDir('fts'), 'fts', SQL);
  const db = openSqlite(path);
  const catalog = introspectSqlite(db, path, 0);
  db.close();

  it('become tables with their rowid as an INTEGER PRIMARY KEY column and their visible columns; shadow tables never', () => {
    expect(catalog.tables.map((t) => t.name)).toEqual(['articles', 'notes', 'old']);
    const notes = catalog.tables.find((t) => t.name === 'notes')!;
    expect(notes.columns.map((c) => [c.name, c.declaredType, c.pkOrdinal])).toEqual([
      ['rowid', 'INTEGER', 1],
      ['title', '', 0],
      ['Body Text', '', 0],
      ['tag', '', 0],
    ]);
    expect([notes.primaryKey?.rowidAlias, notes.rowCount, notes.fullText]).toEqual([true, 1, { module: 'fts5', indexed: ['title', 'Body Text'] }]);
    expect(catalog.tables.find((t) => t.name === 'old')!.fullText).toEqual({ module: 'fts4', indexed: ['content'] });
  });

  it('get a GIN index on the tsvector of their indexed columns, and the plan says the text is migrated', () => {
    const notes = catalog.tables.find((t) => t.name === 'notes')!;
    const p = proposeMapping(notes, { table: 'notes', rows: 1, sampled: false, columns: [] });
    expect(p.mapping.indexes).toEqual([{ name: 'notes_fts', expression: `to_tsvector('simple', coalesce("title", '') || ' ' || coalesce("Body Text", ''))`, method: 'gin' }]);
    const plan = buildPlan(catalog, new Map([['notes', { file: 'notes.json', mapping: p.mapping }]]), { schema: 'public', fold: 'none' });
    const reasons = new Map(plan.untranslated.map((u) => [u.object, u.reason]));
    expect(reasons.get('virtual table notes (fts5)')).toMatch(/^full-text table holding its own text: its columns and rowid are migrated as the plain table notes .*the mapping's GIN index on a tsvector expression replaces the full-text index/);
    expect(reasons.get('virtual table ext_fts (fts5)')).toMatch(/^full-text index over table articles/);
    expect(reasons.get('virtual table none_fts (fts5)')).toMatch(/^contentless full-text index/);
    expect(plan.warnings.filter((w) => w.startsWith('virtual table'))).toEqual([]);
    expect(plan.tables.find((t) => t.source === 'notes')!.columns.map((c) => [c.target, c.pgType, c.identity])).toEqual([
      ['rowid', 'bigint', true],
      ['title', 'text', false],
      ['Body Text', 'text', false],
      ['tag', 'text', false],
    ]);
  });
});
