/**
 * Order-independent table checksum, computed the same way on both sides:
 * row count, and the sum modulo 2^64 of the first 64 bits of md5(canonical row, UTF-8) read as a
 * big-endian integer. A sum, not XOR, so a duplicated row changes it (XOR would cancel a pair).
 * Whether those 64 bits are read signed (PostgreSQL's bigint) or unsigned (here) makes no
 * difference modulo 2^64. Anchor: pgcopydb `schema_send_table_checksum`,
 * https://github.com/dimitri/pgcopydb/blob/main/src/bin/pgcopydb/schema.c
 *
 * The JS side (ChecksumAccumulator) runs while streaming rows to COPY; the SQL side
 * (tableChecksumSql) runs inside PostgreSQL, so no data travels back.
 */
import * as crypto from 'node:crypto';
import type { ColumnCast } from '../model/plan.js';
import { qualify, quoteIdent } from '../plan/identifiers.js';
import { canonicalSql, rowFormSql } from './canonical.js';

/** One-shot hashing (Node ≥ 20.12) avoids a Hash object per row; older 20.x fall back. */
const md5Buffer: (text: string) => Buffer =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('md5', text, 'buffer')
    : (text) => crypto.createHash('md5').update(text, 'utf8').digest();

/**
 * The first 64 bits of md5(text) as two unsigned 32-bit halves. With crypto.hash the digest comes
 * back as a 'binary' (latin1) string, one char per byte: a Buffer result costs ~0.8 µs more per
 * call, mostly its allocation (measured with node 20, 350-byte rows: 1.65 µs vs 0.85 µs).
 */
function md5Halves(text: string): [number, number] {
  if (typeof crypto.hash !== 'function') {
    const b = md5Buffer(text);
    return [b.readUInt32BE(0), b.readUInt32BE(4)];
  }
  const d = crypto.hash('md5', text, 'binary');
  return [
    ((d.charCodeAt(0) << 24) | (d.charCodeAt(1) << 16) | (d.charCodeAt(2) << 8) | d.charCodeAt(3)) >>> 0,
    ((d.charCodeAt(4) << 24) | (d.charCodeAt(5) << 16) | (d.charCodeAt(6) << 8) | d.charCodeAt(7)) >>> 0,
  ];
}

const TWO_32 = 0x1_0000_0000;

/**
 * Accumulates count and the 64-bit sum as two unsigned 32-bit halves with carry, so a row costs
 * an md5 and a few integer additions, no BigInt.
 */
export class ChecksumAccumulator {
  #count = 0;
  #hi = 0;
  #lo = 0;

  /** Add a row by its md5 digest (for rows too large to hold their canonical text as one string). */
  addDigest(md5: Buffer): void {
    this.#addHalves(md5.readUInt32BE(0), md5.readUInt32BE(4));
    this.#count++;
  }

  /** Add one row by its canonical row text (see canonicalRow). */
  add(canonicalRowText: string): void {
    const [hi, lo] = md5Halves(canonicalRowText);
    this.#addHalves(hi, lo);
    this.#count++;
  }

  /**
   * Take a row back out, e.g. one the server rejected after it was added and that the loader
   * then quarantined. A sum makes this exact.
   */
  remove(canonicalRowText: string): void {
    const [dHi, dLo] = md5Halves(canonicalRowText);
    const lo = this.#lo - dLo;
    const borrow = lo < 0 ? 1 : 0;
    this.#lo = lo >>> 0;
    this.#hi = (this.#hi - dHi - borrow) >>> 0;
    this.#count--;
  }

  /** Fold in another accumulator (e.g. of another lane loading a range of the same table). */
  merge(other: ChecksumAccumulator): void {
    this.#addHalves(other.#hi, other.#lo);
    this.#count += other.#count;
  }

