/**
 * The JS canonical forms and checksums against the real PostgreSQL: random values of every kind,
 * written as the loader's pgTexts, are loaded into a table of the matching types, and what
 * canonicalizer/canonicalRow/ChecksumAccumulator compute in JS must equal what canonicalSql /
 * tableChecksumSql / rowDigestsSql compute in the server. Then the reverse: every kind of tamper
 * must change the checksum. The verifying session runs with deliberately unusual settings to show
 * the SQL depends on none of them.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnCast } from '../../src/model/plan.js';
import { qualify, quoteIdent } from '../../src/plan/identifiers.js';
import { toNumeric } from '../../src/plan/casts/numeric.js';
import { canonicalJsonb, JsonCanonicalError } from '../../src/encode/canonical-json.js';
import { canonicalizer, canonicalRow, canonicalSql } from '../../src/encode/canonical.js';
import { ChecksumAccumulator, rowDigest, rowDigestsSql, tableChecksumSql } from '../../src/encode/checksum.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

// ---- random pgTexts, as the loader contract describes them ---------------------------------------

const hex4 = (cp: number, upper: boolean): string => cp.toString(16).padStart(4, '0')[upper ? 'toUpperCase' : 'toLowerCase']();
const digitString = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });

const jsonWhitespace = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), maxLength: 2 });

/** RFC 8259 number text with leading-zero-free integers, fractions with trailing zeros, exponents. */
const jsonNumber = fc
  .record({
    minus: fc.boolean(),
    int: fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), digitString(0, 25)).map(([a, b]) => a + b)),
    frac: fc.option(digitString(1, 20), { nil: null }),
    exp: fc.option(
      fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.oneof(digitString(1, 2), fc.integer({ min: 0, max: 400 }).map(String), fc.constant('007'))),
      { nil: null },
    ),
  })
  .map(({ minus, int, frac, exp }) => (minus ? '-' : '') + int + (frac === null ? '' : '.' + frac) + (exp === null ? '' : exp.join('')));

/** Characters allowed raw in a JSON string: anything but `"`, `\` and controls < 0x20. */
const rawJsonChars = fc.string({ unit: 'binary', maxLength: 6 }).map((s) => s.replace(/["\\\u0000-\u001f]/g, ''));
const jsonEscape = fc.oneof(
  fc.constantFrom('\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t'),
  fc
    .tuple(fc.oneof(fc.integer({ min: 1, max: 0x7f }), fc.integer({ min: 1, max: 0xffff })), fc.boolean())
    .filter(([cp]) => cp < 0xd800 || cp > 0xdfff)
    .map(([cp, upper]) => '\\u' + hex4(cp, upper)),
  fc.tuple(fc.integer({ min: 0x10000, max: 0x10ffff }), fc.boolean()).map(([cp, upper]) => {
    const v = cp - 0x10000;
    return '\\u' + hex4(0xd800 + (v >> 10), upper) + '\\u' + hex4(0xdc00 + (v & 0x3ff), upper);
  }),
);
const jsonString = fc.array(fc.oneof(rawJsonChars, jsonEscape), { maxLength: 6 }).map((parts) => `"${parts.join('')}"`);
/** Keys from a small pool (many duplicates, some spelled with escapes) or random. */
const jsonKey = fc.oneof(
  fc.constantFrom('"a"', '"b"', '"A"', '"aa"', '"ab"', '""', '"\\u0061"', '"é"', '"\\u00e9"', '"😀"', '"\\ud83d\\ude00"', '"\uE000"', '"\uFF01a"', '"id"'),
  jsonString,
);

const { doc: jsonValue } = fc.letrec<{ doc: string; array: string; object: string }>((tie) => ({
  doc: fc.oneof(
    { maxDepth: 4, depthSize: 'small' },
    jsonNumber,
    jsonString,
    fc.constantFrom('true', 'false', 'null'),
    tie('array'),
    tie('object'),
  ),
  array: fc
    .tuple(jsonWhitespace, fc.array(fc.tuple(jsonWhitespace, tie('doc'), jsonWhitespace), { maxLength: 5 }))
    .map(([ws, items]) => '[' + (items.length === 0 ? ws : items.map((p) => p.join('')).join(',')) + ']'),
  object: fc
    .tuple(jsonWhitespace, fc.array(fc.tuple(jsonWhitespace, jsonKey, jsonWhitespace, jsonWhitespace, tie('doc'), jsonWhitespace), { maxLength: 6 }))
    .map(([ws, members]) => '{' + (members.length === 0 ? ws : members.map(([a, k, b, c, v, d]) => `${a}${k}${b}:${c}${v}${d}`).join(',')) + '}'),
}));
/** A whole document: any value, padded with JSON whitespace. */
const jsonDocument = fc.tuple(jsonWhitespace, jsonValue, jsonWhitespace).map((p) => p.join(''));

const textValue = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ unit: fc.constantFrom('\t', '\n', '\r', '\\', ' ', 'a', 'é', '😀', '"', "'", '-', ':', '\\N'), maxLength: 12 }),
  )
  .map((s) => s.replace(/\u0000/g, ''));

