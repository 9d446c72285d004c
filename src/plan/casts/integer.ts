import { CastFailure, type SqliteValue } from './cast-failure.js';
import { describeValue } from './describe-value.js';
import { EXACT_INTEGER_TEXT_LENGTH } from './number-text.js';

/** Width of a PostgreSQL integer type. https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-INT */
export type IntegerBits = 16 | 32 | 64;

interface IntegerRange {
  readonly pgType: string;
  readonly min: bigint;
  readonly max: bigint;
  /** The lower bound as a double: −2^15, −2^31, −2^63, all exact. */
  readonly minNumber: number;
  /** Exclusive upper bound as a double: `max + 1` (2^15, 2^31, 2^63). */
  readonly endNumber: number;
}

const RANGES: Readonly<Record<IntegerBits, IntegerRange>> = {
  16: { pgType: 'smallint', min: -32768n, max: 32767n, minNumber: -32768, endNumber: 32768 },
  32: { pgType: 'integer', min: -2147483648n, max: 2147483647n, minNumber: -2147483648, endNumber: 2147483648 },
  64: {
    pgType: 'bigint',
    min: -9223372036854775808n,
    max: 9223372036854775807n,
    minNumber: -9223372036854775808,
    endNumber: 9223372036854775808,
  },
};

/** Strict integer text: optional sign and ASCII digits only; no spaces, no fraction, no exponent. */
const INTEGER_TEXT = /^[+-]?\d+$/;

function outOfRange(v: SqliteValue, range: IntegerRange): CastFailure {
  return new CastFailure(`${describeValue(v)} is out of range for ${range.pgType} (${range.min}..${range.max})`);
}

/**
 * A SQLite value into a PostgreSQL integer of `bits` width, as canonical decimal text
 * (no leading zeros, no '+', `-0` → `0`). INTEGER is range-checked; REAL only when integral
 * and in range (its exact value, e.g. 2^60, not its shortest text); TEXT only as a strict
 * integer. Everything else would lose information and fails.
 */
export function toInteger(v: SqliteValue, bits: IntegerBits): string | null | CastFailure {
  const range = RANGES[bits];
  if (typeof v === 'bigint') {
    return v < range.min || v > range.max ? outOfRange(v, range) : v.toString();
  }
  if (v === null) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return new CastFailure(`${describeValue(v)} in an integer column: not a finite number`);
    if (!Number.isInteger(v)) return new CastFailure(`${describeValue(v)} in an integer column: the fraction would be lost`);
    if (v < range.minNumber || v >= range.endNumber) return outOfRange(v, range);
    // Beyond 2^53, String() prints the shortest round-trip digits padded with zeros, not the
    // double's exact integer value; BigInt() gives the exact one.
    return Number.isSafeInteger(v) ? String(v + 0) : BigInt(v).toString();
  }
  if (typeof v === 'string') {
    if (!INTEGER_TEXT.test(v)) return new CastFailure(`${describeValue(v)} is not an integer (expected optional sign and digits only)`);
    if (v.length <= EXACT_INTEGER_TEXT_LENGTH) {
      const n = Number(v);
      if (n < range.minNumber || n >= range.endNumber) return outOfRange(v, range);
      return String(n + 0); // + 0 turns -0 into 0
    }
    const b = BigInt(v);
    return b < range.min || b > range.max ? outOfRange(v, range) : b.toString();
  }
  return new CastFailure(`BLOB value in an integer column (${v.length} bytes)`);
}
