/** Type rules (types.rules.json): precedence, validation, proposals from the columns with data. */
import { describe, expect, it } from 'vitest';
import type { Catalog, ColumnInfo, TableInfo } from '../../../src/model/catalog.js';
import type { MappingSet, TableMapping, TypeRulesFile } from '../../../src/model/mapping.js';
import { buildPlan } from '../../../src/plan/build-plan.js';
import { validateMappings } from '../../../src/mappings/validate-mappings.js';
import { proposeTypeRules } from '../../../src/plan/propose-mappings.js';
import { resolveColumn } from '../../../src/plan/resolve-column.js';
import type { ColumnProfile, TableProfile } from '../../../src/source/profile-columns.js';

function col(name: string, declaredType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, declaredType, notNull: false, defaultSql: null, pkOrdinal: 0, collation: null, generated: null, ...extra };
}
function table(name: string, columns: ColumnInfo[], extra: Partial<TableInfo> = {}): TableInfo {
  return { name, sql: '', withoutRowid: false, strict: false, columns, primaryKey: null, indexes: [], foreignKeys: [], checks: [], rowCount: 0, ...extra };
}
function catalog(tables: TableInfo[]): Catalog {
  return { path: 'x.db', sizeBytes: 0, sqliteVersion: '3.45.0', tables, views: [], triggers: [], virtualTables: [] };
}
function set(rules: unknown, ...ms: TableMapping[]): MappingSet {
  const m: Map<string, { file: string; mapping: TableMapping }> & { typeRules?: MappingSet['typeRules'] } = new Map(ms.map((x) => [x.table, { file: `mappings/${x.table}.json`, mapping: x }]));
  m.typeRules = { file: 'mappings/types.rules.json', rules: rules as TypeRulesFile };
  return m;
}
/** A profile: `values` non-NULL text values out of `rows`. */
function prof(name: string, rows: number, values: number): ColumnProfile {
  return {
    name,
    rows,
    nulls: rows - values,
    storage: { integer: 0, real: 0, text: values, blob: 0 },
    text: { jsonLike: 0, withNul: 0, maxBytes: null, booleanLike: 0, distinct: null, dateShapes: { 'iso8601-offset': 0, 'iso8601-naive': 0, 'sqlite-datetime': values, 'date-only': 0 } },
    integer: { min: null, max: null, epochSeconds: 0, epochMillis: 0, epochMicros: 0, zeroOrOne: 0 },
    real: { min: null, max: null, julianDay: 0 },
    blob: { maxBytes: null },
    examples: {},
  };
}
const tp = (t: TableInfo, rows: number, columns: ColumnProfile[]): TableProfile => ({ table: t.name, rows, sampled: false, columns });

const DATETIME_RULE = { types: { DATETIME: { cast: 'timestamptz', format: 'iso8601', timeZone: 'UTC' } } };

describe('type rules: column rule > type rule > built-in default', () => {
  const c = col('created_at', 'datetime');
  it('applies a rule to a column of that declared type (any case, spaces collapsed) without a cast', () => {
    const r = resolveColumn(c, undefined, false, DATETIME_RULE as TypeRulesFile);
    expect([r.pgType, r.cast, r.reason]).toEqual(['timestamptz', { kind: 'datetime', target: 'timestamptz', format: 'iso8601', timeZone: 'UTC' }, 'mapping (type rule DATETIME): cast timestamptz (iso8601, UTC)']);
    expect(resolveColumn(col('x', ' DateTime '), undefined, false, DATETIME_RULE as TypeRulesFile).pgType).toBe('timestamptz');
  });
  it('lets the column rule win, keeps its other keys over the rule, and never touches the rowid', () => {
    expect(resolveColumn(c, { cast: 'timestamptz', format: 'unixepoch-ms' }, false, DATETIME_RULE as TypeRulesFile).cast).toMatchObject({ format: 'unixepoch-ms' });
    expect(resolveColumn(c, { onError: 'null' }, false, DATETIME_RULE as TypeRulesFile)).toMatchObject({ pgType: 'timestamptz', onError: 'null' });
    expect(resolveColumn(c, { cast: 'text' }, false, DATETIME_RULE as TypeRulesFile).pgType).toBe('text');
    expect(resolveColumn(col('id', 'DATETIME'), undefined, true, DATETIME_RULE as TypeRulesFile).pgType).toBe('bigint');
    expect(resolveColumn(c, undefined, false).pgType).toBe('text');
  });
  it('types the columns of an empty table in the plan', () => {
    const t = table('events', [col('at', 'DATETIME'), col('name', 'TEXT')]);
    const plan = buildPlan(catalog([t]), set(DATETIME_RULE), { schema: 'public', fold: 'none' });
    expect(plan.tables[0]!.columns.map((x) => x.pgType)).toEqual(['timestamptz', 'text']);
    expect(plan.warnings.some((w) => w.includes('kept as text'))).toBe(false);
  });
});