const float8Value = fc
  .oneof(
    fc.double({ noNaN: true }),
    fc.double({ noNaN: true, min: -2.2250738585072014e-308, max: 2.2250738585072014e-308 }), // subnormals
    fc.constantFrom(0, -0, Infinity, -Infinity, 5e-324, -5e-324, Number.MAX_VALUE, 0.1, 1e21, 123456789012345680000),
  )
  .map((x) => (Object.is(x, -0) ? '-0' : String(x)));

/** What the loader sends for a REAL into numeric: the exact decimal expansion of the double (up to 1074 fractional digits). */
const realDecimal = fc
  .oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(2 ** 64, 0.1, 5e-324, -5e-324, Number.MAX_VALUE, -0, 1e21))
  .map((x) => toNumeric(x, { precision: null, scale: null }) as string);

const decimalText = (maxInt: number, maxFrac: number) =>
  fc
    .record({
      minus: fc.boolean(),
      int: fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), digitString(0, maxInt - 1)).map(([a, b]) => a + b)),
      frac: fc.option(digitString(1, maxFrac), { nil: null }),
    })
    .map(({ minus, int, frac }) => (minus ? '-' : '') + int + (frac === null ? '' : '.' + frac));

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const daysIn = (y: number, m: number): number => new Date(Date.UTC(2000, m, 0)).getUTCDate() - (m === 2 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 1 : 0);
const dateParts = fc
  .oneof(
    fc.record({ y: fc.integer({ min: 1, max: 9999 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) }),
    fc.constantFrom({ y: 1, m: 1, d: 1 }, { y: 9999, m: 12, d: 31 }, { y: 1970, m: 1, d: 1 }, { y: 1969, m: 12, d: 31 }, { y: 2000, m: 2, d: 29 }, { y: 99, m: 3, d: 4 }),
  )
  .map(({ y, m, d }) => ({ y, m, d: Math.min(d, daysIn(y, m)) }));
const dateValue = dateParts.map(({ y, m, d }) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
const timestampValue = fc
  .tuple(
    dateValue,
    fc.integer({ min: 0, max: 23 }),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 0, max: 59 }),
    fc.oneof(fc.integer({ min: 0, max: 999_999 }), fc.constantFrom(0, 1, 999_999)),
  )
  .map(([date, h, mi, s, us]) => `${date} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(us, 6)}`);

// ---- the table -------------------------------------------------------------------------------------

interface Column {
  readonly name: string;
  readonly pgType: string;
  readonly cast: ColumnCast;
  readonly value: fc.Arbitrary<string>;
}

