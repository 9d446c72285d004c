import { describe, expect, test } from 'vitest';
import type { ColumnPlan, TablePlan } from '../../../src/model/plan.js';
import { translateTouchTrigger } from '../../../src/plan/sqlite-sql/translate-trigger.js';

const col = (source: string, cast: ColumnPlan['cast'], extra: Partial<ColumnPlan> = {}): ColumnPlan => ({
  source, target: source.toLowerCase(), pgType: 'text', notNull: false, defaultSql: null, cast, onError: 'quarantine', nul: 'quarantine', identity: false, reason: '', ...extra,
});

const table: TablePlan = {
  source: 'Posts',
  target: 'posts',
  columns: [
    col('id', { kind: 'integer', bits: 64 }),
    col('updated_at', { kind: 'text' }),
    col('touched', { kind: 'datetime', target: 'timestamptz', format: 'sqlite-datetime', timeZone: 'UTC' }),
    col('title', { kind: 'text' }),
  ],
  skippedColumns: [],
  readKey: { kind: 'rowid' },
  primaryKey: { name: 'posts_pkey', columns: ['id'] },
  indexes: [],
  foreignKeys: [],
  checks: [],
  touchColumn: null,
  rowCount: 0,
};

const TEXT_NOW = "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')";

describe('translateTouchTrigger', () => {
  test.each([
    ['CREATE TRIGGER t AFTER UPDATE ON Posts BEGIN UPDATE Posts SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END', { column: 'updated_at', sql: TEXT_NOW }],
    ["CREATE TRIGGER IF NOT EXISTS t AFTER UPDATE ON \"posts\" FOR EACH ROW BEGIN UPDATE posts SET updated_at = datetime('now') WHERE rowid = new.rowid; END;", { column: 'updated_at', sql: TEXT_NOW }],
    ['CREATE TRIGGER t BEFORE UPDATE ON posts BEGIN UPDATE posts SET touched = CURRENT_TIMESTAMP WHERE OLD.id = id; END', { column: 'touched', sql: 'CURRENT_TIMESTAMP' }],
  ])('%s', (sql, expected) => {
    expect(translateTouchTrigger(sql, table)).toEqual(expected);
  });

  test.each([
    ['UPDATE OF', 'CREATE TRIGGER t AFTER UPDATE OF title ON posts BEGIN UPDATE posts SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END'],
    ['a WHEN clause', 'CREATE TRIGGER t AFTER UPDATE ON posts WHEN NEW.updated_at IS OLD.updated_at BEGIN UPDATE posts SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END'],
    ['two statements', 'CREATE TRIGGER t AFTER UPDATE ON posts BEGIN UPDATE posts SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; DELETE FROM x; END'],
    ['another table', 'CREATE TRIGGER t AFTER UPDATE ON posts BEGIN UPDATE audit SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END'],
    ['not the same row', 'CREATE TRIGGER t AFTER UPDATE ON posts BEGIN UPDATE posts SET updated_at = CURRENT_TIMESTAMP WHERE title = NEW.title; END'],
    ['not now', "CREATE TRIGGER t AFTER UPDATE ON posts BEGIN UPDATE posts SET updated_at = 'x' WHERE id = NEW.id; END"],
    ['an insert trigger', 'CREATE TRIGGER t AFTER INSERT ON posts BEGIN UPDATE posts SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END'],
    ['an unknown column', 'CREATE TRIGGER t AFTER UPDATE ON posts BEGIN UPDATE posts SET nope = CURRENT_TIMESTAMP WHERE id = NEW.id; END'],
  ])('leaves %s to the report', (_, sql) => {
    expect(translateTouchTrigger(sql, table)).toBeNull();
  });
});
