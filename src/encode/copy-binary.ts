/**
 * COPY binary format: the file header, the trailer, and one tuple written straight into a batch
 * Buffer from the values the converters produced for the text format (PostgreSQL input text).
 * Each binary form is that text's meaning, written as the type's receive function reads it
 * (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4):
 * - int2/int4/int8: big-endian two's complement;
 * - float8: the IEEE 754 double, big-endian (the converter's text is its shortest round-trip form);
 * - numeric: base-10000 digits with weight, sign and display scale, from the converter's plain
 *   decimal text (numeric_recv applies the column's typmod as numeric_in does);
 * - date: int32 days since 2000-01-01, from the converter's `YYYY-MM-DD`;
 * - bool: one byte, 1 or 0;
 * - text and json: the UTF-8 bytes; jsonb: a version byte 1, then the same text (jsonb_recv
 *   parses it as jsonb_in does);
 * - timestamptz and timestamp: int64 microseconds since 2000-01-01 00:00, from the moment the
 *   column's converter wrote (UTC for timestamptz, the wall time for timestamp);
 * - uuid: its 16 bytes; bytea: its bytes (the converter's text is `\x` + hex).
 * A value with no exact binary form here makes `write` return -1: the loader sends that chunk as
 * text instead, never an approximation.
 */
import type { BinaryField } from '../plan/copy-binary.js';
import type { Moment } from '../plan/casts/index.js';
import { daysFromCivil, SECONDS_PER_DAY } from '../plan/casts/calendar.js';
import { EXACT_INTEGER_TEXT_LENGTH } from '../plan/casts/number-text.js';

/** `PGCOPY\n\377\r\n\0`, flags 0, header extension length 0. */
export const BINARY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** A field count of -1 ends the data. */
export const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

/** PostgreSQL's date and timestamp epoch, 2000-01-01 00:00 (UTC), in days and in seconds since 1970-01-01. */
const PG_EPOCH_DAYS = daysFromCivil(2000, 1, 1);
const PG_EPOCH_SECONDS = PG_EPOCH_DAYS * SECONDS_PER_DAY;
const TWO_32 = 0x1_0000_0000;
/** Below this many seconds from PostgreSQL's epoch, seconds · 10⁶ + micros stays under 2⁵³: exact as a double. */
const EXACT_SECONDS = 9_000_000_000;
/**
 * numeric_send writes its digit count as an int16; numeric_in takes up to 131072 + 16383 decimal
 * digits, which can need more base-10000 digits than that: those values go as text.
 */
const MAX_NUMERIC_DIGITS = 0x7fff;
const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Write numeric text `v` (a plain decimal) at `pos` as numeric_send would, length prefix
 * included; the position after it, or -1 for text it does not read or too many digits.
 */
function writeNumeric(buf: Buffer, pos: number, v: string): number {
  const m = PLAIN_DECIMAL.exec(v);
  if (m === null) return -1;
  const int = m[2]!.replace(/^0+/, '');
  const frac = m[3] ?? '';
  // Base-10000 groups aligned on the decimal point: the integer part padded on the left, the fraction on the right.
  const intPadded = '0'.repeat((4 - (int.length % 4)) % 4) + int;
  const fracPadded = frac + '0'.repeat((4 - (frac.length % 4)) % 4);
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  let first = 0;
  while (first < groups.length && groups[first] === 0) {
    first++;
    weight--;
  }
  let last = groups.length;
  while (last > first && groups[last - 1] === 0) last--;
  const n = last - first;
  if (n > MAX_NUMERIC_DIGITS) return -1;
  const zero = n === 0;
  buf.writeInt32BE(8 + 2 * n, pos);
  buf.writeInt16BE(n, pos + 4);
  buf.writeInt16BE(zero ? 0 : weight, pos + 6);
  buf.writeUInt16BE(!zero && m[1] === '-' ? 0x4000 : 0, pos + 8);
  buf.writeInt16BE(frac.length, pos + 10);
  let p = pos + 12;
  for (let i = first; i < last; i++, p += 2) buf.writeInt16BE(groups[i]!, p);
  return p;
}

export interface TupleWriter {
  /** Bytes the tuple of these values takes at most. */
  maxBytes(values: readonly (string | null)[]): number;
  /** Write the tuple at `pos` (room for maxBytes assumed); the position after it, or -1 when a value has no exact binary form. */
  write(buf: Buffer, pos: number, values: readonly (string | null)[]): number;
}