const COLUMNS: readonly Column[] = [
  { name: 'txt', pgType: 'text', cast: { kind: 'text' }, value: textValue },
  { name: 'Odd "col" näme', pgType: 'varchar(100)', cast: { kind: 'text' }, value: textValue },
  { name: 'i2', pgType: 'smallint', cast: { kind: 'integer', bits: 16 }, value: fc.integer({ min: -32768, max: 32767 }).map(String) },
  { name: 'i4', pgType: 'integer', cast: { kind: 'integer', bits: 32 }, value: fc.integer().map(String) },
  { name: 'i8', pgType: 'bigint', cast: { kind: 'integer', bits: 64 }, value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) },
  { name: 'f8', pgType: 'double precision', cast: { kind: 'float8' }, value: float8Value },
  { name: 'num', pgType: 'numeric', cast: { kind: 'numeric', precision: null, scale: null }, value: decimalText(40, 30) },
  { name: 'num_14_4', pgType: 'numeric(14,4)', cast: { kind: 'numeric', precision: 14, scale: 4 }, value: decimalText(10, 4) },
  { name: 'num_real', pgType: 'numeric', cast: { kind: 'numeric', precision: null, scale: null }, value: realDecimal },
  { name: 'flag', pgType: 'boolean', cast: { kind: 'boolean' }, value: fc.constantFrom('t', 'f') },
  { name: 'blob', pgType: 'bytea', cast: { kind: 'bytea', from: 'blob' }, value: fc.uint8Array({ maxLength: 24 }).map((b) => '\\x' + Buffer.from(b).toString('hex')) },
  { name: 'js', pgType: 'json', cast: { kind: 'json', target: 'json' }, value: jsonDocument },
  { name: 'jsb', pgType: 'jsonb', cast: { kind: 'json', target: 'jsonb' }, value: jsonDocument },
  { name: 'tstz', pgType: 'timestamptz', cast: { kind: 'datetime', target: 'timestamptz', format: 'iso8601', timeZone: 'UTC' }, value: timestampValue.map((t) => t + '+00') },
  { name: 'ts', pgType: 'timestamp', cast: { kind: 'datetime', target: 'timestamp', format: 'sqlite-datetime', timeZone: 'UTC' }, value: timestampValue },
  { name: 'd', pgType: 'date', cast: { kind: 'datetime', target: 'date', format: 'iso8601', timeZone: 'UTC' }, value: dateValue },
  { name: 'u', pgType: 'uuid', cast: { kind: 'uuid' }, value: fc.uuid().map((u) => u.toLowerCase()) },
];
const ALL = [{ name: 'id', pgType: 'bigint', cast: { kind: 'integer', bits: 64 } as ColumnCast }, ...COLUMNS];
const CANON = ALL.map((c) => canonicalizer(c.cast));
const SCHEMA = 'verify "schema"';
const TABLE = 'all kinds';
const TARGET = qualify(SCHEMA, TABLE);

/** One row: the pgTexts of id and every column, null for SQL NULL. */
type Row = readonly (string | null)[];

const rowsArbitrary = fc
  .array(fc.tuple(...COLUMNS.map((c) => fc.option(c.value, { nil: null, freq: 6 }))), { minLength: 1, maxLength: 12 })
  .map((rows) => rows.map((values, i): Row => [String(i + 1), ...values]));

function jsCanonical(row: Row): (string | null)[] {
  return row.map((v, i) => (v === null ? null : CANON[i]!(v)));
}

function jsChecksum(rows: readonly Row[]): { count: number; sum: string } {
  const acc = new ChecksumAccumulator();
  for (const row of rows) acc.add(canonicalRow(jsCanonical(row)));
  return acc.toJSON();
}

// ---- the server ------------------------------------------------------------------------------------

let db: TestDatabase;
/** Loads rows with default settings, as the loader's COPY session would. */
let loader: pg.Client;
/** Verifies with unusual settings: the canonical SQL must not depend on any of them. */
let verifier: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('canonical');
  loader = new pg.Client({ connectionString: db.url });
  verifier = new pg.Client({ connectionString: db.url });
  await Promise.all([loader.connect(), verifier.connect()]);
  await loader.query(`CREATE SCHEMA ${quoteIdent(SCHEMA)}`);
  await loader.query(`CREATE TABLE ${TARGET} (${ALL.map((c) => `${quoteIdent(c.name)} ${c.pgType}`).join(', ')})`);
  await verifier.query(
    `SET TimeZone = 'Pacific/Chatham'; SET DateStyle = 'SQL, DMY'; SET IntervalStyle = 'sql_standard'; ` +
      `SET extra_float_digits = -3; SET bytea_output = 'escape'`,
  );
});

afterAll(async () => {
  await Promise.allSettled([loader?.end(), verifier?.end()]);
  await db?.drop();
});

/** Replace the table's contents with `rows`, sending each pgText as a text parameter. */
async function load(rows: readonly Row[]): Promise<void> {
  const columns = ALL.map((c) => quoteIdent(c.name)).join(', ');
  const casts = ALL.map((c, i) => `u.v${i}::${c.pgType}`).join(', ');
  const params = ALL.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const aliases = ALL.map((_, i) => `v${i}`).join(', ');
  await loader.query(`TRUNCATE ${TARGET}`);
  await loader.query(
    `INSERT INTO ${TARGET} (${columns}) SELECT ${casts} FROM unnest(${params}) AS u(${aliases})`,
    ALL.map((_, i) => rows.map((r) => r[i])),
  );
}

