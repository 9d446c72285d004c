import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ColumnCast } from '../../../src/model/plan.js';
import { ChecksumAccumulator, rowDigest, rowDigestsSql, tableChecksumSql } from '../../../src/encode/checksum.js';

const TWO_64 = 1n << 64n;

/** Reference implementation with BigInt: sum of the first 8 md5 bytes, modulo 2^64. */
function referenceSum(rows: readonly string[]): string {
  let sum = 0n;
  for (const row of rows) sum += BigInt('0x' + createHash('md5').update(row, 'utf8').digest('hex').slice(0, 16));
  return (sum % TWO_64).toString();
}

function accumulate(rows: readonly string[]): ChecksumAccumulator {
  const acc = new ChecksumAccumulator();
  for (const row of rows) acc.add(row);
  return acc;
}

describe('rowDigest', () => {
  it('is md5 of the UTF-8 text, in hex', () => {
    expect(rowDigest('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(rowDigest('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(rowDigest('é')).toBe(createHash('md5').update(Buffer.from([0xc3, 0xa9])).digest('hex'));
  });
});

describe('ChecksumAccumulator', () => {
  it('starts empty', () => {
    const acc = new ChecksumAccumulator();
    expect(acc.count).toBe(0);
    expect(acc.sum).toBe('0');
    expect(acc.toJSON()).toEqual({ count: 0, sum: '0' });
  });

  it('adds the first 64 bits of each md5 as an unsigned sum modulo 2^64', () => {
    const acc = accumulate(['', 'abc']);
    // 0xd41d8cd98f00b204 + 0x900150983cd24fb0 = 0x1641edd71cbd301b4 → wraps to 0x641edd71cbd301b4
    expect(acc.count).toBe(2);
    expect(acc.sum).toBe(BigInt('0x641edd71cbd301b4').toString());
    expect(JSON.stringify(acc)).toBe(`{"count":2,"sum":"${BigInt('0x641edd71cbd301b4')}"}`);
  });

  it('carries from the low to the high half and wraps at 2^64 (many additions)', () => {
    // md5('') starts d41d8cd9 8f00b204: both halves overflow within a few additions.
    const rows = Array.from({ length: 1000 }, () => '');
    expect(accumulate(rows).sum).toBe(referenceSum(rows));
    expect(accumulate(rows).sum).toBe(((0xd41d8cd98f00b204n * 1000n) % TWO_64).toString());
  });

  it('matches the BigInt reference on random rows (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 60 }), (rows) => {
        const acc = accumulate(rows);
        expect(acc.count).toBe(rows.length);
        expect(acc.sum).toBe(referenceSum(rows));
      }),
    );
  });

  it('is order-independent, and a duplicated or missing row changes it', () => {
    const rows = ['1:a', '1:b', '1:c', '-'];
    const base = accumulate(rows).toJSON();
    expect(accumulate([...rows].reverse()).toJSON()).toEqual(base);
    expect(accumulate([...rows, '1:a']).sum).not.toBe(base.sum);
    expect(accumulate(['1:a', '1:a', '1:b', '1:c']).sum).not.toBe(base.sum); // same count, one row doubled
    expect(accumulate(rows.slice(1)).sum).not.toBe(base.sum);
    // XOR would cancel a pair of equal rows; a sum does not.
    expect(accumulate(['1:x', '1:x']).sum).not.toBe('0');
  });

  it('merges accumulators of parts into the accumulator of the whole (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 50 }), fc.nat(), (rows, cut) => {
        const at = rows.length === 0 ? 0 : cut % (rows.length + 1);
        const left = accumulate(rows.slice(0, at));
        left.merge(accumulate(rows.slice(at)));
        expect(left.toJSON()).toEqual(accumulate(rows).toJSON());
      }),
    );
  });

  it('remove() undoes add(), also across the wraparound', () => {
    const acc = accumulate(['a', 'b']);
    const before = acc.toJSON();
    acc.add('quarantined');
    acc.remove('quarantined');
    expect(acc.toJSON()).toEqual(before);
    const empty = new ChecksumAccumulator();
    empty.remove('abc');
    expect(empty.count).toBe(-1);
    expect(empty.sum).toBe((TWO_64 - 0x900150983cd24fb0n).toString());
    empty.add('abc');
    expect(empty.toJSON()).toEqual({ count: 0, sum: '0' });
  });

  it('round-trips through toJSON/fromJSON', () => {
    const acc = accumulate(Array.from({ length: 100 }, (_, i) => `row ${i}`));
    const restored = ChecksumAccumulator.fromJSON(JSON.parse(JSON.stringify(acc)));
    expect(restored.toJSON()).toEqual(acc.toJSON());
    restored.add('x');
    acc.add('x');
    expect(restored.toJSON()).toEqual(acc.toJSON());
    expect(() => ChecksumAccumulator.fromJSON({ count: 1, sum: TWO_64.toString() })).toThrow(RangeError);
    expect(() => ChecksumAccumulator.fromJSON({ count: -1, sum: '0' })).toThrow(RangeError);
  });
});