/** Write `n` (an integer, |n| < 2⁵³) as a big-endian int64. */
function writeInt64(buf: Buffer, pos: number, n: number): void {
  const hi = Math.floor(n / TWO_32);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(n - hi * TWO_32, pos + 4);
}

/**
 * `fields`: the encoding of each copied column; `moments`: per copied column, the moment its
 * converter last wrote (set for timestamp fields, read right after the row was encoded).
 */
export function createTupleWriter(fields: readonly BinaryField[], moments: readonly (Readonly<Moment> | undefined)[]): TupleWriter {
  const n = fields.length;
  for (let k = 0; k < n; k++) if (fields[k] === 'timestamp' && !moments[k]) throw new Error(`binary COPY: timestamp field ${k} has no moment`);
  return {
    maxBytes(values) {
      let bytes = 2;
      for (let k = 0; k < n; k++) {
        const v = values[k];
        bytes += 4;
        if (v === null || v === undefined) continue;
        const f = fields[k];
        bytes += f === 'text' || f === 'json' || f === 'jsonb' ? v.length * 3 + 1 : f === 'bytea' ? v.length >> 1 : f === 'numeric' ? 8 + 2 * (v.length + 8) : 16;
      }
      return bytes;
    },
    write(buf, pos, values) {
      let p = pos;
      buf.writeInt16BE(n, p);
      p += 2;
      for (let k = 0; k < n; k++) {
        const v = values[k];
        if (v === null || v === undefined) {
          buf.writeInt32BE(-1, p);
          p += 4;
          continue;
        }
        switch (fields[k]) {
          case 'text':
          case 'json': {
            const len = buf.write(v, p + 4, 'utf8');
            buf.writeInt32BE(len, p);
            p += 4 + len;
            break;
          }
          case 'jsonb': {
            buf[p + 4] = 1;
            const len = buf.write(v, p + 5, 'utf8');
            buf.writeInt32BE(len + 1, p);
            p += 5 + len;
            break;
          }
          case 'int8': {
            buf.writeInt32BE(8, p);
            if (v.length <= EXACT_INTEGER_TEXT_LENGTH) writeInt64(buf, p + 4, Number(v));
            else buf.writeBigInt64BE(BigInt(v), p + 4);
            p += 12;
            break;
          }
          case 'int4':
            buf.writeInt32BE(4, p);
            buf.writeInt32BE(Number(v), p + 4);
            p += 8;
            break;
          case 'int2':
            buf.writeInt32BE(2, p);
            buf.writeInt16BE(Number(v), p + 4);
            p += 6;
            break;
          case 'float8':
            buf.writeInt32BE(8, p);
            buf.writeDoubleBE(Number(v), p + 4);
            p += 12;
            break;
          case 'numeric':
            p = writeNumeric(buf, p, v);
            if (p < 0) return -1;
            break;
          case 'date': {
            const d = ISO_DATE.exec(v);
            if (d === null) return -1;
            buf.writeInt32BE(4, p);
            buf.writeInt32BE(daysFromCivil(Number(d[1]), Number(d[2]), Number(d[3])) - PG_EPOCH_DAYS, p + 4);
            p += 8;
            break;
          }
          case 'bool':
            if (v !== 't' && v !== 'f') return -1;
            buf.writeInt32BE(1, p);
            buf[p + 4] = v === 't' ? 1 : 0;
            p += 5;
            break;
          case 'timestamp': {
            const m = moments[k]!;
            const s = m.seconds - PG_EPOCH_SECONDS;
            buf.writeInt32BE(8, p);
            if (s > -EXACT_SECONDS && s < EXACT_SECONDS) writeInt64(buf, p + 4, s * 1_000_000 + m.micros);
            else buf.writeBigInt64BE(BigInt(s) * 1_000_000n + BigInt(m.micros), p + 4);
            p += 12;
            break;
          }
          case 'uuid': {
            if (v.length !== 36) return -1;
            buf.writeInt32BE(16, p);
            const hex = v.slice(0, 8) + v.slice(9, 13) + v.slice(14, 18) + v.slice(19, 23) + v.slice(24);
            if (buf.write(hex, p + 4, 'hex') !== 16) return -1;
            p += 20;
            break;
          }
          case 'bytea': {
            if (v.charCodeAt(0) !== 0x5c || v.charCodeAt(1) !== 0x78 || (v.length & 1) !== 0) return -1;
            const len = (v.length - 2) >> 1;
            if (len > 0 && buf.write(v.slice(2), p + 4, 'hex') !== len) return -1;
            buf.writeInt32BE(len, p);
            p += 4 + len;
            break;
          }
          default:
            return -1;
        }
      }
      return p;
    },
  };
}