async function pgChecksum(): Promise<{ count: number; sum: string }> {
  const r = await verifier.query<{ count: string; sum: string }>(tableChecksumSql(SCHEMA, TABLE, ALL));
  return { count: Number(r.rows[0]!.count), sum: r.rows[0]!.sum };
}

// ---- JS ⇄ SQL agreement ----------------------------------------------------------------------------

describe('canonical forms and checksums agree between JS and PostgreSQL', () => {
  it('for random rows of every kind (property)', async () => {
    // Order by the qualified bigint: a bare "id" would pick the output column, i.e. the text.
    const perColumn = `SELECT ${ALL.map((c) => canonicalSql(c.cast, `t.${quoteIdent(c.name)}`)).join(', ')} FROM ${TARGET} AS t ORDER BY t."id"`;
    const digests = rowDigestsSql(SCHEMA, TABLE, ALL, ['id']);
    await fc.assert(
      fc.asyncProperty(rowsArbitrary, async (rows) => {
        await load(rows);
        // Value by value first, so a failure names the column and value.
        const values = await verifier.query({ text: perColumn, rowMode: 'array' });
        expect(values.rows).toEqual(rows.map(jsCanonical));
        const byRow = await verifier.query({ text: digests, rowMode: 'array' });
        expect(byRow.rows).toEqual(
          [...rows].sort((a, b) => Number(a[0]) - Number(b[0])).map((row) => [row[0], rowDigest(canonicalRow(jsCanonical(row)))]),
        );
        expect(await pgChecksum()).toEqual(jsChecksum(rows));
      }),
      { numRuns: 200 },
    );
  });

  it('columns declared NOT NULL take the shorter row form: same checksum, and a NULL there still differs (property)', async () => {
    const declared = ALL.map((c) => ({ ...c, notNull: true }));
    const sql = tableChecksumSql(SCHEMA, TABLE, declared);
    expect(sql).not.toContain('COALESCE');
    const noNulls = fc
      .array(fc.tuple(...COLUMNS.map((c) => c.value)), { minLength: 1, maxLength: 12 })
      .map((rows) => rows.map((values, i): Row => [String(i + 1), ...values]));
    await fc.assert(
      fc.asyncProperty(noNulls, fc.nat(), async (rows, pick) => {
        await load(rows);
        const r = await verifier.query<{ count: string; sum: string }>(sql);
        expect({ count: Number(r.rows[0]!.count), sum: r.rows[0]!.sum }).toEqual(jsChecksum(rows));
        // A NULL where the declaration says there is none: the row leaves the sum, the count keeps it.
        const row = pick % rows.length;
        const col = 1 + (pick % COLUMNS.length);
        const withNull = rows.map((x, i) => (i === row ? x.map((v, j) => (j === col ? null : v)) : x));
        await load(withNull);
        const n = await verifier.query<{ count: string; sum: string }>(sql);
        expect(Number(n.rows[0]!.count)).toBe(rows.length);
        expect(n.rows[0]!.sum).not.toBe(jsChecksum(withNull).sum);
        expect(n.rows[0]!.sum).not.toBe(jsChecksum(rows).sum);
      }),
      { numRuns: 100 },
    );
  });

  it('canonicalJsonb equals jsonb::text for random documents (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(jsonDocument, { minLength: 1, maxLength: 25 }), async (docs) => {
        const r = await verifier.query<{ c: string }>('SELECT d::jsonb::text AS c FROM unnest($1::text[]) WITH ORDINALITY AS u(d, n) ORDER BY n', [docs]);
        expect(r.rows.map((x) => x.c)).toEqual(docs.map((d) => canonicalJsonb(d)));
      }),
      { numRuns: 300 },
    );
  });

  it('canonicalJsonb accepts exactly what jsonb accepts, for damaged documents (property)', async () => {
    const damage = fc.tuple(
      jsonDocument,
      fc.nat(),
      fc.constantFrom('delete', 'insert', 'insert', 'duplicate'),
      fc.constantFrom('"', '\\', ',', ':', '{', '}', '[', ']', '0', '-', '+', '.', 'e', 'E', '\u0001', '\u000b', '\u00a0', ' ', 'x', '\\u0000', '\\ud800', '\\udc00', '\\u', 'tru', '01', '1.', '.5', '\ufeff'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(damage, { minLength: 1, maxLength: 25 }), async (cases) => {
        // Damage whole code points: half a surrogate pair is not something UTF-8 text can hold.
        const docs = cases.map(([doc, at, how, piece]) => {
          const cps = Array.from(doc);
          const i = at % (cps.length + 1);
          if (how === 'delete') cps.splice(i, 1);
          else if (how === 'duplicate') cps.splice(i, 0, ...cps.slice(i, i + 1));
          else cps.splice(i, 0, piece);
          return cps.join('');
        });
        const r = await verifier.query<{ c: string | null }>(
          `SELECT CASE WHEN pg_input_is_valid(d, 'jsonb') THEN d::jsonb::text END AS c FROM unnest($1::text[]) WITH ORDINALITY AS u(d, n) ORDER BY n`,
          [docs],
        );
        const mine = docs.map((d) => {
          try {
            return canonicalJsonb(d);
          } catch (e) {
            if (e instanceof JsonCanonicalError) return null;
            throw e;
          }
        });
        expect(mine).toEqual(r.rows.map((x) => x.c));
      }),
      { numRuns: 300 },
    );
  });

  it('canonicalJsonb matches the server on hand-picked edge cases, valid and not', async () => {
    const docs = [
      '{"b":1,"a":[1.50e1,-0,-0.0,1E-2,1.23e-5,1e2, 0e-3, 0e5], "a":2, "aa":"\\u001f/\\u00e9", "":null}',
      '{"😀":1,"\\uE000":2,"𐀀":3,"\\uffff":4,"\\uff01a":5,"é":6,"z":7}',
      '{"a":{"k":1,"k":{"x":[{"y":1,"y":2}]}},"a":{"k":3}}',
      '"\\u0001\\u001F\\b\\f\\n\\r\\t\\"\\\\\\/\\u007f\u007f"',
      '[1e131071]',
      '1e-16383',
      '0e-16383',
      '0e1073741823',
      '-0e-2',
      '12345678901234567890123456789.123456789e-40',
      '0.' + '0'.repeat(16383),
      '9'.repeat(131072),
      '1e131072',
      '1e-16384',
      '0e1073741824',
      '0.' + '0'.repeat(16384),
      '9'.repeat(131073),
      '"\\u0000"',
      '"\\ud800"',
      '"\\udc00\\ud800"',
      '"\\ud800\\u0041"',
      ' \t\r\n[ ] ',
      '\u000b[]',
      '[1,]',
      '{"a" 1}',
      '01',
      '-',
      'nulll',
    ];
    const r = await verifier.query<{ c: string | null }>(
      `SELECT CASE WHEN pg_input_is_valid(d, 'jsonb') THEN d::jsonb::text END AS c FROM unnest($1::text[]) WITH ORDINALITY AS u(d, n) ORDER BY n`,
      [docs],
    );
    const mine = docs.map((d) => {
      try {
        return canonicalJsonb(d);
      } catch (e) {
        if (e instanceof JsonCanonicalError) return null;
        throw e;
      }
    });
    expect(mine).toEqual(r.rows.map((x) => x.c));
    expect(mine.filter((x) => x !== null)).toHaveLength(13); // the first twelve and the whitespace one
  });

  it('rowDigestsSql orders text keys bytewise even when the column collation does not', async () => {
    const table = 'text keys';
    await loader.query(`CREATE TABLE ${qualify(SCHEMA, table)} (k text COLLATE "und-x-icu", v integer)`);
    const keys = ['b', 'B', 'a', 'Z', 'é', 'e', '😀', '\uE000', '', ' ', 'aa'];
    await loader.query(`INSERT INTO ${qualify(SCHEMA, table)} SELECT k, n FROM unnest($1::text[]) WITH ORDINALITY AS u(k, n)`, [keys]);
    const columns = [
      { name: 'k', cast: { kind: 'text' } as ColumnCast },
      { name: 'v', cast: { kind: 'integer', bits: 32 } as ColumnCast },
    ];
    const r = await verifier.query({ text: rowDigestsSql(SCHEMA, table, columns, ['k']), rowMode: 'array' });
    const byCodePoint = keys.map((k, i) => [k, String(i + 1)] as const).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(r.rows).toEqual(byCodePoint.map(([k, v]) => [k, rowDigest(canonicalRow([k, v]))]));
    // The collation itself orders differently, so COLLATE "C" is what made the order above.
    const icu = await verifier.query<{ k: string }>(`SELECT k FROM ${qualify(SCHEMA, table)} ORDER BY k`);
    expect(icu.rows.map((x) => x.k)).not.toEqual(byCodePoint.map(([k]) => k));
  });

  it('an empty table has count 0 and sum 0 on both sides', async () => {
    await load([]);
    expect(await pgChecksum()).toEqual({ count: 0, sum: '0' });
    expect(jsChecksum([])).toEqual({ count: 0, sum: '0' });
  });
});