  #addHalves(hi: number, lo: number): void {
    const sumLo = this.#lo + lo;
    const carry = sumLo >= TWO_32 ? 1 : 0;
    this.#lo = sumLo >>> 0;
    this.#hi = (this.#hi + hi + carry) >>> 0;
  }

  /** Rows added (minus rows removed). */
  get count(): number {
    return this.#count;
  }

  /** unsigned 64-bit sum as a decimal string */
  get sum(): string {
    return ((BigInt(this.#hi) << 32n) | BigInt(this.#lo)).toString();
  }

  toJSON(): { count: number; sum: string } {
    return { count: this.#count, sum: this.sum };
  }

  /** Restore from toJSON() output (a journal entry of an interrupted run). */
  static fromJSON(json: { count: number; sum: string }): ChecksumAccumulator {
    const acc = new ChecksumAccumulator();
    const s = BigInt(json.sum);
    if (!Number.isSafeInteger(json.count) || json.count < 0 || s < 0n || s >= 1n << 64n) {
      throw new RangeError(`not a checksum: ${JSON.stringify(json)}`);
    }
    acc.#count = json.count;
    acc.#hi = Number(s >> 32n);
    acc.#lo = Number(s & 0xffffffffn);
    return acc;
  }
}

/** md5 of the canonical row (UTF-8) as 32 hex digits, for pinpointing rows. */
export function rowDigest(canonicalRowText: string): string {
  return md5Buffer(canonicalRowText).toString('hex');
}

/**
 * A column of a checksum query: its name, cast, and whether the table declares it NOT NULL (a
 * shorter row form expression, same bytes: see rowFormSql).
 */
export interface ChecksumColumn {
  readonly name: string;
  readonly cast: ColumnCast;
  readonly notNull?: boolean;
}

/** The table alias generated SQL uses for the loaded table. */
const ALIAS = quoteIdent('r');

/**
 * The canonical values are computed once each in a subquery kept from being flattened by
 * `OFFSET 0`: the row form needs each one twice (octet_length and the text), and a flattened
 * subquery would evaluate e.g. jsonb output twice per row.
 * https://www.postgresql.org/docs/current/queries-with.html notes OFFSET 0 as the optimization fence.
 */
/**
 * `blocks`: only rows in heap blocks [$1, $2) (`open`: from block $1 to the end), as a TID range
 * scan (PostgreSQL ≥ 14): a slice of the table read sequentially, with no index needed. The
 * caller passes the bounds as tid texts `(block,0)`. https://www.postgresql.org/docs/current/datatype-oid.html (tid)
 */
function canonicalSubquery(schema: string, table: string, columns: readonly ChecksumColumn[], extra: readonly string[] = [], blocks?: { readonly open: boolean }): string {
  const select = columns.map((c, i) => `${canonicalSql(c.cast, `${ALIAS}.${quoteIdent(c.name)}`)} AS ${quoteIdent(`c${i}`)}`);
  const where = blocks ? ` WHERE ${ALIAS}.ctid >= $1::tid${blocks.open ? '' : ` AND ${ALIAS}.ctid < $2::tid`}` : '';
  return `SELECT ${[...extra, ...select].join(', ')} FROM ${qualify(schema, table)} AS ${ALIAS}${where} OFFSET 0`;
}

function rowForm(columns: readonly ChecksumColumn[]): string {
  return rowFormSql(
    columns.map((_, i) => `${ALIAS}.${quoteIdent(`c${i}`)}`),
    columns.map((c) => c.notNull === true),
  );
}

/**
 * SELECT returning one row {count: string, sum: string} for a loaded table: `schema`, `table` and
 * the column list with casts (in the order the JS side builds its canonical rows). `sum` is the
 * unsigned 64-bit sum as ChecksumAccumulator.sum prints it. Needs server_encoding UTF8 (md5 and
 * octet_length see server-encoded bytes) and md5() (unavailable under FIPS mode); no session
 * setting matters (see canonicalSql).
 */
export function tableChecksumSql(schema: string, table: string, columns: readonly ChecksumColumn[], blocks?: { readonly open: boolean }): string {
  // ('x' || 32 hex digits)::bit(64) keeps the first 64 bits (an explicit cast to a shorter bit
  // type truncates; no left() needed: ~2% of the query, same value), ::bigint reads them as a
  // signed bigint; sum(bigint) is exact (numeric); reducing it into [0, 2^64) gives the unsigned sum.
  const h = `('x' || md5(${rowForm(columns)}))::bit(64)::bigint`;
  const m = '18446744073709551616';
  return (
    `SELECT count(*)::text AS count, ` +
    `((coalesce(sum(${h}), 0) % ${m} + ${m}) % ${m})::text AS sum ` +
    `FROM (${canonicalSubquery(schema, table, columns, [], blocks)}) AS ${ALIAS}`
  );
}

/** Add two unsigned 64-bit sums as printed by tableChecksumSql / ChecksumAccumulator (mod 2^64). */
export function addSums(a: string, b: string): string {
  return ((BigInt(a) + BigInt(b)) % 18446744073709551616n).toString();
}

/**
 * SELECT returning (key columns..., digest) ordered by the key with COLLATE "C" on text keys, for
 * pinpointing differing rows. Key columns come back as their canonical text (see canonicalSql)
 * under their own names, so they compare with `canonicalizer(cast)(pgText)` whatever the session's
 * DateStyle or TimeZone; `digest` is rowDigest() of the row and always the last column (read rows
 * in array mode if a key column is itself named `digest`). Key columns must have a btree ordering
 * (not `json`).
 */
export function rowDigestsSql(
  schema: string,
  table: string,
  columns: readonly ChecksumColumn[],
  keyColumns: readonly string[],
): string {
  const keys = keyColumns.map((name) => {
    const column = columns.find((c) => c.name === name);
    if (!column) throw new Error(`key column ${JSON.stringify(name)} is not a column of ${schema}.${table}`);
    return column;
  });
  const keySelect = keys.map((k, i) => `${ALIAS}.${quoteIdent(k.name)} AS ${quoteIdent(`k${i}`)}`);
  const out = keys.map((k, i) => `${canonicalSql(k.cast, `${ALIAS}.${quoteIdent(`k${i}`)}`)} AS ${quoteIdent(k.name)}`);
  // Byte order for text keys, whatever the database collation, so both sides can merge-compare.
  const order = keys.map((k, i) => `${ALIAS}.${quoteIdent(`k${i}`)}${k.cast.kind === 'text' ? ' COLLATE "C"' : ''}`);
  return (
    `SELECT ${[...out, `md5(${rowForm(columns)}) AS digest`].join(', ')} ` +
    `FROM (${canonicalSubquery(schema, table, columns, keySelect)}) AS ${ALIAS}` +
    (order.length > 0 ? ` ORDER BY ${order.join(', ')}` : '')
  );
}
