/**
 * Binary COPY against the real PostgreSQL: the same rows, encoded by the loader's row encoder,
 * sent once as COPY text lines and once as binary tuples (encode/copy-binary.ts), must store
 * the same values, edge cases and random values of every kind a binary table may hold.
 */
import fc from 'fast-check';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnPlan, TablePlan } from '../../src/model/plan.js';
import type { SqliteValue } from '../../src/plan/casts/index.js';
import { binaryFields } from '../../src/plan/copy-binary.js';
import { copyFromSql, createSchemaSql, createTableSql } from '../../src/plan/ddl.js';
import { BINARY_HEADER, BINARY_TRAILER, createTupleWriter } from '../../src/encode/copy-binary.js';
import { createRowEncoder, isRowProblem } from '../../src/encode/row-encoder.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const col = (source: string, pgType: string, cast: ColumnPlan['cast']): ColumnPlan => ({
  source, target: source, pgType, notNull: false, defaultSql: null, cast, onError: 'quarantine', nul: 'quarantine', identity: false, reason: '',
});

const TABLE: TablePlan = {
  source: 'all_kinds', target: 'all_kinds',
  columns: [
    col('id', 'bigint', { kind: 'integer', bits: 64 }),
    col('i2', 'smallint', { kind: 'integer', bits: 16 }),
    col('i4', 'integer', { kind: 'integer', bits: 32 }),
    col('i8', 'bigint', { kind: 'integer', bits: 64 }),
    col('f8', 'double precision', { kind: 'float8' }),
    col('b', 'boolean', { kind: 'boolean' }),
    col('t', 'text', { kind: 'text' }),
    col('j', 'json', { kind: 'json', target: 'json' }),
    col('jb', 'jsonb', { kind: 'json', target: 'jsonb' }),
    col('tz', 'timestamptz', { kind: 'datetime', target: 'timestamptz', format: 'unixepoch-us', timeZone: 'UTC' }),
    col('ts', 'timestamp', { kind: 'datetime', target: 'timestamp', format: 'iso8601', timeZone: 'Europe/Berlin' }),
    col('u', 'uuid', { kind: 'uuid' }),
    col('by', 'bytea', { kind: 'bytea', from: 'blob' }),
    col('n', 'numeric', { kind: 'numeric', precision: null, scale: null }),
    col('n2', 'numeric(10,2)', { kind: 'numeric', precision: 10, scale: 2 }),
    col('d', 'date', { kind: 'datetime', target: 'date', format: 'iso8601', timeZone: 'UTC' }),
  ],
  skippedColumns: [], readKey: { kind: 'rowid' }, primaryKey: null, indexes: [], foreignKeys: [], checks: [], touchColumn: null, rowCount: 0,
};

/** Rows as SQLite hands them to the encoder (rowid first), without the id: it is added. */
type Values = SqliteValue[];

const EDGES: Values[] = [
  [-32768n, -2147483648n, -9223372036854775808n, 0, 0n, '', '[]', '{}', -62135596800000000n, '0001-01-01 00:00:00', '00000000-0000-0000-0000-000000000000', Buffer.alloc(0), '0', '0', '0001-01-01'],
  [32767n, 2147483647n, 9223372036854775807n, -0, 1n, 'a\tb\\c\nd\re', '{"b": 1, "a": [1, 2.50]}', '{"b": 1, "a": [1, 2.50, "x\\u0041"], "a": 3}', 253402300799999999n, '9999-12-31 23:59:59.999999', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', Buffer.from('00ff10', 'hex'), '-0.0001', '99999999.99', '9999-12-31'],
  [0n, 0n, 123456789012345n, 'NaN', 't', 'é😀\u2028 ', ' "é" ', '"\\ud83d\\ude00 é"', 946684799999999n, '2000-01-01 00:59:59.999999', '{0123456789abcdef0123456789ABCDEF}', Buffer.from('5c78', 'hex'), '123.4500', '-0.5', '2000-01-01'],
  [1n, -1n, 9007199254740993n, 'Infinity', 'false', 'x'.repeat(3000), '[1, {"a": null}]', '[true, false, null, -0.0, 1e400]', 946684800000000n, '2024-03-31 02:30:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', Buffer.alloc(70_000, 7), '9'.repeat(40_000) + '.' + '1'.repeat(16_383), 19.99, '1999-12-31'],
  [-1n, 1n, -9007199254740993n, '-Infinity', 1.0, '\\N', '0', '123.4500', -9_000_000_000_000_001n, '1700-06-15 12:00:00.5', null, null, 0.1, 12345678n, '2024-02-29'],
  [null, null, null, 5e-324, null, null, null, null, 10_446_684_800_000_001n, '2300-01-01 00:00:00.25', null, null, '-10000', '-0.00', '1970-01-01'],
  [null, null, -99999999999999n, 1.7976931348623157e308, 0n, null, null, null, 0n, '1969-12-31 23:59:59.999999', null, null, '0.' + '0'.repeat(40) + '1', null, null],
];

/** An id for each row, then the rows with a rowid in front, as iterateRows gives them. */
function sqliteRows(values: readonly Values[]): SqliteValue[][] {
  return values.map((v, i) => [BigInt(i + 1), BigInt(i + 1), ...v]);
}

/** COPY `data` into `schema`.all_kinds in `format`. */
async function copyInto(client: pg.Client, schema: string, format: 'text' | 'binary', data: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(copyFromSql(schema, TABLE, format)));
    stream.on('finish', resolve);
    stream.on('error', reject);
    stream.end(data);
  });
}