// ---- tampering is detected ---------------------------------------------------------------------------

const col = (name: string): number => {
  const i = ALL.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(name);
  return i;
};

function makeRow(id: number, values: Record<string, string | null>): Row {
  return ALL.map((c) => (c.name === 'id' ? String(id) : (values[c.name] ?? null)));
}

const BASE: readonly Row[] = [
  makeRow(1, {
    txt: 'trailing space ',
    'Odd "col" näme': 'ab',
    i2: '-32768',
    i4: '42',
    i8: '9223372036854775807',
    f8: '0.1',
    num: '12345678901234567890.123',
    num_14_4: '1.5',
    num_real: '0.1000000000000000055511151231257827021181583404541015625',
    flag: 't',
    blob: '\\x00ff10',
    js: '{"a":1}',
    jsb: '{"price": 1.0, "meta": {"k": [1, "x"]}}',
    tstz: '2024-06-30 12:34:56.789012+00',
    ts: '0001-01-01 00:00:00.000000',
    d: '0099-03-04',
    u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  }),
  makeRow(2, {
    txt: 'tab\there\\ and\nnewline',
    'Odd "col" näme': 'c',
    f8: '-0',
    num: '-0.5',
    num_14_4: '-99.9999',
    flag: 'f',
    blob: '\\x',
    jsb: '[]',
    tstz: '1969-12-31 23:59:59.999999+00',
    ts: '9999-12-31 23:59:59.999999',
    d: '2000-02-29',
  }),
  makeRow(3, { txt: '', f8: '5e-324', i8: '-9223372036854775808', num: '0', jsb: '"é😀"' }),
];

