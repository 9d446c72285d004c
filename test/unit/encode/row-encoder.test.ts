/** createRowEncoder(): COPY text and canonical form of a row, the checks before the casts, and the streaming path of large values. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LoadError } from '../../../src/errors.js';
import type { ColumnPlan, TablePlan } from '../../../src/model/plan.js';
import { createRowEncoder, isRowProblem, LARGE_VALUE, storedAsDecoded, type EncodedRow } from '../../../src/encode/row-encoder.js';
import { columnSelectSql, selectSql, utf8CheckedColumns } from '../../../src/source/read-rows.js';
import { copyFromSql, createTableSql } from '../../../src/plan/ddl.js';
import { canonicalRow } from '../../../src/encode/canonical.js';

const c = (source: string, cast: ColumnPlan['cast'], extra: Partial<ColumnPlan> = {}): ColumnPlan => ({
  source, target: source, pgType: 'text', notNull: false, defaultSql: null, cast, onError: 'quarantine', nul: 'quarantine', identity: false, reason: '', ...extra,
});

function plan(columns: ColumnPlan[]): TablePlan {
  return { source: 't', target: 't', columns, skippedColumns: [], readKey: { kind: 'rowid' }, primaryKey: null, indexes: [], foreignKeys: [], checks: [], touchColumn: null, rowCount: 0 };
}

const TEXT = { kind: 'text' } as const;
const BYTEA = { kind: 'bytea', from: 'blob' } as const;
const INT = { kind: 'integer', bits: 64 } as const;

function encoded(r: ReturnType<ReturnType<typeof createRowEncoder>>): EncodedRow {
  if (isRowProblem(r)) throw new Error(`problem: ${r.reason}`);
  return r;
}

describe('row encoder: invalid UTF-8', () => {
  const t = plan([c('id', INT), c('s', TEXT)]);
  // Row layout: rowid, id, s, then the UTF-8 check column of s.
  const enc = createRowEncoder(t, () => 'id=1');

  it('selects a check column only for text and json columns, after the planned columns', () => {
    expect(utf8CheckedColumns(t)).toEqual([1]);
    expect(selectSql(t, null)).toBe(`SELECT _rowid_, "id", "s", CASE WHEN instr("s", char(65533)) > 0 THEN CAST("s" AS BLOB) END FROM "t" ORDER BY _rowid_`);
  });

  it('tells a genuine U+FFFD from a decoded invalid sequence', () => {
    expect(storedAsDecoded('ok', undefined)).toBe(true);
    expect(storedAsDecoded('\uFFFD', Buffer.from('efbfbd', 'hex'))).toBe(true);
    // F0 9F 98 (a cut 4-byte sequence) decodes to one U+FFFD of the same byte length: the bytes decide.
    expect(storedAsDecoded('\uFFFD', null)).toBe(false);
    expect(storedAsDecoded('A\uFFFDB\uFFFD', Buffer.from('41ff42efbfbd', 'hex'))).toBe(false);
  });

  it('quarantines by default, naming the stored bytes when it has them', () => {
    const r = enc([1n, 1n, 'A\uFFFDB', null], 1);
    expect(isRowProblem(r) && r.reason).toMatch(/^TEXT whose stored bytes are not valid UTF-8: read as "A\uFFFDB"/);
    const withBytes = enc([1n, 1n, 'A\uFFFDB\uFFFD', Buffer.from('41ff42efbfbd', 'hex')], 1);
    expect(isRowProblem(withBytes) && withBytes.value).toBe("x'41ff42efbfbd' (6 bytes)");
    expect(encoded(enc([1n, 1n, '\uFFFD', Buffer.from('efbfbd', 'hex')], 1)).line).toBe('1\t\uFFFD\n');
  });

  it('replaces (recorded) or stops the load when the mapping says so', () => {
    const replace = createRowEncoder(plan([c('id', INT), c('s', TEXT, { invalidUtf8: 'replace' })]), () => 'id=1');
    const r = encoded(replace([1n, 1n, 'A\uFFFDB', null], 1));
    expect(r.line).toBe('1\tA\uFFFDB\n');
    expect(r.nulled).toEqual([{ column: 's', value: 'A\uFFFDB', reason: 'loaded with U+FFFD in place of invalid UTF-8 (invalidUtf8: replace)' }]);
    const fail = createRowEncoder(plan([c('id', INT), c('s', TEXT, { invalidUtf8: 'fail' })]), () => 'id=1');
    expect(() => fail([1n, 1n, 'A\uFFFDB', null], 1)).toThrow(LoadError);
  });
});

describe('row encoder: NUL', () => {
  it('records each value nul: strip changed, and stops on nul: fail', () => {
    const strip = createRowEncoder(plan([c('s', TEXT, { nul: 'strip' })]), () => 'k');
    const r = encoded(strip([1n, 'a\0b\0', null], 1));
    expect(r.line).toBe('ab\n');
    expect(r.nulled).toEqual([{ column: 's', value: 'a\\0b\\0', reason: 'loaded without its 2 NUL characters (nul: strip)' }]);
    const fail = createRowEncoder(plan([c('s', TEXT, { nul: 'fail' })]), () => 'k');
    expect(() => fail([1n, 'a\0', null], 1)).toThrow(LoadError);
  });
});

describe('row encoder: generated columns', () => {
  const t = plan([c('w', { kind: 'float8' }, { pgType: 'double precision' }), c('area', { kind: 'float8' }, { pgType: 'double precision', generated: { sql: '("w" * 2)' } })]);

  it('leaves them out of COPY but hashes the value SQLite computed', () => {
    const r = encoded(createRowEncoder(t, () => 'k')([1n, 1.5, 3], 1));
    expect(r.line).toBe('1.5\n');
    expect(r.canonical).toBe(canonicalRow(['3ff8000000000000', '4008000000000000']));
    expect(copyFromSql('s', t)).toBe('COPY "s"."t" ("w") FROM STDIN');
    expect(createTableSql('s', t)).toBe('CREATE TABLE "s"."t" (\n  "w" double precision,\n  "area" double precision GENERATED ALWAYS AS (("w" * 2)) STORED\n) WITH (autovacuum_enabled = false)');
  });
});

describe('row encoder: cast text-bytes', () => {
  it('reads TEXT values as their stored bytes', () => {
    expect(columnSelectSql(c('s', { kind: 'bytea', from: 'text-bytes' }))).toBe(`CASE WHEN typeof("s") = 'text' THEN CAST("s" AS BLOB) ELSE "s" END`);
    expect(utf8CheckedColumns(plan([c('s', { kind: 'bytea', from: 'text-bytes' })]))).toEqual([]);
  });
});

describe('row encoder: large values are streamed, with the same bytes and checksum', () => {
  const t = plan([c('id', INT), c('b', BYTEA), c('s', TEXT)]);
  const enc = createRowEncoder(t, () => 'k');
  const blob = Buffer.alloc(LARGE_VALUE + 12345);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 7) & 0xff;
  // A text that crosses piece boundaries with escapes and surrogate pairs.
  const text = 'a\tb\\c😀é\n'.repeat(Math.ceil((LARGE_VALUE + 999) / 9));

  it('gives pieces and a digest; line and canonical equal the small path', () => {
    const r = encoded(enc([1n, 7n, blob, text, null], 1));
    expect(r.pieces).toBeDefined();
    const sent = Buffer.concat([...r.pieces!]);
    const expectedLine = `7\t\\\\x${blob.toString('hex')}\t${text.replace(/[\\\t\n\r]/g, (x) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[x]!)}\n`;
    expect(sent.equals(Buffer.from(expectedLine, 'utf8'))).toBe(true);
    expect(r.line).toBe(expectedLine);
    const canonical = canonicalRow(['7', blob.toString('hex'), text]);
    expect(r.canonical).toBe(canonical);
    expect(r.digest!.equals(createHash('md5').update(canonical, 'utf8').digest())).toBe(true);
  });

  it('applies the same rules to large values: a BLOB in a text column is still quarantined', () => {
    const r = enc([1n, 7n, null, blob, null], 1);
    expect(isRowProblem(r) && r.reason).toBe(`BLOB value in a text column (${blob.length} bytes): map the column as bytea`);
  });
});