const columns: { name: string; cast: ColumnCast }[] = [
  { name: 'id', cast: { kind: 'integer', bits: 64 } },
  { name: 'Name "x"', cast: { kind: 'text' } },
  { name: 'doc', cast: { kind: 'json', target: 'jsonb' } },
];

describe('checksum SQL (executed against the server in test/integration/canonical.test.ts)', () => {
  it('a column declared NOT NULL has no NULL branch in the row form', () => {
    const sql = tableChecksumSql('s', 't', [{ ...columns[0]!, notNull: true }, columns[1]!]);
    expect(sql).toContain(`md5(octet_length("r"."c0")::text || ':' || "r"."c0" || COALESCE(octet_length("r"."c1")::text || ':' || "r"."c1", '-'))`);
  });

  it('tableChecksumSql quotes every identifier and computes the canonical values once, in a fenced subquery', () => {
    const sql = tableChecksumSql('my "schema"', 'odd table', columns);
    expect(sql).toBe(
      `SELECT count(*)::text AS count, ((coalesce(sum(('x' || md5(` +
        `COALESCE(octet_length("r"."c0")::text || ':' || "r"."c0", '-') || ` +
        `COALESCE(octet_length("r"."c1")::text || ':' || "r"."c1", '-') || ` +
        `COALESCE(octet_length("r"."c2")::text || ':' || "r"."c2", '-')` +
        `))::bit(64)::bigint), 0) % 18446744073709551616 + 18446744073709551616) % 18446744073709551616)::text AS sum ` +
        `FROM (SELECT ("r"."id")::text AS "c0", ("r"."Name ""x""")::text AS "c1", ("r"."doc")::text AS "c2" ` +
        `FROM "my ""schema"""."odd table" AS "r" OFFSET 0) AS "r"`,
    );
  });

  it('rowDigestsSql orders text keys with COLLATE "C" and returns keys in canonical form', () => {
    const sql = rowDigestsSql('s', 't', columns, ['Name "x"', 'id']);
    expect(sql).toContain(`SELECT ("r"."k0")::text AS "Name ""x""", ("r"."k1")::text AS "id", md5(`);
    expect(sql).toContain(`FROM (SELECT "r"."Name ""x""" AS "k0", "r"."id" AS "k1", ("r"."id")::text AS "c0"`);
    expect(sql.endsWith(` ORDER BY "r"."k0" COLLATE "C", "r"."k1"`)).toBe(true);
    expect(() => rowDigestsSql('s', 't', columns, ['nope'])).toThrow(/key column "nope"/);
  });
});

describe('addSums', () => {
  it('adds unsigned 64-bit sums modulo 2^64, as range checksums combine into a table checksum', async () => {
    const { addSums } = await import('../../../src/encode/checksum.js');
    expect(addSums('0', '0')).toBe('0');
    expect(addSums('18446744073709551615', '1')).toBe('0');
    expect(addSums('18446744073709551615', '18446744073709551615')).toBe('18446744073709551614');
    expect(addSums('123', '456')).toBe('579');
  });
});
