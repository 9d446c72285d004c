/**
 * Turns one SQLite row into a COPY text line plus its canonical form for the checksum,
 * or a failure naming the column, the value (excerpt) and why.
 */
import type { TablePlan } from '../model/plan.js';
import { CastFailure, converterFor, type SqliteValue } from '../plan/casts/index.js';
import { escapeCopyText } from '../plan/copy-text.js';
import { canonicalizer, canonicalRow } from '../verify/canonical.js';
import { LoadError } from '../errors.js';

export interface EncodedRow {
  readonly line: string;
  readonly canonical: string;
  /** Values set to NULL by an `onError: null` rule (column, excerpt, reason). */
  readonly nulled: readonly RowProblem[] | null;
}

export interface RowProblem {
  readonly column: string | null;
  readonly value: string;
  readonly reason: string;
}

export const EXCERPT_CHARS = 120;

/** A short, printable excerpt of a raw SQLite value for reports and quarantine files. */
export function excerpt(v: SqliteValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Object.is(v, -0) ? '-0.0' : String(v);
  if (Buffer.isBuffer(v)) {
    const hex = v.subarray(0, 32).toString('hex');
    return `x'${hex}${v.length > 32 ? '…' : ''}' (${v.length} bytes)`;
  }
  const s = v.length > EXCERPT_CHARS ? `${v.slice(0, EXCERPT_CHARS)}… (${v.length} chars)` : v;
  return s.replaceAll('\u0000', '\\0');
}

export type RowEncoder = (row: readonly SqliteValue[], offset: number) => EncodedRow | RowProblem;

/**
 * `offset`: index of the first table column in the row (1 when the rowid is selected first).
 * Columns with `onError: fail` throw a LoadError that stops the load.
 */
export function createRowEncoder(t: TablePlan, keyOf: (row: readonly SqliteValue[]) => string): RowEncoder {
  const cols = t.columns;
  const n = cols.length;
  const convert = cols.map((c) => converterFor(c.cast, { nul: c.nul }));
  const canon = cols.map((c) => canonicalizer(c.cast));
  const texts: (string | null)[] = new Array<string | null>(n);
  const canons: (string | null)[] = new Array<string | null>(n);
  return (row, offset) => {
    let nulled: RowProblem[] | null = null;
    let line = '';
    for (let i = 0; i < n; i++) {
      const raw = row[i + offset] as SqliteValue;
      let out = convert[i]!(raw);
      let c: string | null = null;
      if (!(out instanceof CastFailure) && out !== null) {
        try {
          c = canon[i]!(out);
        } catch (e) {
          out = new CastFailure((e as Error).message);
        }
      }
      if (out instanceof CastFailure) {
        const col = cols[i]!;
        const problem: RowProblem = { column: col.source, value: excerpt(raw), reason: out.reason };
        if (col.onError === 'fail') {
          throw new LoadError('E_CAST_FAIL', `${t.source}.${col.source} (${keyOf(row)}): ${out.reason}. Value: ${problem.value}`, {
            hint: `The mapping sets onError: "fail" for this column. Fix the value, or set onError to "quarantine" or "null".`,
          });
        }
        if (col.onError === 'null' && !col.notNull) {
          (nulled ??= []).push({ ...problem, reason: `set to NULL (onError: null): ${out.reason}` });
          out = null;
        } else {
          return problem;
        }
      }
      texts[i] = out;
      canons[i] = c;
      if (i > 0) line += '\t';
      line += escapeCopyText(out);
    }
    return { line: line + '\n', canonical: canonicalRow(canons), nulled };
  };
}

export function isRowProblem(r: EncodedRow | RowProblem): r is RowProblem {
  return (r as RowProblem).reason !== undefined;
}
