import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnInfo, TableInfo } from '../../src/model/catalog.js';
import type { Catalog } from '../../src/model/catalog.js';
import { loadMappings } from '../../src/mappings/load-mappings.js';
import { validateMappings } from '../../src/mappings/validate-mappings.js';
import { writeMappings } from '../../src/mappings/write-mappings.js';
import { proposeMapping } from '../../src/plan/propose-mappings.js';
import { profileTable, type ColumnProfile } from '../../src/source/profile-columns.js';

const SQL = `
CREATE TABLE docs (j TEXT);
INSERT INTO docs VALUES ('{"a":1}'), ('[1,2]'), (' {"b":2}'), ('{bad'), ('42'), (NULL);

CREATE TABLE dates (d TEXT);
INSERT INTO dates VALUES
  ('2023-03-05T09:27:57Z'), ('2023-03-05T09:27:57.123+02:00'), ('2023-03-05T09:27:57-0500'),
  ('2023-03-05T09:27:57'), ('2023-03-05T09:27:57.5'),
  ('2023-03-05 09:27:57'), ('2023-03-05 09:27:57.123'),
  ('2023-03-05'),
  ('2023-03-05T09:27'), ('2023-03-05T09:27:57.Z'), ('2023-03-05 09:27:57x'), ('05/03/2023');

CREATE TABLE stamps (partial TEXT, whole TEXT);
INSERT INTO stamps VALUES ('2023-03-05 09:27:57', '2023-03-05 09:27:57'), ('never', '2023-03-07 00:00:00'), ('2023-03-06 10:00:00', '2023-03-06 10:00:00.5');

CREATE TABLE nums (n INTEGER, b BOOLEAN, r REAL, x);
INSERT INTO nums VALUES
  (0, 0, 2460000.5, 'text'),
  (1, 1, 1.5, 1),
  (1678008478, 1, 2440587.5, 2.5),
  (1678008478225, 0, NULL, X'00FF'),
  (1678008478225000, NULL, NULL, NULL),
  (9223372036854775807, NULL, NULL, 'a'),
  (-5, 1, 3, '');

CREATE TABLE texts (s TEXT, flag TEXT);
INSERT INTO texts VALUES ('héllo', 't'), ('a' || char(0) || 'b', 'f'), (printf('%.100c', 'x'), 't'), ('TRUE', 'true'), (NULL, NULL);

CREATE TABLE "we""ird tab" ("sp ace" TEXT, "x""y" INTEGER);
INSERT INTO "we""ird tab" VALUES ('1', 2);

CREATE TABLE api_keys (id varchar(24) not null, created_at datetime not null, last_seen_at datetime null, primary key (id));
INSERT INTO api_keys VALUES ('k1', 1678008478225, NULL), ('k2', 1678008478237, NULL), ('k3', 1678008478254, NULL), ('k4', 1678008478262, NULL), ('k5', 1678008478272, NULL);

CREATE TABLE empty (a TEXT);
`;

function col(name: string, declaredType: string): ColumnInfo {
  return { name, declaredType, notNull: false, defaultSql: null, pkOrdinal: 0, collation: null, generated: null };
}

function table(name: string, columns: [string, string][]): TableInfo {
  return { name, sql: '', withoutRowid: false, strict: false, columns: columns.map(([n, t]) => col(n, t)), primaryKey: null, indexes: [], foreignKeys: [], checks: [], rowCount: 0 };
}

/** The expected profile: everything zero/empty unless given. */
function expected(name: string, rows: number, bits: Partial<Omit<ColumnProfile, 'text' | 'integer' | 'real'>> & { text?: Partial<ColumnProfile['text']>; integer?: Partial<ColumnProfile['integer']>; real?: Partial<ColumnProfile['real']> }): ColumnProfile {
  return {
    name,
    rows,
    nulls: 0,
    storage: { integer: 0, real: 0, text: 0, blob: 0 },
    blob: { maxBytes: null },
    examples: {},
    ...bits,
    text: {
      jsonLike: 0,
      withNul: 0,
      maxBytes: null,
      dateShapes: { 'iso8601-offset': 0, 'iso8601-naive': 0, 'sqlite-datetime': 0, 'date-only': 0 },
      booleanLike: 0,
      distinct: null,
      ...bits.text,
    },
    integer: { min: null, max: null, epochSeconds: 0, epochMillis: 0, epochMicros: 0, zeroOrOne: 0, ...bits.integer },
    real: { min: null, max: null, julianDay: 0, ...bits.real },
  };
}

