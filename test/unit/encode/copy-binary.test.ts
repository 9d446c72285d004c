/** The binary COPY writer's bytes, and which tables go binary (the stored values: test/integration/copy-binary.test.ts). */
import { describe, expect, it } from 'vitest';
import type { ColumnPlan, TablePlan } from '../../../src/model/plan.js';
import { binaryFields } from '../../../src/plan/copy-binary.js';
import { copyFromSql } from '../../../src/plan/ddl.js';
import { BINARY_HEADER, BINARY_TRAILER, createTupleWriter } from '../../../src/encode/copy-binary.js';

const col = (source: string, pgType: string, cast: ColumnPlan['cast'], extra: Partial<ColumnPlan> = {}): ColumnPlan => ({
  source, target: source, pgType, notNull: false, defaultSql: null, cast, onError: 'quarantine', nul: 'quarantine', identity: false, reason: '', ...extra,
});
const plan = (columns: ColumnPlan[]): TablePlan => ({
  source: 't', target: 't', columns, skippedColumns: [], readKey: { kind: 'rowid' }, primaryKey: null, indexes: [], foreignKeys: [], checks: [], touchColumn: null, rowCount: 0,
});

function tuple(fields: Parameters<typeof createTupleWriter>[0], values: (string | null)[], moments: Parameters<typeof createTupleWriter>[1] = []): string {
  const w = createTupleWriter(fields, moments);
  const buf = Buffer.alloc(w.maxBytes(values));
  const end = w.write(buf, 0, values);
  return end < 0 ? 'refused' : buf.subarray(0, end).toString('hex');
}