/** The text lines and the binary tuples of `rows`, each tuple written right after its row was encoded. */
function encodeBoth(rows: readonly SqliteValue[][]): { text: Buffer; binary: Buffer; problems: string[] } {
  const text = createRowEncoder(TABLE, () => 'k');
  const fields = createRowEncoder(TABLE, () => 'k', { fields: true });
  const writer = createTupleWriter(binaryFields(TABLE)!, fields.moments);
  const lines: string[] = [];
  const tuples: Buffer[] = [BINARY_HEADER];
  const problems: string[] = [];
  for (const row of rows) {
    const a = text(row, 1);
    const b = fields(row, 1);
    if (isRowProblem(a) || isRowProblem(b)) {
      problems.push(isRowProblem(a) ? a.reason : 'binary only');
      continue;
    }
    lines.push(a.line);
    const buf = Buffer.alloc(writer.maxBytes(b.fields!));
    const end = writer.write(buf, 0, b.fields!);
    expect(end).toBeGreaterThan(0);
    tuples.push(buf.subarray(0, end));
  }
  tuples.push(BINARY_TRAILER);
  return { text: Buffer.from(lines.join(''), 'utf8'), binary: Buffer.concat(tuples), problems };
}

describe('binary COPY stores what COPY text stores', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('copy_binary');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  /** Load `values` both ways into fresh schemas and return each table's rows as text, by id. */
  async function loadBoth(values: readonly Values[]): Promise<{ text: string[]; binary: string[]; problems: string[] }> {
    const rows = sqliteRows(values);
    const { text, binary, problems } = encodeBoth(rows);
    for (const s of ['as_text', 'as_binary']) {
      await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await client.query(createSchemaSql(s));
      await client.query(createTableSql(s, TABLE));
    }
    await copyInto(client, 'as_text', 'text', text);
    await copyInto(client, 'as_binary', 'binary', binary);
    // float8send tells -0 from 0 and shows NaN's bits; the row's text shows everything else.
    const read = async (s: string): Promise<string[]> =>
      (await client.query<{ r: string }>(`SELECT r::text || ' ' || coalesce(encode(float8send(r.f8), 'hex'), '-') AS r FROM ${s}.all_kinds r ORDER BY r.id`)).rows.map((x) => x.r);
    return { text: await read('as_text'), binary: await read('as_binary'), problems };
  }

  it('for the edge cases of every kind', async () => {
    expect(binaryFields(TABLE)).toEqual(['int8', 'int2', 'int4', 'int8', 'float8', 'bool', 'text', 'json', 'jsonb', 'timestamp', 'timestamp', 'uuid', 'bytea', 'numeric', 'numeric', 'date']);
    const { text, binary, problems } = await loadBoth(EDGES);
    expect(problems).toEqual([]);
    expect(text).toHaveLength(EDGES.length);
    expect(binary).toEqual(text);
    // A few values spelled out, so that both paths being wrong alike would show too.
    expect(text[0]).toContain('-32768,-2147483648,-9223372036854775808,0,f,"",[],{}');
    expect(text[1]).toContain('9223372036854775807,-0');
    expect(text[1]).toContain('"9999-12-31 23:59:59.999999+00"');
    expect(text[1]).toContain('"9999-12-31 23:59:59.999999"');
    expect(text[2]).toContain(',NaN,t,');
    expect(text[4]).toContain('"1684-10-19 07:59:59.999999+00"');
    expect(text[5]).toContain('"2300-01-01 00:00:00.25"');
    expect(text[1]).toContain(',-0.0001,99999999.99,9999-12-31)');
    expect(text[2]).toContain(',123.4500,-0.50,2000-01-01)');
    expect(text[5]).toContain(',-10000,0.00,1970-01-01)');
  });

  it('for random values', async () => {
    const int = (bits: bigint) => fc.bigInt({ min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n });
    const micros = fc.bigInt({ min: -62135596800000000n, max: 253402300799999999n });
    const wall = fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString().replace('T', ' ').replace('Z', ''));
    const row = fc.tuple(
      fc.option(int(16n)), fc.option(int(32n)), fc.option(int(64n)),
      fc.option(fc.oneof(fc.double(), fc.integer())), fc.option(fc.constantFrom(0n, 1n, 't', 'f')),
      fc.option(fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\u0000\uFFFD]/g, ''))),
      fc.option(fc.json().map((s) => s.replace(/\\u0000/g, ''))), fc.option(fc.json().map((s) => s.replace(/\\u0000/g, ''))),
      fc.option(micros), fc.option(wall), fc.option(fc.uuid()), fc.option(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a))),
      fc.option(fc.oneof(
        fc.tuple(fc.boolean(), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 30 }), fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 30 }))
          .map(([neg, a, b]) => `${neg ? '-' : ''}${a}${b ? '.' + b : ''}`),
        fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
      )),
      fc.option(fc.tuple(fc.integer({ min: -99_999_999, max: 99_999_999 }), fc.integer({ min: 0, max: 99 })).map(([a, b]) => `${a}.${String(b).padStart(2, '0')}`)),
      fc.option(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))),
    ) as fc.Arbitrary<Values>;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 60 }), async (values) => {
        const { text, binary } = await loadBoth(values);
        expect(binary).toEqual(text);
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});
