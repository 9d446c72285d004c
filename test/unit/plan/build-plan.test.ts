/** buildPlan() on hand-written catalogs: the hostile cases the e2e tests run for real, checked as pure plan data. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import type { Catalog, ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo, VirtualTableInfo } from '../../../src/model/catalog.js';
import type { MappingSet, TableMapping } from '../../../src/model/mapping.js';
import { buildPlan } from '../../../src/plan/build-plan.js';

function col(name: string, declaredType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, declaredType, notNull: false, defaultSql: null, pkOrdinal: 0, collation: null, generated: null, ...extra };
}

function table(name: string, columns: ColumnInfo[], extra: Partial<TableInfo> = {}): TableInfo {
  const pk = columns.filter((c) => c.pkOrdinal > 0).sort((a, b) => a.pkOrdinal - b.pkOrdinal);
  return {
    name,
    sql: `CREATE TABLE ${name} (...)`,
    withoutRowid: false,
    strict: false,
    columns,
    primaryKey: pk.length ? { columns: pk.map((c) => c.name), rowidAlias: pk.length === 1 && pk[0]!.declaredType === 'INTEGER', autoincrement: false } : null,
    indexes: [],
    foreignKeys: [],
    checks: [],
    rowCount: 0,
    ...extra,
  };
}

function catalog(tables: TableInfo[], extra: Partial<Catalog> = {}): Catalog {
  return { path: 'x.db', sizeBytes: 0, sqliteVersion: '3.45.0', tables, views: [], triggers: [], virtualTables: [], ...extra };
}

function mappings(...ms: TableMapping[]): MappingSet {
  return new Map(ms.map((m) => [m.table, { file: `${m.table}.json`, mapping: m }]));
}

const fk = (columns: string[], refTable: string, refColumns: string[], extra: Partial<ForeignKeyInfo> = {}): ForeignKeyInfo => ({ id: 0, columns, refTable, refColumns, onUpdate: 'NO ACTION', onDelete: 'NO ACTION', deferrable: false, ...extra });
const unique = (name: string, column: string, collation: string | null = null, origin: IndexInfo['origin'] = 'u'): IndexInfo => ({ name, unique: true, origin, parts: [{ kind: 'column', name: column, desc: false, collation }], where: null, sql: null });
const OPTS = { schema: 'public', fold: 'none' } as const;

describe('buildPlan: foreign keys PostgreSQL can and cannot have', () => {
  const owner = table('owner', [col('id', 'INTEGER', { pkOrdinal: 1 }), col('email', 'TEXT', { collation: 'NOCASE' }), col('team', 'TEXT')], { indexes: [unique('sqlite_autoindex_owner_1', 'email', 'NOCASE')] });

  it('keeps actions and deferral, resolving to target names', () => {
    const child = table('child', [col('id', 'INTEGER', { pkOrdinal: 1 }), col('owner_id', 'INTEGER')], { foreignKeys: [fk(['owner_id'], 'owner', ['id'], { onDelete: 'SET NULL', onUpdate: 'CASCADE', deferrable: true })] });
    const plan = buildPlan(catalog([owner, child]), mappings(), OPTS);
    expect(plan.tables[1]!.foreignKeys).toEqual([{ name: 'child_owner_id_fkey', columns: ['owner_id'], refTable: 'owner', refColumns: ['id'], onUpdate: 'CASCADE', onDelete: 'SET NULL', deferrable: true }]);
  });

  it('lists a reference to non-unique columns, and to a type it cannot compare with', () => {
    const note = table('note', [col('id', 'INTEGER', { pkOrdinal: 1 }), col('team', 'TEXT'), col('owner_code', 'TEXT')], { foreignKeys: [fk(['team'], 'owner', ['team']), fk(['owner_code'], 'owner', ['id'])] });
    const plan = buildPlan(catalog([owner, note]), mappings(), OPTS);
    expect(plan.tables[1]!.foreignKeys).toEqual([]);
    expect(plan.untranslated.filter((u) => u.kind === 'foreign-key').map((u) => [u.object, u.reason.split(':')[0]])).toEqual([
      ['foreign key note(team) → owner(team)', 'owner(team) is neither the primary key nor unique'],
      ['foreign key note(owner_code) → owner(id)', 'note.owner_code becomes text but owner.id becomes bigint'],
    ]);
  });

  it('gives a NOCASE-unique referenced column the plain unique constraint a foreign key needs', () => {
    const m = table('m', [col('id', 'INTEGER', { pkOrdinal: 1 }), col('email', 'TEXT')], { foreignKeys: [fk(['email'], 'owner', ['email'])] });
    const plan = buildPlan(catalog([owner, m]), mappings(), OPTS);
    expect(plan.tables[0]!.indexes).toEqual([
      { name: 'owner_email_key', unique: true, parts: ['lower("email")'], where: null, method: 'btree', origin: 'constraint', asciiFoldParts: ['lower(("email" COLLATE "C"))'] },
      { name: 'owner_email_exact_key', unique: true, parts: ['"email"'], where: null, method: 'btree', origin: 'constraint' },
    ]);
    expect(plan.tables[1]!.foreignKeys.map((f) => f.name)).toEqual(['m_email_fkey']);
  });

  it('lists a reference to the primary key of a table that has none', () => {
    const keyless = table('keyless', [col('a', 'TEXT')]);
    const r = table('r', [col('a', 'TEXT')], { foreignKeys: [fk(['a'], 'keyless', [])] });
    const plan = buildPlan(catalog([keyless, r]), mappings(), OPTS);
    expect(plan.untranslated).toEqual([{ object: 'foreign key r(a) → keyless', kind: 'foreign-key', reason: 'it references the primary key of keyless, which has none', sql: null }]);
  });
});

describe('buildPlan: COLLATE NOCASE', () => {
  it('keeps NOCASE primary keys unique ignoring case with an extra lower() index, and reports what it used', () => {
    const t = table('tag', [col('name', 'TEXT', { pkOrdinal: 1, collation: 'NOCASE' })], { withoutRowid: true, indexes: [{ name: 'sqlite_autoindex_tag_1', unique: true, origin: 'pk', parts: [{ kind: 'column', name: 'name', desc: false, collation: 'NOCASE' }], where: null, sql: null }] });
    const plan = buildPlan(catalog([t]), mappings(), OPTS);
    expect(plan.tables[0]!.primaryKey).toEqual({ name: 'tag_pkey', columns: ['name'] });
    expect(plan.tables[0]!.indexes.map((i) => [i.name, i.parts, i.asciiFoldParts])).toEqual([['tag_pkey_nocase', ['lower("name")'], ['lower(("name" COLLATE "C"))']]]);
    expect(plan.untranslated[0]!.reason).toMatch(/^COLLATE NOCASE: case-insensitive uniqueness kept by unique index tag_pkey_nocase on lower\("name"\)/);
  });

  it('says plainly when NOCASE only changed comparisons', () => {
    const plan = buildPlan(catalog([table('t', [col('a', 'TEXT', { collation: 'NOCASE' }), col('b', 'TEXT', { collation: 'RTRIM' })])]), mappings(), OPTS);
    expect(plan.untranslated.map((u) => u.reason)).toEqual([
      'COLLATE NOCASE is not carried over: =, <, ORDER BY, GROUP BY and DISTINCT on a are case-sensitive in PostgreSQL: compare lower("a"), or use the citext type',
      'COLLATE RTRIM is not carried over: trailing spaces count in PostgreSQL comparisons of b',
    ]);
  });
});

describe('buildPlan: generated columns', () => {
  it('plans PostgreSQL-generated columns where the expression translates, plain columns otherwise', () => {
    const t = table('s', [
      col('w', 'REAL'),
      col('qty', 'INTEGER'),
      col('area', 'REAL', { generated: { expression: 'w * qty', stored: true } }),
      col('label', 'TEXT', { generated: { expression: "printf('%d', qty)", stored: false } }),
    ]);
    const plan = buildPlan(catalog([t]), mappings(), OPTS);
    expect(plan.tables[0]!.columns.map((c) => [c.target, c.generated ?? null])).toEqual([
      ['w', null],
      ['qty', null],
      ['area', { sql: '("w" * "qty")' }],
      ['label', null],
    ]);
    expect(plan.untranslated.map((u) => [u.object, u.kind, u.sql])).toEqual([['generated column s.label', 'generated', "printf('%d', qty)"]]);
  });
});

describe('buildPlan: names', () => {
  it('de-duplicates columns that fold to one name, and shortens long ones, with a warning each', () => {
    const long = 'c'.repeat(70);
    const t = table('T', [col('someValue', 'TEXT'), col('some_value', 'TEXT'), col(long, 'TEXT'), col(`${long}x`, 'TEXT')]);
    const plan = buildPlan(catalog([t]), mappings(), { schema: 'public', fold: 'snake' });
    const targets = plan.tables[0]!.columns.map((c) => c.target);
    expect(targets.slice(0, 2)).toEqual(['some_value', 'some_value_2']);
    expect(new Set(targets).size).toBe(4);
    expect(targets.every((n) => Buffer.byteLength(n) <= 63)).toBe(true);
    expect(plan.warnings.filter((w) => w.startsWith('column '))).toHaveLength(3);
  });
});

describe('buildPlan: limits', () => {
  it('refuses a table with more than 1600 columns at plan time, naming it, unless its mapping skips enough', () => {
    const wide = table('wide', Array.from({ length: 1700 }, (_, i) => col(`c${i}`, 'INTEGER')));
    expect(() => buildPlan(catalog([wide]), mappings(), OPTS)).toThrow(ConfigError);
    try {
      buildPlan(catalog([wide]), mappings(), OPTS);
    } catch (e) {
      expect((e as ConfigError).problems).toEqual(['table wide has 1700 columns; skip at least 100 of them (mapping "columns": {"<name>": {"skip": true}}) or skip the table ("skip": true)']);
    }
    const skip = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`c${i}`, { skip: true }]));
    expect(buildPlan(catalog([wide]), mappings({ table: 'wide', columns: skip }), OPTS).tables[0]!.columns).toHaveLength(1600);
  });
});

describe('buildPlan: virtual tables and triggers', () => {
  const vt = (name: string, module: string, content: VirtualTableInfo['content'], rowCount: number | null): VirtualTableInfo => ({ name, module, sql: `CREATE VIRTUAL TABLE ${name} USING ${module}(x)`, shadowTables: [`${name}_data`], rowCount, content });

  it('advises by where the text lives, and warns about rows only a virtual table holds', () => {
    const plan = buildPlan(catalog([], { virtualTables: [vt('ext', 'fts5', { kind: 'external', table: 'docs' }, 3), vt('own', 'fts5', { kind: 'own' }, 2), vt('none', 'fts5', { kind: 'none' }, 0), vt('geo', 'rtree', null, null)] }), mappings(), OPTS);
    expect(plan.untranslated.map((u) => u.reason.split(':')[0])).toEqual([
      "full-text index over table docs (content='docs')",
      'full-text table holding its own text (2 rows) that exists nowhere else in the database',
      "contentless full-text index (content='')",
      'virtual table module rtree has no PostgreSQL counterpart (its rows could not be counted (module not available)); not copied',
    ]);
    expect(plan.warnings).toEqual([
      'virtual table own (fts5) holds 2 rows that exist nowhere else in the database and are NOT migrated (see the manual follow-ups)',
      'virtual table geo (rtree) holds an unknown number of rows that exist nowhere else in the database and are NOT migrated (see the manual follow-ups)',
    ]);
  });

  it('turns an updated_at touch trigger into the table touch trigger, and lists it for review', () => {
    const t = table('posts', [col('id', 'INTEGER', { pkOrdinal: 1 }), col('updated_at', 'TEXT')]);
    const trigger = { name: 'posts_touch', table: 'posts', sql: 'CREATE TRIGGER posts_touch AFTER UPDATE ON posts BEGIN UPDATE posts SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id; END' };
    const plan = buildPlan(catalog([t], { triggers: [trigger] }), mappings(), OPTS);
    expect(plan.tables[0]).toMatchObject({ touchColumn: 'updated_at', touchSql: "to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')" });
    expect(plan.untranslated[0]).toMatchObject({ object: 'trigger posts_touch on posts', kind: 'trigger' });
    expect(plan.untranslated[0]!.reason).toMatch(/^translated: PostgreSQL trigger posts_touch sets updated_at = /);
  });
});

describe('buildPlan: defaults of mapped date columns', () => {
  it('writes "now" for the mapped type and zone', () => {
    const t = table('e', [col('at', 'DATETIME', { defaultSql: 'CURRENT_DATE' }), col('n', 'INTEGER', { defaultSql: "strftime('%s','now')" })]);
    const plan = buildPlan(catalog([t]), mappings({ table: 'e', columns: { at: { cast: 'timestamptz', format: 'sqlite-datetime', timeZone: 'Europe/Berlin' }, n: { cast: 'timestamptz', format: 'unixepoch-s' } } }), OPTS);
    expect(plan.tables[0]!.columns.map((c) => c.defaultSql)).toEqual(["(date_trunc('day', CURRENT_TIMESTAMP AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Berlin')", 'CURRENT_TIMESTAMP']);
  });
});
