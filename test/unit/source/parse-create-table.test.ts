import { describe, expect, test } from 'vitest';
import { SourceError } from '../../../src/errors.js';
import { parseCreateTable, type ParsedColumn } from '../../../src/source/sqlite-sql/parse-create-table.js';

function column(sql: string, name: string): ParsedColumn {
  const c = parseCreateTable(sql).columns.get(name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
}

const PLAIN: Omit<ParsedColumn, 'name' | 'declaredType'> = { collation: null, checks: [], generated: null, defaultSql: null };

describe('parseCreateTable', () => {
  test('Northwind Order Details: bracketed names, types glued to names, table CHECKs, skipped keys', () => {
    // From northwind.db (sqlite_schema.sql), verbatim.
    const sql = `CREATE TABLE [Order Details](
   [OrderID]INTEGER NOT NULL,
   [ProductID]INTEGER NOT NULL,
   [UnitPrice]NUMERIC NOT NULL DEFAULT 0,
   [Quantity]INTEGER NOT NULL DEFAULT 1,
   [Discount]REAL NOT NULL DEFAULT 0,
    PRIMARY KEY ("OrderID","ProductID"),
    CHECK ([Discount]>=(0) AND [Discount]<=(1)),
    CHECK ([Quantity]>(0)),
    CHECK ([UnitPrice]>=(0)),
	FOREIGN KEY ([OrderID]) REFERENCES [Orders] ([OrderID]) 
		ON DELETE NO ACTION ON UPDATE NO ACTION,
	FOREIGN KEY ([ProductID]) REFERENCES [Products] ([ProductID]) 
		ON DELETE NO ACTION ON UPDATE NO ACTION
)`;
    const t = parseCreateTable(sql);
    expect(t.schema).toBeNull();
    expect(t.name).toBe('Order Details');
    expect([...t.columns.values()]).toEqual([
      { name: 'OrderID', declaredType: 'INTEGER', ...PLAIN },
      { name: 'ProductID', declaredType: 'INTEGER', ...PLAIN },
      { name: 'UnitPrice', declaredType: 'NUMERIC', ...PLAIN, defaultSql: '0' },
      { name: 'Quantity', declaredType: 'INTEGER', ...PLAIN, defaultSql: '1' },
      { name: 'Discount', declaredType: 'REAL', ...PLAIN, defaultSql: '0' },
    ]);
    expect(t.tableChecks).toEqual([
      { name: null, expression: '[Discount]>=(0) AND [Discount]<=(1)' },
      { name: null, expression: '[Quantity]>(0)' },
      { name: null, expression: '[UnitPrice]>=(0)' },
    ]);
    expect(t.withoutRowid).toBe(false);
    expect(t.strict).toBe(false);
  });

  test('Sakila film: named CHECKs spanning lines, commas inside, odd type names', () => {
    // Abridged from sakila.db, the CHECK text verbatim.
    const sql = `CREATE TABLE film (
  film_id int NOT NULL,
  description BLOB SUB_TYPE TEXT DEFAULT NULL,
  rental_rate DECIMAL(4,2) DEFAULT 4.99 NOT NULL,
  rating VARCHAR(10) DEFAULT 'G',
  special_features VARCHAR(100) DEFAULT NULL,
  PRIMARY KEY  (film_id),
  CONSTRAINT CHECK_special_features CHECK(special_features is null or
                                                           special_features like '%Trailers%' or
                                                           special_features like '%Commentaries%'),
  CONSTRAINT CHECK_special_rating CHECK(rating in ('G','PG','PG-13','R','NC-17')),
  CONSTRAINT fk_film_language FOREIGN KEY (language_id) REFERENCES language (language_id) 
)`;
    const t = parseCreateTable(sql);
    expect([...t.columns.values()].map((c) => [c.name, c.declaredType, c.defaultSql])).toEqual([
      ['film_id', 'int', null],
      ['description', 'BLOB SUB_TYPE TEXT', 'NULL'],
      ['rental_rate', 'DECIMAL(4,2)', '4.99'],
      ['rating', 'VARCHAR(10)', "'G'"],
      ['special_features', 'VARCHAR(100)', 'NULL'],
    ]);
    expect(t.tableChecks).toEqual([
      {
        name: 'CHECK_special_features',
        expression: `special_features is null or
                                                           special_features like '%Trailers%' or
                                                           special_features like '%Commentaries%'`,
      },
      { name: 'CHECK_special_rating', expression: "rating in ('G','PG','PG-13','R','NC-17')" },
    ]);
  });

  test('column constraints: CONSTRAINT names, COLLATE, CHECK, DEFAULT forms, generated columns', () => {
    const sql = `CREATE TABLE IF NOT EXISTS main."t x" (
      id INTEGER PRIMARY KEY AUTOINCREMENT, -- the key, (with a comma)
      a NUMERIC(10, 2) NOT NULL DEFAULT -1.5 CONSTRAINT a_range CHECK (a > 0 AND a < (10)) COLLATE NOCASE,
      b UNSIGNED BIG INT CONSTRAINT b_nn NOT NULL CHECK(b IN (1, 2)) REFERENCES x(y) ON DELETE SET DEFAULT ON UPDATE NO ACTION DEFERRABLE INITIALLY DEFERRED,
      c TEXT AS (upper(a)) STORED,
      d BLOB GENERATED ALWAYS AS (a || ',' || /* ) */ b) VIRTUAL,
      e DEFAULT (datetime('now', 'localtime')) COLLATE "BINARY",
      f DEFAULT + 1 UNIQUE ON CONFLICT REPLACE,
      g TEXT DEFAULT CURRENT_TIMESTAMP CHECK (g <> '') CHECK (length(g) < 30),
      h DEFAULT x'00FF' NULL,
      CONSTRAINT ck CHECK (a <> b),
      UNIQUE (a, b) ON CONFLICT REPLACE,
      FOREIGN KEY (b) REFERENCES t2(x) ON DELETE SET NULL
    )`;
    const t = parseCreateTable(sql);
    expect(t.schema).toBe('main');
    expect(t.name).toBe('t x');
    expect([...t.columns.values()]).toEqual([
      { name: 'id', declaredType: 'INTEGER', ...PLAIN },
      { name: 'a', declaredType: 'NUMERIC(10, 2)', ...PLAIN, collation: 'NOCASE', checks: ['a > 0 AND a < (10)'], defaultSql: '-1.5' },
      { name: 'b', declaredType: 'UNSIGNED BIG INT', ...PLAIN, checks: ['b IN (1, 2)'] },
      { name: 'c', declaredType: 'TEXT', ...PLAIN, generated: { expression: 'upper(a)', stored: true } },
      { name: 'd', declaredType: 'BLOB', ...PLAIN, generated: { expression: "a || ',' || /* ) */ b", stored: false } },
      { name: 'e', declaredType: '', ...PLAIN, collation: 'BINARY', defaultSql: "(datetime('now', 'localtime'))" },
      { name: 'f', declaredType: '', ...PLAIN, defaultSql: '+ 1' },
      { name: 'g', declaredType: 'TEXT', ...PLAIN, checks: ["g <> ''", 'length(g) < 30'], defaultSql: 'CURRENT_TIMESTAMP' },
      { name: 'h', declaredType: '', ...PLAIN, defaultSql: "x'00FF'" },
    ]);
    // The NOT NULL's constraint name (b_nn) must not stick to b's CHECK.
    expect(t.checks).toEqual([
      { column: 'a', name: 'a_range', expression: 'a > 0 AND a < (10)' },
      { column: 'b', name: null, expression: 'b IN (1, 2)' },
      { column: 'g', name: null, expression: "g <> ''" },
      { column: 'g', name: null, expression: 'length(g) < 30' },
      { column: null, name: 'ck', expression: 'a <> b' },
    ]);
    expect(t.withoutRowid).toBe(false);
    expect(t.strict).toBe(false);
  });

  test('table options WITHOUT ROWID and STRICT, in either order and case', () => {
    const a = parseCreateTable('CREATE TABLE k (a TEXT PRIMARY KEY, b INT DEFAULT 1, c ANY) WITHOUT ROWID, STRICT;');
    expect([a.withoutRowid, a.strict]).toEqual([true, true]);
    const b = parseCreateTable('create table k (a text primary key) strict, without rowid');
    expect([b.withoutRowid, b.strict]).toEqual([true, true]);
    const c = parseCreateTable('CREATE TABLE k (a INTEGER PRIMARY KEY) STRICT');
    expect([c.withoutRowid, c.strict]).toEqual([false, true]);
  });

  test('hostile names: keywords, quotes, brackets, backticks, unicode', () => {
    const sql = 'CREATE TABLE "select" ("a""b" TEXT, [Order Details] INT, `back``tick` REAL, ünïcødé TEXT, "group" TEXT DEFAULT \'x\', key, [from] CHECK ([from] > 0))';
    const t = parseCreateTable(sql);
    expect(t.name).toBe('select');
    expect([...t.columns.keys()]).toEqual(['a"b', 'Order Details', 'back`tick', 'ünïcødé', 'group', 'key', 'from']);
    expect(column(sql, 'group').defaultSql).toBe("'x'");
    expect(column(sql, 'key').declaredType).toBe('');
    expect(column(sql, 'from').checks).toEqual(['[from] > 0']);
  });

  test('comments anywhere in the DDL', () => {
    const sql = `CREATE TABLE /* c */ t ( -- first line
      a /* type: */ INT /* , not a column */ DEFAULT /* d */ 1, -- after
      b TEXT CHECK (b <> '--not a comment' /* but this is */)
    ) -- trailing`;
    expect([...parseCreateTable(sql).columns.values()]).toEqual([
      { name: 'a', declaredType: 'INT', ...PLAIN, defaultSql: '1' },
      { name: 'b', declaredType: 'TEXT', ...PLAIN, checks: ["b <> '--not a comment' /* but this is */"] },
    ]);
  });

  test('a column named like a type keyword and the uptime-kuma table-constraint AUTOINCREMENT form', () => {
    const sql = `CREATE TABLE "user" ("id" INTEGER NOT NULL, "active" BOOLEAN NOT NULL DEFAULT 1, "interval" INTEGER NOT NULL DEFAULT 20, PRIMARY KEY("id" AUTOINCREMENT))`;
    const t = parseCreateTable(sql);
    expect([...t.columns.values()].map((c) => [c.name, c.declaredType, c.defaultSql])).toEqual([
      ['id', 'INTEGER', null],
      ['active', 'BOOLEAN', '1'],
      ['interval', 'INTEGER', '20'],
    ]);
    expect(t.checks).toEqual([]);
  });

  test('Ghost (knex) style: backticks and quoted defaults', () => {
    const sql = "CREATE TABLE `migrations_lock` (`lock_key` varchar(191) not null, `locked` boolean default '0', `acquired_at` datetime null, primary key (`lock_key`))";
    expect([...parseCreateTable(sql).columns.values()].map((c) => [c.name, c.declaredType, c.defaultSql])).toEqual([
      ['lock_key', 'varchar(191)', null],
      ['locked', 'boolean', "'0'"],
      ['acquired_at', 'datetime', null],
    ]);
  });

  test('a table without declared types (sqlite_sequence)', () => {
    expect([...parseCreateTable('CREATE TABLE sqlite_sequence(name,seq)').columns.keys()]).toEqual(['name', 'seq']);
  });

  test.each([
    ['CREATE VIEW v AS SELECT 1', 'not a CREATE TABLE statement'],
    ['CREATE TABLE t AS SELECT 1', 'CREATE TABLE ... AS SELECT has no column definitions'],
    ['CREATE TABLE t (a INT', 'unbalanced parentheses'],
    ['CREATE TABLE t (a INT) WITHOUT', 'unexpected table option WITHOUT'],
    ['SELECT 1', 'does not start with CREATE'],
  ])('%s is rejected: %s', (sql, message) => {
    expect(() => parseCreateTable(sql)).toThrow(SourceError);
    expect(() => parseCreateTable(sql)).toThrow(message);
  });
});

describe('parseCreateTable: foreign keys and their deferral', () => {
  test('column and table foreign keys, in source order, deferred only when DEFERRABLE INITIALLY DEFERRED', () => {
    const t = parseCreateTable(`CREATE TABLE c (
      a INTEGER REFERENCES p (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED NOT NULL,
      b INTEGER REFERENCES main.p,
      x TEXT, y TEXT,
      CONSTRAINT fk_xy FOREIGN KEY (x, "y") REFERENCES [q] (k1, k2) ON UPDATE CASCADE DEFERRABLE,
      FOREIGN KEY (y) REFERENCES q (k1) NOT DEFERRABLE INITIALLY DEFERRED,
      FOREIGN KEY (b) REFERENCES p (id) DEFERRABLE INITIALLY IMMEDIATE
    )`);
    expect(t.foreignKeys).toEqual([
      { columns: ['a'], refTable: 'p', refColumns: ['id'], deferred: true, name: null },
      { columns: ['b'], refTable: 'p', refColumns: [], deferred: false, name: null },
      { columns: ['x', 'y'], refTable: 'q', refColumns: ['k1', 'k2'], deferred: false, name: 'fk_xy' },
      { columns: ['y'], refTable: 'q', refColumns: ['k1'], deferred: false, name: null },
      { columns: ['b'], refTable: 'p', refColumns: ['id'], deferred: false, name: null },
    ]);
    expect(t.columns.get('a')!.defaultSql).toBeNull();
  });

  test('names of PRIMARY KEY, UNIQUE and column foreign keys, as declared (Chinook, Sakila)', () => {
    const t = parseCreateTable(`CREATE TABLE [Track] (
      [TrackId] INTEGER NOT NULL, code TEXT CONSTRAINT uq_code UNIQUE, store_id INT CONSTRAINT fk_customer_store REFERENCES store (id),
      a INT, b INT,
      CONSTRAINT [PK_Track] PRIMARY KEY ([TrackId]),
      CONSTRAINT "uq ab" UNIQUE (a, b),
      UNIQUE (b)
    )`);
    expect(t.keyNames).toEqual([
      { kind: 'unique', name: 'uq_code', columns: ['code'] },
      { kind: 'primary-key', name: 'PK_Track', columns: ['TrackId'] },
      { kind: 'unique', name: 'uq ab', columns: ['a', 'b'] },
    ]);
    expect(t.foreignKeys).toEqual([{ columns: ['store_id'], refTable: 'store', refColumns: ['id'], deferred: false, name: 'fk_customer_store' }]);
  });

  test('a named column CHECK keeps its name in checks', () => {
    const t = parseCreateTable(`CREATE TABLE t (n TEXT CONSTRAINT "check ""me""" CHECK (n <> ''), m INT CHECK (m > 0))`);
    expect(t.checks).toEqual([
      { column: 'n', name: 'check "me"', expression: "n <> ''" },
      { column: 'm', name: null, expression: 'm > 0' },
    ]);
  });
});
