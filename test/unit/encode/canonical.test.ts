import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ColumnCast } from '../../../src/model/plan.js';
import { JsonCanonicalError } from '../../../src/encode/canonical-json.js';
import { canonicalizer, canonicalRow, canonicalRowSql, canonicalSql, utf8Length } from '../../../src/encode/canonical.js';

const cast = {
  text: { kind: 'text' },
  int64: { kind: 'integer', bits: 64 },
  float8: { kind: 'float8' },
  numeric: { kind: 'numeric', precision: null, scale: null },
  numeric102: { kind: 'numeric', precision: 10, scale: 2 },
  boolean: { kind: 'boolean' },
  bytea: { kind: 'bytea', from: 'blob' },
  json: { kind: 'json', target: 'json' },
  jsonb: { kind: 'json', target: 'jsonb' },
  timestamptz: { kind: 'datetime', target: 'timestamptz', format: 'iso8601', timeZone: 'UTC' },
  timestamp: { kind: 'datetime', target: 'timestamp', format: 'sqlite-datetime', timeZone: 'Europe/Berlin' },
  date: { kind: 'datetime', target: 'date', format: 'iso8601', timeZone: 'UTC' },
  uuid: { kind: 'uuid' },
} satisfies Record<string, ColumnCast>;

describe('canonicalizer (JS side)', () => {
  it('text, integer, json→json and date are the pgText itself', () => {
    const text = 'a\tb\nc\\d é 😀 ';
    expect(canonicalizer(cast.text)(text)).toBe(text);
    expect(canonicalizer(cast.int64)('-9223372036854775808')).toBe('-9223372036854775808');
    expect(canonicalizer(cast.json)('{ "b":1,  "a" : 1.0 }')).toBe('{ "b":1,  "a" : 1.0 }');
    expect(canonicalizer(cast.date)('0099-03-04')).toBe('0099-03-04');
  });

  it.each([
    ['0', '0000000000000000'],
    ['-0', '8000000000000000'],
    ['1', '3ff0000000000000'],
    ['-2', 'c000000000000000'],
    ['0.1', '3fb999999999999a'],
    ['0.30000000000000004', '3fd3333333333334'],
    ['Infinity', '7ff0000000000000'],
    ['-Infinity', 'fff0000000000000'],
    ['5e-324', '0000000000000001'],
    ['-5e-324', '8000000000000001'],
    ['2.225073858507201e-308', '000fffffffffffff'],
    ['2.2250738585072014e-308', '0010000000000000'],
    ['1.7976931348623157e+308', '7fefffffffffffff'],
    ['1e+21', '444b1ae4d6e2ef50'],
    ['123456789012345680000', '441ac53a7e04bcda'],
  ])('float8 %s → %s', (text, bits) => {
    expect(canonicalizer(cast.float8)(text)).toBe(bits);
  });

  it('float8: equal doubles share bits whatever the text, different ones do not', () => {
    const f = canonicalizer(cast.float8);
    expect(f('1e2')).toBe(f('100'));
    expect(f('0')).not.toBe(f('-0'));
    expect(f('0.1')).not.toBe(f('0.10000000000000002'));
  });

  it.each([
    ['1.50', '1.5'],
    ['1.000', '1'],
    ['100', '100'],
    ['100.00', '100'],
    ['0', '0'],
    ['0.0', '0'],
    ['-0', '0'],
    ['-0.00', '0'],
    ['-1.50', '-1.5'],
    ['-0.0010', '-0.001'],
    ['007.10', '7.1'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['+3.0', '3'],
    ['12345678901234567890.12345678901234567890', '12345678901234567890.1234567890123456789'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['-Infinity', '-Infinity'],
  ])('numeric %s → %s', (text, canon) => {
    expect(canonicalizer(cast.numeric)(text)).toBe(canon);
    expect(canonicalizer(cast.numeric102)(text)).toBe(canon);
  });

  it('boolean, bytea and uuid', () => {
    expect(canonicalizer(cast.boolean)('t')).toBe('t');
    expect(canonicalizer(cast.boolean)('f')).toBe('f');
    expect(canonicalizer(cast.bytea)('\\x')).toBe('');
    expect(canonicalizer(cast.bytea)('\\x00DEadbeef')).toBe('00deadbeef');
    expect(canonicalizer(cast.uuid)('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  });

  it('jsonb goes through canonicalJsonb and throws JsonCanonicalError on invalid input', () => {
    const f = canonicalizer(cast.jsonb);
    expect(f('{"b":[1.0,2e1],"a":{"y":1,"x":2},"a":null}')).toBe('{"a": null, "b": [1.0, 20]}');
    expect(() => f('{"a":1,}')).toThrow(JsonCanonicalError);
    // json (not jsonb) keeps the text verbatim and does not parse it.
    expect(canonicalizer(cast.json)('{"a":1,}')).toBe('{"a":1,}');
  });

  it.each([
    ['1970-01-01 00:00:00.000000+00', '0'],
    ['1970-01-01 00:00:00.000001+00', '1'],
    ['1969-12-31 23:59:59.999999+00', '-1'],
    ['1969-12-31 23:59:59.000000+00', '-1000000'],
    ['1969-12-31 23:59:58.500000+00', '-1500000'],
    ['1970-01-01 00:00:01.000000+00', '1000000'],
    ['1970-01-01 00:00:00.5+00', '500000'],
    ['0001-01-01 00:00:00.000000+00', '-62135596800000000'],
    ['0001-01-01 00:00:00.000001+00', '-62135596799999999'],
    ['9999-12-31 23:59:59.999999+00', '253402300799999999'],
    ['2000-02-29 12:00:00.000000+00', '951825600000000'],
    ['1900-03-01 00:00:00.000000+00', '-2203891200000000'],
    ['2024-06-30 12:34:56.789012+00', '1719750896789012'],
    ['2024-06-30T12:34:56.789012Z', '1719750896789012'],
    ['2024-06-30 14:34:56.789012+02', '1719750896789012'],
    ['2024-06-30 07:04:56.789012-05:30', '1719750896789012'],
    ['1970-01-01 00:00:00+00:00:01', '-1000000'],
    ['1970-01-01 24:00:00+00', '86400000000'],
    ['1970-01-01 23:59:60+00', '86400000000'],
  ])('timestamptz %s → %s µs', (text, micros) => {
    expect(canonicalizer(cast.timestamptz)(text)).toBe(micros);
  });

  it('timestamp: the nominal epoch; a zone in the literal is ignored as PostgreSQL ignores it', () => {
    const f = canonicalizer(cast.timestamp);
    expect(f('2024-06-30 12:34:56.789012')).toBe('1719750896789012');
    expect(f('2024-06-30 12:34:56.789012+02')).toBe('1719750896789012');
    expect(f('0001-01-01 00:00:00.000000')).toBe('-62135596800000000');
  });

  it('timestamps agree with Date.UTC wherever a double holds the microseconds', () => {
    const f = canonicalizer(cast.timestamptz);
    fc.assert(
      fc.property(fc.integer({ min: -2_000_000_000_000, max: 2_000_000_000_000 }), fc.integer({ min: 0, max: 999 }), (ms, extraMicros) => {
        const iso = new Date(ms).toISOString(); // 1906–2033, YYYY-MM-DDTHH:MM:SS.mmmZ
        const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(extraMicros).padStart(3, '0')}+00`;
        expect(f(text)).toBe(String(ms * 1000 + extraMicros));
      }),
    );
  });

  it.each([
    ['float8', cast.float8, ['', 'abc', '1,5', 'NaNx']],
    ['numeric', cast.numeric, ['', '-', '.', '1e5', '1.2.3', 'abc', 'nan', ' 1']],
    ['boolean', cast.boolean, ['true', 'T', '1', '']],
    ['bytea', cast.bytea, ['deadbeef', '\\\\x00', '']],
    ['timestamptz', cast.timestamptz, ['2024-06-30', '2024-02-30 00:00:00+00', '2023-02-29 00:00:00+00', '2024-13-01 00:00:00+00', '2024-06-30 12:60:00+00', '2024-06-30 24:00:01+00', '2024-06-30 12:00:00.1234567+00', '2024-06-30 12:00:00.+00', '2024-06-30 12:00:00 UTC', '0000-01-01 00:00:00+00', '2024-06-30 12:00:00+0']],
  ] as const)('%s: text outside the loader contract throws', (_kind, c, texts) => {
    for (const text of texts) expect(() => canonicalizer(c)(text), text).toThrow(/not .* input text/);
  });
});

describe('canonicalRow', () => {
  it('prefixes each value with its UTF-8 byte length and marks NULL with -', () => {
    expect(canonicalRow([])).toBe('');
    expect(canonicalRow([null])).toBe('-');
    expect(canonicalRow([''])).toBe('0:');
    expect(canonicalRow(['-'])).toBe('1:-');
    expect(canonicalRow(['a', 'bc', null, ''])).toBe('1:a2:bc-0:');
    expect(canonicalRow(['é', '€', '😀'])).toBe('2:é3:€4:😀');
    const long = 'x'.repeat(100) + 'é😀';
    expect(canonicalRow([long])).toBe(`106:${long}`);
  });

  it('is unambiguous: shifted boundaries, NULL vs empty vs "-" all differ', () => {
    const rows: (string | null)[][] = [
      ['ab', 'c'],
      ['a', 'bc'],
      ['abc', ''],
      ['abc', null],
      [null, 'abc'],
      ['', 'abc'],
      ['-', null],
      [null, '-'],
      ['-', '-'],
      [null, null],
      ['', ''],
      ['1:a', ''],
      ['1', 'a'],
      ['3:abc', null],
    ];
    const forms = rows.map((r) => canonicalRow(r));
    expect(new Set(forms).size).toBe(rows.length);
  });

  it('decodes back to the same values (property)', () => {
    const value = fc.option(fc.string({ unit: 'binary', maxLength: 80 }), { nil: null });
    fc.assert(
      fc.property(fc.array(value, { maxLength: 8 }), (values) => {
        expect(decodeRow(canonicalRow(values))).toEqual(values);
      }),
    );
  });

  it('utf8Length matches Buffer.byteLength, short and long strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
      }),
    );
    expect(utf8Length('\ud800x')).toBe(Buffer.byteLength('\ud800x')); // lone surrogate → U+FFFD
  });
});

/** Inverse of canonicalRow, to show no information is lost. */
function decodeRow(form: string): (string | null)[] {
  const bytes = Buffer.from(form, 'utf8');
  const out: (string | null)[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] === 0x2d) {
      out.push(null);
      i++;
      continue;
    }
    const colon = bytes.indexOf(0x3a, i);
    const n = Number(bytes.subarray(i, colon).toString('latin1'));
    out.push(bytes.subarray(colon + 1, colon + 1 + n).toString('utf8'));
    i = colon + 1 + n;
  }
  return out;
}

describe('canonicalSql (SQL side; checked against the server in test/integration/canonical.test.ts)', () => {
  it('builds one strict, setting-independent expression per kind', () => {
    const ref = '"r"."my ""col"""';
    expect(canonicalSql(cast.text, ref)).toBe(`("r"."my ""col""")::text`);
    expect(canonicalSql(cast.int64, ref)).toBe(`("r"."my ""col""")::text`);
    expect(canonicalSql(cast.float8, ref)).toBe(`encode(float8send(("r"."my ""col""")), 'hex')`);
    expect(canonicalSql(cast.numeric102, ref)).toBe(`trim_scale(("r"."my ""col"""))::text`);
    expect(canonicalSql(cast.boolean, ref)).toBe(`CASE ("r"."my ""col""") WHEN true THEN 't' WHEN false THEN 'f' END`);
    expect(canonicalSql(cast.bytea, ref)).toBe(`encode(("r"."my ""col"""), 'hex')`);
    expect(canonicalSql(cast.json, ref)).toBe(`("r"."my ""col""")::text`);
    expect(canonicalSql(cast.jsonb, ref)).toBe(`("r"."my ""col""")::text`);
    expect(canonicalSql(cast.timestamptz, ref)).toBe(`trim_scale(extract(epoch from ("r"."my ""col""")) * 1000000)::text`);
    expect(canonicalSql(cast.timestamp, ref)).toBe(`trim_scale(extract(epoch from ("r"."my ""col""")) * 1000000)::text`);
    expect(canonicalSql(cast.date, ref)).toBe(
      `CASE WHEN NOT isfinite(("r"."my ""col""")) THEN ("r"."my ""col""")::text WHEN extract(year from ("r"."my ""col""")) < 0 THEN to_char(("r"."my ""col"""), 'YYYY-MM-DD BC') ELSE to_char(("r"."my ""col"""), 'YYYY-MM-DD') END`,
    );
    expect(canonicalSql(cast.uuid, ref)).toBe(`("r"."my ""col""")::text`);
  });

  it('canonicalRowSql concatenates length-prefixed values with NULL as -', () => {
    expect(canonicalRowSql([])).toBe(`''`);
    expect(canonicalRowSql([{ cast: cast.text, ref: '"a"' }, { cast: cast.bytea, ref: '"b"' }])).toBe(
      `COALESCE(octet_length(("a")::text)::text || ':' || ("a")::text, '-') || ` +
        `COALESCE(octet_length(encode(("b"), 'hex'))::text || ':' || encode(("b"), 'hex'), '-')`,
    );
  });
});