/** `rows` with one column of one row replaced. */
function withValue(rows: readonly Row[], rowIndex: number, column: string, value: string | null): Row[] {
  return rows.map((r, i) => (i === rowIndex ? r.map((v, j) => (j === col(column) ? value : v)) : r));
}

/** Each case: what the JS side hashed, and what PostgreSQL ended up holding. */
const TAMPERS: readonly { name: string; js?: readonly Row[]; pg: readonly Row[] }[] = [
  { name: 'text: trailing space stripped', pg: withValue(BASE, 0, 'txt', 'trailing space') },
  { name: 'text: one character changed', pg: withValue(BASE, 1, 'txt', 'tab\there\\ and\nnewlinE') },
  { name: 'text: NUL stripped', js: withValue(BASE, 0, 'txt', 'a\u0000b'), pg: withValue(BASE, 0, 'txt', 'ab') },
  { name: 'text: empty string became NULL', pg: withValue(BASE, 2, 'txt', null) },
  { name: 'text: NULL became empty string', pg: withValue(BASE, 2, 'Odd "col" näme', '') },
  { name: 'text: NULL became "-"', pg: withValue(BASE, 2, 'Odd "col" näme', '-') },
  { name: 'text: boundary between two columns moved', pg: withValue(withValue(BASE, 0, 'txt', 'trailing space a'), 0, 'Odd "col" näme', 'b') },
  { name: 'smallint +1', pg: withValue(BASE, 0, 'i2', '-32767') },
  { name: 'integer +1', pg: withValue(BASE, 0, 'i4', '43') },
  { name: 'bigint -1', pg: withValue(BASE, 0, 'i8', '9223372036854775806') },
  { name: 'float8: next double', pg: withValue(BASE, 0, 'f8', '0.10000000000000002') },
  { name: 'float8: -0 became 0', pg: withValue(BASE, 1, 'f8', '0') },
  { name: 'float8: smallest subnormal doubled', pg: withValue(BASE, 2, 'f8', '1e-323') },
  { name: 'numeric: last digit', pg: withValue(BASE, 0, 'num', '12345678901234567890.124') },
  { name: 'numeric(14,4): smallest step', pg: withValue(BASE, 0, 'num_14_4', '1.5001') },
  { name: 'numeric from REAL: last digit of the exact expansion', pg: withValue(BASE, 0, 'num_real', '0.1000000000000000055511151231257827021181583404541015624') },
  { name: 'numeric from REAL: the shortest round-trip text instead of the exact value', pg: withValue(BASE, 0, 'num_real', '0.1') },
  { name: 'numeric: sign', pg: withValue(BASE, 1, 'num', '0.5') },
  { name: 'boolean flipped', pg: withValue(BASE, 0, 'flag', 'f') },
  { name: 'bytea: one byte changed', pg: withValue(BASE, 0, 'blob', '\\x00ff11') },
  { name: 'bytea: NUL byte stripped', pg: withValue(BASE, 0, 'blob', '\\xff10') },
  { name: 'bytea: empty became NULL', pg: withValue(BASE, 1, 'blob', null) },
  { name: 'json: whitespace is part of a json value', pg: withValue(BASE, 0, 'js', '{"a": 1}') },
  { name: 'jsonb: 1.0 became 1', pg: withValue(BASE, 0, 'jsb', '{"price": 1, "meta": {"k": [1, "x"]}}') },
  { name: 'jsonb: nested key renamed', pg: withValue(BASE, 0, 'jsb', '{"price": 1.0, "meta": {"K": [1, "x"]}}') },
  { name: 'jsonb: array order', pg: withValue(BASE, 0, 'jsb', '{"price": 1.0, "meta": {"k": ["x", 1]}}') },
  { name: 'jsonb: string value', pg: withValue(BASE, 2, 'jsb', '"é😁"') },
  { name: 'timestamptz +1 µs', pg: withValue(BASE, 0, 'tstz', '2024-06-30 12:34:56.789013+00') },
  { name: 'timestamptz -1 µs before the epoch', pg: withValue(BASE, 1, 'tstz', '1969-12-31 23:59:59.999998+00') },
  { name: 'timestamp +1 µs at year 1', pg: withValue(BASE, 0, 'ts', '0001-01-01 00:00:00.000001') },
  { name: 'date +1 day', pg: withValue(BASE, 0, 'd', '0099-03-05') },
  { name: 'uuid last digit', pg: withValue(BASE, 0, 'u', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12') },
  { name: 'row duplicated', pg: [...BASE, BASE[0]!] },
  { name: 'row missing', pg: BASE.slice(1) },
  { name: 'extra row', pg: [...BASE, makeRow(4, {})] },
  { name: 'one row replaced by a copy of another (same count)', pg: [BASE[0]!, BASE[1]!, BASE[1]!] },
  { name: 'values swapped between rows', pg: withValue(withValue(BASE, 0, 'i4', null), 2, 'i4', '42') },
];

/** Different pgTexts of the same stored values: these must NOT mismatch. */
const EQUIVALENT: readonly { name: string; pg: readonly Row[] }[] = [
  { name: 'numeric(14,4) pads 1.5 to 1.5000', pg: withValue(BASE, 0, 'num_14_4', '1.50000') },
  { name: 'numeric trailing zeros', pg: withValue(BASE, 0, 'num', '12345678901234567890.12300') },
  { name: 'numeric -0', pg: withValue(BASE, 2, 'num', '-0.000') },
  { name: 'float8 exponent spelling', pg: withValue(BASE, 0, 'f8', '1e-1') },
  { name: 'jsonb whitespace, key order and duplicate keys', pg: withValue(BASE, 0, 'jsb', ' {"meta":{"k":[1,"\\u0078"]},"price":2,"price":1.0}') },
  { name: 'bytea hex case', pg: withValue(BASE, 0, 'blob', '\\x00FF10') },
  { name: 'uuid case', pg: withValue(BASE, 0, 'u', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11') },
  { name: 'timestamptz in another offset', pg: withValue(BASE, 0, 'tstz', '2024-06-30 14:34:56.789012+02') },
];

describe('checksums catch every tamper', () => {
  it('the untampered base rows match', async () => {
    await load(BASE);
    expect(await pgChecksum()).toEqual(jsChecksum(BASE));
  });

  it.each(TAMPERS)('$name', async ({ js = BASE, pg: loaded }) => {
    await load(loaded);
    const server = await pgChecksum();
    // Both sides agree on what was actually loaded, so the difference below is the tamper's.
    expect(server).toEqual(jsChecksum(loaded));
    expect(server.sum).not.toBe(jsChecksum(js).sum);
  });

  it.each(EQUIVALENT)('no false mismatch: $name', async ({ pg: loaded }) => {
    await load(loaded);
    expect(await pgChecksum()).toEqual(jsChecksum(BASE));
  });
});
