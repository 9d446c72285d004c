/**
 * The source side of a table's count + checksum, exactly as the loader computes it while sending
 * (the row encoder, encode/checksum.ts), from rows read again: `verify` compares it with the
 * target, and `verify` and `fallback` compare it with what a run recorded (cutover/source-identity.ts).
 */
import type { TablePlan } from '../model/plan.js';
import type { SqliteValue } from '../model/catalog.js';
import { keyReader, columnOffset } from '../source/read-rows.js';
import { createRowEncoder, isRowProblem } from '../encode/row-encoder.js';
import { ChecksumAccumulator } from '../encode/checksum.js';

/** Rows of the source that the mappings cannot convert and that the run did not quarantine, first ones kept. */
export interface Unconverted {
  readonly count: number;
  readonly sample: readonly { readonly key: string; readonly column: string | null; readonly reason: string }[];
}

const UNCONVERTED_SAMPLE = 100;

/**
 * Count + checksum of a table's rows (`rows`: as source/read-rows.ts iterateRows reads them for
 * `t`), and the rows that do not convert. Those the run quarantined (`skipKeys`) are excluded; any
 * other is a row the target cannot hold (written to SQLite after the migration), never skipped silently.
 */
export function sourceChecksum(rows: Iterable<unknown[]>, t: TablePlan, skipKeys: ReadonlySet<string>): { acc: ChecksumAccumulator; unconverted: Unconverted } {
  const acc = new ChecksumAccumulator();
  const key = keyReader(t);
  const encode = createRowEncoder(t, key);
  const offset = columnOffset(t);
  let count = 0;
  const sample: { key: string; column: string | null; reason: string }[] = [];
  for (const row of rows) {
    if (skipKeys.size > 0 && skipKeys.has(key(row))) continue;
    const r = encode(row as SqliteValue[], offset);
    if (isRowProblem(r)) {
      if (++count <= UNCONVERTED_SAMPLE) sample.push({ key: key(row), column: r.column, reason: r.reason });
      continue;
    }
    if (r.digest) acc.addDigest(r.digest);
    else acc.add(r.canonical);
  }
  return { acc, unconverted: { count, sample } };
}

/** The checksum in the form a run records it (`count:sum`), plus the rows that do not convert, if any. */
export function checksumText(acc: ChecksumAccumulator, unconverted: Unconverted): string {
  const n = unconverted.count;
  return `${acc.count}:${acc.sum}${n ? ` and ${n} row${n > 1 ? 's' : ''} that do${n > 1 ? '' : 'es'} not convert` : ''}`;
}