describe('binary COPY', () => {
  it('frames the data as PostgreSQL documents it', () => {
    expect(BINARY_HEADER.toString('hex')).toBe('5047434f50590aff0d0a00' + '00000000' + '00000000');
    expect(BINARY_TRAILER.toString('hex')).toBe('ffff');
    expect(copyFromSql('s', plan([col('a', 'text', { kind: 'text' })]), 'binary')).toBe('COPY "s"."t" ("a") FROM STDIN (FORMAT binary)');
  });

  it('writes each kind of field as its receive function reads it', () => {
    expect(tuple(['int2', 'int4', 'int8'], ['-2', '65536', '-9223372036854775808'])).toBe('0003' + '00000002fffe' + '0000000400010000' + '000000088000000000000000');
    expect(tuple(['int8', 'int8'], ['-1', '9007199254740993'])).toBe('0002' + '00000008ffffffffffffffff' + '000000080020000000000001');
    expect(tuple(['float8', 'float8', 'bool', 'bool'], ['-0', 'NaN', 't', 'f'])).toBe('0004' + '000000088000000000000000' + '000000087ff8000000000000' + '0000000101' + '0000000100');
    expect(tuple(['text', 'json', 'jsonb'], ['é\t', '[]', '{}'])).toBe('0003' + '00000003c3a909' + '000000025b5d' + '00000003017b7d');
    expect(tuple(['uuid', 'bytea', 'bytea'], ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff', '\\x'])).toBe('0003' + '00000010a0eebc999c0b4ef8bb6d6bb9bd380a11' + '0000000200ff' + '00000000');
    expect(tuple(['text', 'int8'], [null, null])).toBe('0002' + 'ffffffff' + 'ffffffff');
  });

  it('writes timestamps as microseconds since 2000-01-01 from the converter moment, exactly far from it too', () => {
    const at = (seconds: number, micros: number) => tuple(['timestamp'], ['(text unused)'], [{ seconds, micros }]).slice(12);
    expect(at(946_684_800, 0)).toBe('0000000000000000');
    expect(at(946_684_799, 999_999)).toBe('ffffffffffffffff');
    const far = (seconds: number, micros: number) => BigInt.asIntN(64, BigInt('0x' + at(seconds, micros)));
    // 9999-12-31 23:59:59.999999 and 0001-01-01 00:00:00: beyond 2^53 µs, the BigInt branch.
    expect(far(253_402_300_799, 999_999)).toBe((253_402_300_799n - 946_684_800n) * 1_000_000n + 999_999n);
    expect(far(-62_135_596_800, 0)).toBe((-62_135_596_800n - 946_684_800n) * 1_000_000n);
    expect(far(946_684_800 + 8_999_999_999, 1)).toBe(8_999_999_999_000_001n);
    expect(() => createTupleWriter(['timestamp'], [undefined])).toThrow(/no moment/);
  });

  it('writes numeric as base-10000 digits with weight, sign and display scale, and a date as days since 2000-01-01', () => {
    const after = (hex: string, n: number) => (hex === 'refused' ? hex : hex.slice(n));
    const num = (v: string) => after(tuple(['numeric'], [v]), 4);
    // length, ndigits, weight, sign, dscale, digits
    expect(num('0')).toBe('00000008' + '0000' + '0000' + '0000' + '0000');
    expect(num('-0.00')).toBe('00000008' + '0000' + '0000' + '0000' + '0002');
    expect(num('123.4500')).toBe('0000000c' + '0002' + '0000' + '0000' + '0004' + '007b' + '1194');
    expect(num('-0.0001')).toBe('0000000a' + '0001' + 'ffff' + '4000' + '0004' + '0001');
    expect(num('100000000')).toBe('0000000a' + '0001' + '0002' + '0000' + '0000' + '0001');
    expect(num('9'.repeat(12_000)).length).toBe(8 + 2 * 8 + 3000 * 4);
    expect(num('9'.repeat(4 * 32_767)).length).toBe(8 + 2 * 8 + 32_767 * 4);
    expect(num('9'.repeat(4 * 32_768))).toBe('refused');
    expect(num('1e5')).toBe('refused');
    const date = (v: string) => after(tuple(['date'], [v]), 12);
    expect(date('2000-01-01')).toBe('00000000');
    expect(date('1999-12-31')).toBe('ffffffff');
    expect(date('0001-01-01')).toBe((-730119 >>> 0).toString(16));
    expect(date('01-01-2000')).toBe('refused');
  });

  it('refuses a value it has no exact binary form for, and bounds every tuple', () => {
    expect(tuple(['bool'], ['true'])).toBe('refused');
    expect(tuple(['uuid'], ['a0eebc999c0b4ef8bb6d6bb9bd380a11'])).toBe('refused');
    expect(tuple(['uuid'], ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380z11'])).toBe('refused');
    expect(tuple(['bytea'], ['\\x0'])).toBe('refused');
    expect(tuple(['bytea'], ['\\x0g'])).toBe('refused');
    expect(tuple(['bytea'], ['00'])).toBe('refused');
    const w = createTupleWriter(['text', 'jsonb', 'int8'], []);
    for (const s of ['', 'a', '😀😀', '\u0800'.repeat(50)]) {
      const buf = Buffer.alloc(w.maxBytes([s, s, '1']));
      const end = w.write(buf, 0, [s, s, '1']);
      expect(end).toBe(2 + 4 + Buffer.byteLength(s) + 4 + 1 + Buffer.byteLength(s) + 12);
      expect(end).toBeLessThanOrEqual(buf.length);
    }
  });

  it('takes a table binary only when every copied column has an exact form in its planned type', () => {
    const ts = { kind: 'datetime', target: 'timestamptz', format: 'iso8601', timeZone: 'UTC' } as const;
    expect(binaryFields(plan([col('a', 'bigint', { kind: 'integer', bits: 64 }), col('b', 'timestamptz', ts), col('g', 'numeric', { kind: 'numeric', precision: null, scale: null }, { generated: { sql: '1' } })]))).toEqual(['int8', 'timestamp']);
    expect(binaryFields(plan([col('a', 'text', { kind: 'text' }), col('n', 'numeric(10,2)', { kind: 'numeric', precision: 10, scale: 2 }), col('d', 'date', { ...ts, target: 'date' })]))).toEqual(['text', 'numeric', 'date']);
    expect(binaryFields(plan([col('n', 'numeric(12,2)', { kind: 'numeric', precision: 10, scale: 2 })]))).toBeNull();
    expect(binaryFields(plan([col('d', 'timestamptz', { ...ts, target: 'date' })]))).toBeNull();
    expect(binaryFields(plan([col('a', 'citext', { kind: 'text' })]))).toBeNull();
    expect(binaryFields(plan([col('a', 'varchar(5)', { kind: 'text' })]))).toBeNull();
    expect(binaryFields(plan([col('a', 'bigint', { kind: 'integer', bits: 32 })]))).toBeNull();
    expect(binaryFields(plan([col('a', 'json', { kind: 'json', target: 'jsonb' })]))).toBeNull();
  });
});