describe('type rules: validation reports every problem at once', () => {
  const cat = catalog([table('posts', [col('created_at', 'DATETIME'), col('data', 'BLOB')])]);
  it('accepts a sound rules file', () => {
    expect(validateMappings(set(DATETIME_RULE, { table: 'posts' }), cat)).toEqual({ errors: [], warnings: [] });
  });
  it('reports shape, missing format, impossible casts, per-column keys, duplicates and unknown keys together', () => {
    const v = validateMappings(
      set({ types: { DATETIME: { cast: 'timestamptz' }, datetime: { cast: 'date', format: 'iso8601' }, BLOB: { cast: 'integer', target: 'x' }, TEXT: { format: 'iso8601' }, REAL: { cast: 'tz' } }, extra: 1 }, { table: 'posts' }),
      cat,
    );
    expect(v.errors).toEqual([
      'mappings/types.rules.json: extra: unknown key "extra" (allowed: $schema, comment, types): remove it',
      'mappings/types.rules.json: types.REAL.cast: "tz" is not one of "text", "integer", "smallint", "bigint", "float8", "numeric", "boolean", "bytea", "hex-bytea", "text-bytes", "json", "jsonb", "timestamptz", "timestamp", "date", "uuid"',
      expect.stringMatching(/^mappings\/types\.rules\.json: types\.DATETIME\.format: cast "timestamptz" needs a "format"/),
      'mappings/types.rules.json: types.datetime: is the same declared type as "DATETIME" (types compare case-insensitively): keep one rule',
      'mappings/types.rules.json: types.BLOB.target: "target" names one column: put it in that table\'s mapping file, not in a type rule',
      expect.stringMatching(/^mappings\/types\.rules\.json: types\.BLOB\.cast: cast "integer" cannot work on column "BLOB" declared BLOB/),
      expect.stringMatching(/^mappings\/types\.rules\.json: types\.TEXT\.cast: a type rule needs a "cast"/),
      expect.stringMatching(/^mappings\/types\.rules\.json: types\.TEXT\.format: "format" only applies to the timestamptz/),
    ]);
    expect(v.warnings).toContain('mappings/types.rules.json: types.TEXT: no column of the SQLite database is declared TEXT: the rule applies to nothing');
  });
  it('counts the type rule cast for touchOnUpdate', () => {
    expect(validateMappings(set(DATETIME_RULE, { table: 'posts', touchOnUpdate: 'created_at' }), cat).errors).toEqual([]);
  });
});

describe('proposeTypeRules', () => {
  const posts = table('posts', [col('id', 'INTEGER', { pkOrdinal: 1 }), col('created_at', 'DATETIME'), col('seen', 'DATETIME'), col('note', 'DATETIME')], { primaryKey: { columns: ['id'], rowidAlias: true, autoincrement: false } });
  const empty = table('tokens', [col('created_at', 'DATETIME'), col('born', 'DATE')]);
  const dated = { cast: 'timestamptz', format: 'sqlite-datetime', timeZone: 'UTC' } as const;

  it('proposes one rule per date type with columns without data, with the evidence, and keeps text where values are not all dates', () => {
    const r = proposeTypeRules([
      { table: posts, profile: tp(posts, 3, [prof('id', 3, 3), prof('created_at', 3, 3), prof('seen', 3, 0), prof('note', 3, 2)]), mapping: { table: 'posts', columns: { created_at: dated } } },
      { table: empty, profile: tp(empty, 0, [prof('created_at', 0, 0), prof('born', 0, 0)]), mapping: { table: 'tokens' } },
    ]);
    expect(r.proposed.map((p) => [p.type, p.rule.cast, p.rule.format, p.rule.timeZone, p.columns])).toEqual([
      ['DATETIME', 'timestamptz', 'iso8601', 'UTC', ['posts.seen', 'tokens.created_at']],
      ['DATE', 'date', 'iso8601', undefined, ['tokens.born']],
    ]);
    expect(r.rules!.types['DATETIME']!.comment).toMatch(/^DATETIME: 1 of 2 columns with data hold dates \(iso8601 1\), 1 hold other text and stay text; 2 columns without data .* a value that does not parse as iso8601 is quarantined with its reason, never bent/);
    expect(r.rules!.types['DATETIME']!.evidence).toEqual({ columnsWithData: 2, dateFormats: { iso8601: 1 }, notDates: ['posts.note'], columnsWithoutData: 2, appliesTo: ['posts.seen', 'tokens.created_at'] });
    expect(r.columns.get('posts')).toEqual({ note: { cast: 'text', comment: 'not every value is a date: kept as text, so the DATETIME type rule (timestamptz) does not quarantine them' } });
  });

  it('takes the format most columns with data use, keeps the user\'s rules, and proposes nothing without columns to reach', () => {
    const epoch = { cast: 'timestamptz', format: 'unixepoch-ms' } as const;
    const two = table('a', [col('x', 'DATETIME'), col('y', 'DATETIME'), col('z', 'DATETIME')]);
    const r = proposeTypeRules([{ table: two, profile: tp(two, 1, [prof('x', 1, 1), prof('y', 1, 1), prof('z', 1, 0)]), mapping: { table: 'a', columns: { x: epoch, y: epoch } } }]);
    expect(r.rules!.types['DATETIME']).toMatchObject({ cast: 'timestamptz', format: 'unixepoch-ms' });
    expect(r.rules!.types['DATETIME']!.timeZone).toBeUndefined();
    const mine = { types: { datetime: { cast: 'timestamp', format: 'iso8601' } } } as TypeRulesFile;
    const kept = proposeTypeRules([{ table: two, profile: tp(two, 1, [prof('x', 1, 0), prof('y', 1, 0), prof('z', 1, 0)]), mapping: { table: 'a' } }], mine);
    expect([kept.rules, kept.proposed]).toEqual([mine, []]);
    expect(proposeTypeRules([{ table: two, profile: tp(two, 1, [prof('x', 1, 1), prof('y', 1, 1), prof('z', 1, 1)]), mapping: { table: 'a', columns: { x: dated, y: dated, z: dated } } }]).rules).toBeNull();
  });
});