describe('profileTable against a real SQLite file', () => {
  let dir: string;
  let db: Database.Database;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sqlite2pg-profile-'));
    const path = join(dir, 'fixture.db');
    const build = new Database(path);
    build.exec(SQL);
    build.close();
    db = new Database(path, { readonly: true, fileMustExist: true });
    // As source/sqlite-db.ts opens it: integers as BigInt.
    db.defaultSafeIntegers(true);
  });
  afterAll(async () => {
    db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts JSON objects and arrays that json_valid() accepts, not scalars or broken text', () => {
    const p = profileTable(db, table('docs', [['j', 'TEXT']]));
    expect(p).toEqual({
      table: 'docs',
      rows: 6,
      sampled: false,
      columns: [
        expected('j', 6, {
          nulls: 1,
          storage: { integer: 0, real: 0, text: 5, blob: 0 },
          text: { jsonLike: 3, maxBytes: 8, distinct: null },
          examples: { text: [' {"b":2}', '{bad'], json: [' {"b":2}', '{"a":1}'] },
        }),
      ],
    });
  });

  it('profiles only the first rows with sample', () => {
    const p = profileTable(db, table('docs', [['j', 'TEXT']]), { sample: 2 });
    expect([p.rows, p.sampled, p.columns[0]!.text.jsonLike, p.columns[0]!.storage.text]).toEqual([2, true, 2, 2]);
  });

  it('tells the four date shapes apart and counts nothing else as a date', () => {
    const [d] = profileTable(db, table('dates', [['d', 'TEXT']])).columns;
    expect(d!.text.dateShapes).toEqual({ 'iso8601-offset': 3, 'iso8601-naive': 2, 'sqlite-datetime': 2, 'date-only': 1 });
    expect(d!.examples).toEqual({
      text: ['05/03/2023', '2023-03-05T09:27:57Z'],
      'iso8601-offset': ['2023-03-05T09:27:57-0500', '2023-03-05T09:27:57Z'],
      'iso8601-naive': ['2023-03-05T09:27:57', '2023-03-05T09:27:57.5'],
      'sqlite-datetime': ['2023-03-05 09:27:57', '2023-03-05 09:27:57.123'],
      'date-only': ['2023-03-05'],
    });
  });

  it('takes examples of a date shape from the text extremes when it covers all text, and from its own values otherwise', () => {
    const [partial, whole] = profileTable(db, table('stamps', [['partial', 'TEXT'], ['whole', 'TEXT']])).columns;
    expect([partial!.text.dateShapes['sqlite-datetime'], partial!.examples]).toEqual([
      2,
      { text: ['2023-03-05 09:27:57', 'never'], 'sqlite-datetime': ['2023-03-05 09:27:57', '2023-03-06 10:00:00'] },
    ]);
    expect([whole!.text.dateShapes['sqlite-datetime'], whole!.examples]).toEqual([
      3,
      { text: ['2023-03-05 09:27:57', '2023-03-07 00:00:00'], 'sqlite-datetime': ['2023-03-05 09:27:57', '2023-03-07 00:00:00'] },
    ]);
  });

  it('measures integer ranges exactly, epoch plausibility, 0/1, reals, Julian days and mixed classes', () => {
    const p = profileTable(db, table('nums', [['n', 'INTEGER'], ['b', 'BOOLEAN'], ['r', 'REAL'], ['x', '']]));
    expect(p.columns).toEqual([
      expected('n', 7, {
        storage: { integer: 7, real: 0, text: 0, blob: 0 },
        integer: { min: -5n, max: 9223372036854775807n, epochSeconds: 3, epochMillis: 4, epochMicros: 5, zeroOrOne: 2 },
        examples: { integer: ['-5', '9223372036854775807'] },
      }),
      expected('b', 7, {
        nulls: 2,
        storage: { integer: 5, real: 0, text: 0, blob: 0 },
        integer: { min: 0n, max: 1n, epochSeconds: 5, epochMillis: 5, epochMicros: 5, zeroOrOne: 5 },
        examples: { integer: ['0', '1'] },
      }),
      expected('r', 7, {
        nulls: 3,
        storage: { integer: 0, real: 4, text: 0, blob: 0 },
        real: { min: 1.5, max: 2460000.5, julianDay: 2 },
        examples: { real: ['1.5', '2460000.5'] },
      }),
      expected('x', 7, {
        nulls: 1,
        storage: { integer: 1, real: 1, text: 3, blob: 1 },
        text: { maxBytes: 4, distinct: ['', 'a', 'text'] },
        integer: { min: 1n, max: 1n, epochSeconds: 1, epochMillis: 1, epochMicros: 1, zeroOrOne: 1 },
        real: { min: 2.5, max: 2.5, julianDay: 0 },
        blob: { maxBytes: 2 },
        examples: { integer: ['1'], real: ['2.5'], text: ['', 'text'], blob: ["x'00FF'"] },
      }),
    ]);
  });

  it('finds NUL bytes, measures UTF-8 bytes, cuts long examples and recognises boolean text', () => {
    const [s, flag] = profileTable(db, table('texts', [['s', 'TEXT'], ['flag', 'TEXT']])).columns;
    expect(s).toEqual(
      expected('s', 5, {
        nulls: 1,
        storage: { integer: 0, real: 0, text: 4, blob: 0 },
        text: { withNul: 1, maxBytes: 100, booleanLike: 1 },
        examples: { text: ['TRUE', `${'x'.repeat(60)}…`] },
      }),
    );
    expect(flag).toEqual(
      expected('flag', 5, {
        nulls: 1,
        storage: { integer: 0, real: 0, text: 4, blob: 0 },
        text: { maxBytes: 4, booleanLike: 4, distinct: ['f', 't', 'true'] },
        examples: { text: ['f', 'true'] },
      }),
    );
  });

  it('quotes odd table and column names', () => {
    const p = profileTable(db, table('we"ird tab', [['sp ace', 'TEXT'], ['x"y', 'INTEGER']]));
    expect([p.rows, p.columns.map((c) => [c.name, c.storage.text, c.storage.integer])]).toEqual([
      1,
      [
        ['sp ace', 1, 0],
        ['x"y', 0, 1],
      ],
    ]);
    expect(profileTable(db, table('we"ird tab', [['sp ace', 'TEXT']]), { sample: 1 }).rows).toBe(1);
  });

  it('splits very wide tables into several passes and still profiles every column', () => {
    const names = Array.from({ length: 45 }, (_, i) => `c${i}`);
    const wide = join(dir, 'wide.db');
    const w = new Database(wide);
    w.exec(`CREATE TABLE wide (${names.map((n) => `${n} INTEGER`).join(', ')}); INSERT INTO wide VALUES (${names.map((_, i) => i).join(', ')});`);
    w.close();
    const ro = new Database(wide, { readonly: true });
    try {
      const p = profileTable(ro, table('wide', names.map((n) => [n, 'INTEGER'])));
      expect(p.columns.map((c) => c.integer.max)).toEqual(names.map((_, i) => BigInt(i)));
      expect(p.rows).toBe(1);
    } finally {
      ro.close();
    }
  });

  it('profiles an empty table as zero rows', () => {
    const p = profileTable(db, table('empty', [['a', 'TEXT']]));
    expect(p).toEqual({ table: 'empty', rows: 0, sampled: false, columns: [expected('a', 0, {})] });
  });

  it('proposes mappings that, written and loaded back, validate cleanly and stay unchanged on a rerun', async () => {
    const tables = [
      table('docs', [['j', 'TEXT']]),
      table('dates', [['d', 'TEXT']]),
      table('nums', [['n', 'INTEGER'], ['b', 'BOOLEAN'], ['r', 'REAL'], ['x', '']]),
      table('texts', [['s', 'TEXT'], ['flag', 'TEXT']]),
      table('api_keys', [['id', 'varchar(24)'], ['created_at', 'datetime'], ['last_seen_at', 'datetime']]),
      table('empty', [['a', 'TEXT']]),
    ];
    const catalog: Catalog = { path: 'fixture.db', sizeBytes: 0, sqliteVersion: '3', tables, views: [], triggers: [], virtualTables: [] };
    const proposals = tables.map((t) => ({ table: t.name, mapping: proposeMapping(t, profileTable(db, t)).mapping }));
    expect(proposals.map((p) => [p.table, Object.fromEntries(Object.entries(p.mapping.columns ?? {}).map(([c, r]) => [c, r.cast ?? null]))])).toEqual([
      ['docs', {}],
      ['dates', {}],
      ['nums', { b: 'boolean', x: null }],
      ['texts', { s: null }],
      ['api_keys', { created_at: 'timestamptz' }],
      ['empty', {}],
    ]);
    const mdir = join(dir, 'mappings');
    expect((await writeMappings(mdir, proposals, { force: false, check: false })).written).toHaveLength(6);
    const loaded = await loadMappings(mdir);
    expect(loaded.problems).toEqual([]);
    expect(validateMappings(loaded.mappings, catalog)).toEqual({ errors: [], warnings: [] });
    const again = tables.map((t) => ({ table: t.name, mapping: proposeMapping(t, profileTable(db, t), loaded.mappings.get(t.name)!.mapping).mapping }));
    expect((await writeMappings(mdir, again, { force: false, check: true })).unchanged).toHaveLength(6);
  });

  it('leads to the unixepoch-ms proposal for epoch milliseconds in a datetime column (the Ghost api_keys case)', () => {
    const t: TableInfo = { ...table('api_keys', [['id', 'varchar(24)'], ['created_at', 'datetime'], ['last_seen_at', 'datetime']]), primaryKey: { columns: ['id'], rowidAlias: false, autoincrement: false } };
    const { mapping, notes } = proposeMapping(t, profileTable(db, t));
    expect(notes).toEqual([]);
    expect(mapping).toEqual({
      table: 'api_keys',
      columns: {
        created_at: {
          cast: 'timestamptz',
          format: 'unixepoch-ms',
          comment: 'all 5 values are integers that read as Unix epoch milliseconds from 2023-03-05T09:27:58.225Z to 2023-03-05T09:27:58.272Z',
          evidence: { rows: 5, nonNull: 5, storage: { integer: 5 }, epochMs: 5, examples: ['1678008478225', '1678008478272'] },
        },
      },
    });
  });
});
