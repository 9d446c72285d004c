/**
 * Turns one SQLite row into a COPY text line plus its canonical form for the checksum,
 * or a failure naming the column, the value (excerpt) and why.
 */
import type { ColumnPlan, TablePlan } from '../model/plan.js';
import { createHash } from 'node:crypto';
import { applyNulPolicy, CastFailure, converterFor, type Moment, type MomentConverter, type SqliteValue } from '../plan/casts/index.js';
import { escapeCopyText } from '../plan/copy-text.js';
import { utf8CheckedColumns } from '../source/read-rows.js';
import { canonicalizer, canonicalRow, momentCanonical, utf8Length } from './canonical.js';
import { LoadError } from '../errors.js';

export interface EncodedRow {
  /** The row's COPY text line; empty from an encoder made with `{ fields: true }`. */
  readonly line: string;
  /**
   * From an encoder made with `{ fields: true }`, instead of `line`: the PostgreSQL input text
   * of each copied column (null for NULL), unescaped, for the binary COPY writer
   * (encode/copy-binary.ts). Shared between calls like `values`. Not set on rows with `pieces`.
   */
  readonly fields?: readonly (string | null)[];
  readonly canonical: string;
  /**
   * Set for a row holding a value larger than LARGE_VALUE: the row's COPY text as Buffers of
   * about 64 KiB, made as they are consumed, so a 64 MB blob never becomes a 128 MB hex string
   * (twice, escaped, and again as a Buffer). A loader that knows this field sends these pieces
   * instead of `line`; `line` still works, built on first access.
   */
  readonly pieces?: Iterable<Buffer>;
  /**
   * Set with `pieces`: md5 of the canonical row (what ChecksumAccumulator.add hashes), computed
   * incrementally; `canonical` is then built only on first access.
   */
  readonly digest?: Buffer;
  /**
   * Values a mapping policy changed on their way in, one entry each (column, excerpt, what was
   * done): set to NULL (`onError: null`), NULs removed (`nul: strip`), invalid UTF-8 replaced by
   * U+FFFD (`invalidUtf8: replace`). The row is loaded; the loader records these next to the
   * quarantined rows so every change is accounted for. Null when nothing changed.
   */
  readonly nulled: readonly RowProblem[] | null;
  /**
   * The canonical value of every planned column (null for NULL), as hashed into `canonical`.
   * Shared between calls: valid until the encoder's next call; copy it to keep it.
   */
  readonly values: readonly (string | null)[];
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

export type RowEncoder = ((row: readonly SqliteValue[], offset: number) => EncodedRow | RowProblem) & {
  /**
   * Per copied column (COPY order), the moment its converter last wrote for timestamptz and
   * timestamp columns (MomentConverter.lastMoment: valid for the row just encoded), else undefined.
   */
  readonly moments: readonly (Readonly<Moment> | undefined)[];
};

export interface RowEncoderOptions {
  /** Give each row's copied values as `fields` (for binary COPY) instead of building `line`. */
  readonly fields?: boolean;
}

/** Values longer than this (bytes of a blob, UTF-16 units of a text) take the streaming path. */
export const LARGE_VALUE = 1 << 20;
/** Blob bytes per hex piece (64 KiB of COPY text, small enough for V8's young generation), and text units per piece. */
const PIECE = 1 << 15;

function isLarge(v: SqliteValue): boolean {
  return v !== null && (typeof v === 'string' || typeof v === 'object') && v.length > LARGE_VALUE;
}

/** A large value of a row, kept as what it is until its COPY text or canonical form is streamed. */
type Large = { readonly bytes: Buffer } | { readonly text: string };
/** A row's COPY text (strings already escaped, tabs included) or its canonical values, in column order. */
type Segment = string | Large;

/** `s` in slices of about PIECE units, never splitting a surrogate pair. */
function* textSlices(s: string): Generator<string> {
  for (let i = 0; i < s.length; ) {
    let end = Math.min(i + PIECE, s.length);
    const last = s.charCodeAt(end - 1);
    if (end < s.length && last >= 0xd800 && last <= 0xdbff && end - 1 > i) end--;
    yield s.slice(i, end);
    i = end;
  }
}

function* hexSlices(b: Buffer): Generator<string> {
  for (let i = 0; i < b.length; i += PIECE) yield b.subarray(i, i + PIECE).toString('hex');
}

/** COPY text of a streamed row: bytea as `\\x` + hex (COPY doubles the backslash), text escaped per slice. */
function* copyPieces(segments: readonly Segment[]): Generator<Buffer> {
  let pending = '';
  for (const seg of segments) {
    if (typeof seg === 'string') {
      pending += seg;
      continue;
    }
    if ('bytes' in seg) {
      yield Buffer.from(pending + '\\\\x', 'utf8');
      pending = '';
      for (const hex of hexSlices(seg.bytes)) yield Buffer.from(hex, 'latin1');
    } else {
      if (pending) yield Buffer.from(pending, 'utf8');
      pending = '';
      for (const slice of textSlices(seg.text)) yield Buffer.from(escapeCopyText(slice), 'utf8');
    }
  }
  yield Buffer.from(pending + '\n', 'utf8');
}

/** md5 of the canonical row form (encode/canonical.ts canonicalRow) without building it. */
function canonicalDigest(canons: readonly (string | null | Large)[]): Buffer {
  const h = createHash('md5');
  for (const c of canons) {
    if (c === null) h.update('-');
    else if (typeof c === 'string') h.update(`${utf8Length(c)}:${c}`, 'utf8');
    else if ('bytes' in c) {
      h.update(`${c.bytes.length * 2}:`, 'latin1');
      for (const hex of hexSlices(c.bytes)) h.update(hex, 'latin1');
    } else {
      h.update(`${Buffer.byteLength(c.text, 'utf8')}:`, 'latin1');
      for (const slice of textSlices(c.text)) h.update(slice, 'utf8');
    }
  }
  return h.digest();
}

/**
 * Whether a decoded TEXT value is what SQLite stored. better-sqlite3 decodes invalid UTF-8 with
 * U+FFFD in place of each bad sequence, so only a value holding U+FFFD can differ; for those the
 * reader sends the stored bytes when they hold a genuine U+FFFD (see source/read-rows.ts), null
 * otherwise. A UTF-16 database stores UTF-16: compare in that encoding too.
 */
export function storedAsDecoded(decoded: string, stored: SqliteValue | undefined): boolean {
  if (decoded.indexOf('\uFFFD') === -1) return true;
  if (!Buffer.isBuffer(stored)) return false;
  return Buffer.from(decoded, 'utf8').equals(stored) || Buffer.from(decoded, 'utf16le').equals(stored) || Buffer.from(decoded, 'utf16le').swap16().equals(stored);
}

function invalidUtf8Reason(decoded: string, stored: SqliteValue | undefined, col: ColumnPlan): string {
  const bytes = Buffer.isBuffer(stored) ? ` (stored bytes ${excerpt(stored)})` : '';
  return (
    `TEXT whose stored bytes are not valid UTF-8${bytes}: read as ${JSON.stringify(excerpt(decoded))}, each bad sequence replaced by U+FFFD. ` +
    `The column's policy is invalidUtf8: "${col.invalidUtf8 ?? 'quarantine'}"; map it with invalidUtf8: "replace" to load that form, or cast "text-bytes" to keep the bytes (SELECT hex(${col.source}) shows them)`
  );
}

/**
 * `offset`: index of the first table column in the row (1 when the rowid is selected first).
 * After the table's columns the row holds the UTF-8 check columns (source/read-rows.ts).
 * Columns with `onError: fail` (or `nul` / `invalidUtf8: fail`) throw a LoadError that stops the load.
 * Generated columns PostgreSQL computes are not part of the COPY line, but are part of the
 * canonical row: the checksum compares SQLite's computed values with PostgreSQL's.
 */
export function createRowEncoder(t: TablePlan, keyOf: (row: readonly SqliteValue[]) => string, options: RowEncoderOptions = {}): RowEncoder {
  const cols = t.columns;
  const n = cols.length;
  const convert = cols.map((c) => converterFor(c.cast, { nul: c.nul }));
  // A timestamp's canonical form comes from the moment its converter wrote (no parse of its text).
  const canon = convert.map((f, i): ((pgText: string) => string) => {
    const moment = (f as Partial<MomentConverter>).lastMoment;
    return moment ? () => momentCanonical(moment) : canonicalizer(cols[i]!.cast);
  });
  const sent = cols.map((c) => !c.generated);
  /** Per column: position of its UTF-8 check column after the table's columns, or -1. */
  const check = new Array<number>(n).fill(-1);
  utf8CheckedColumns(t).forEach((i, k) => (check[i] = k));
  const strip = cols.map((c) => c.nul === 'strip' && (c.cast.kind === 'text' || c.cast.kind === 'json'));
  const canons: (string | null)[] = new Array<string | null>(n);
  const asFields = options.fields === true;
  const fields: (string | null)[] = [];
  const moments = convert.filter((_, i) => sent[i]).map((f) => (f as Partial<MomentConverter>).lastMoment);

  /**
   * Checks on the stored value before its cast: invalid UTF-8, and the NULs `nul: strip` removes.
   * Returns a problem (the row is quarantined), or pushes what a policy changes onto `changes`.
   */
  const precheck = (row: readonly SqliteValue[], offset: number, i: number, raw: string, changes: { list: RowProblem[] | null }): RowProblem | null => {
    const col = cols[i]!;
    if (check[i]! >= 0 && raw.indexOf('\uFFFD') !== -1) {
      const stored = row[offset + n + check[i]!] as SqliteValue | undefined;
      if (!storedAsDecoded(raw, stored)) {
        const reason = invalidUtf8Reason(raw, stored, col);
        if (col.invalidUtf8 === 'fail') throw new LoadError('E_INVALID_UTF8', `${t.source}.${col.source} (${keyOf(row)}): ${reason}`, { hint: 'The mapping sets invalidUtf8: "fail" for this column.' });
        if (col.invalidUtf8 !== 'replace') return { column: col.source, value: excerpt(Buffer.isBuffer(stored) ? stored : raw), reason };
        (changes.list ??= []).push({ column: col.source, value: excerpt(raw), reason: 'loaded with U+FFFD in place of invalid UTF-8 (invalidUtf8: replace)' });
      }
    }
    if (strip[i] && raw.indexOf('\0') !== -1) {
      const count = raw.split('\0').length - 1;
      (changes.list ??= []).push({ column: col.source, value: excerpt(raw), reason: `loaded without its ${count === 1 ? 'NUL character' : `${count} NUL characters`} (nul: strip)` });
    }
    return null;
  };

  /** A failed cast: stop the load, set NULL (recorded), or quarantine the row (returned). */
  const castFailed = (row: readonly SqliteValue[], i: number, raw: SqliteValue, failure: CastFailure, changes: { list: RowProblem[] | null }): RowProblem | null => {
    const col = cols[i]!;
    const problem: RowProblem = { column: col.source, value: excerpt(raw), reason: failure.reason };
    if (col.onError === 'fail' || (col.nul === 'fail' && typeof raw === 'string' && raw.indexOf('\0') !== -1)) {
      throw new LoadError('E_CAST_FAIL', `${t.source}.${col.source} (${keyOf(row)}): ${failure.reason}. Value: ${problem.value}`, {
        hint: `The mapping sets ${col.onError === 'fail' ? 'onError' : 'nul'}: "fail" for this column. Fix the value, or set it to "quarantine".`,
      });
    }
    if (col.onError === 'null' && !col.notNull && !col.generated) {
      (changes.list ??= []).push({ ...problem, reason: `set to NULL (onError: null): ${failure.reason}` });
      return null;
    }
    return problem;
  };

  /** Converted value and its canonical form, or the failure. */
  const cast = (i: number, raw: SqliteValue): { out: string | null; c: string | null } | CastFailure => {
    const out = convert[i]!(raw);
    if (out instanceof CastFailure) return out;
    if (out === null) return { out, c: null };
    try {
      return { out, c: canon[i]!(out) };
    } catch (e) {
      return new CastFailure((e as Error).message);
    }
  };

  /** The streaming path, for a row with a value above LARGE_VALUE. */
  const encodeLarge = (row: readonly SqliteValue[], offset: number): EncodedRow | RowProblem => {
    const changes = { list: null as RowProblem[] | null };
    const segments: Segment[] = [];
    const rowCanons: (string | null | Large)[] = [];
    let first = true;
    for (let i = 0; i < n; i++) {
      let raw = row[i + offset] as SqliteValue;
      const col = cols[i]!;
      if (typeof raw === 'string') {
        const p = precheck(row, offset, i, raw, changes);
        if (p) return p;
      }
      let copy: Segment;
      let c: string | null | Large;
      if (isLarge(raw) && col.cast.kind === 'bytea' && Buffer.isBuffer(raw)) {
        // Every bytea converter turns a Buffer into `\x` + lowercase hex, whose canonical form is the hex.
        copy = { bytes: raw };
        c = { bytes: raw };
      } else if (isLarge(raw) && col.cast.kind === 'text' && typeof raw === 'string') {
        const text = applyNulPolicy(raw, col.nul);
        if (text instanceof CastFailure) {
          const p = castFailed(row, i, raw, text, changes);
          if (p) return p;
          raw = null;
          copy = escapeCopyText(null);
          c = null;
        } else {
          copy = { text };
          c = { text };
        }
      } else {
        const r = cast(i, raw);
        if (r instanceof CastFailure) {
          const p = castFailed(row, i, raw, r, changes);
          if (p) return p;
          copy = escapeCopyText(null);
          c = null;
        } else {
          copy = r.out !== null && r.out.length > LARGE_VALUE ? { text: r.out } : escapeCopyText(r.out);
          c = r.c !== null && r.c.length > LARGE_VALUE ? { text: r.c } : r.c;
        }
      }
      rowCanons.push(c);
      if (!sent[i]) continue;
      if (!first) segments.push('\t');
      first = false;
      segments.push(copy);
    }
    const digest = canonicalDigest(rowCanons);
    const values = (): (string | null)[] => rowCanons.map((x) => (x === null || typeof x === 'string' ? x : 'bytes' in x ? x.bytes.toString('hex') : x.text));
    let line: string | null = null;
    let canonical: string | null = null;
    return {
      pieces: copyPieces(segments),
      digest,
      // For a loader that reads `line` / `canonical`: correct, but as large as the value makes them.
      get line(): string {
        line ??= segments.map((seg) => (typeof seg === 'string' ? seg : 'bytes' in seg ? `\\\\x${seg.bytes.toString('hex')}` : escapeCopyText(seg.text))).join('') + '\n';
        return line;
      },
      get canonical(): string {
        canonical ??= canonicalRow(values());
        return canonical;
      },
      get values(): (string | null)[] {
        return values();
      },
      nulled: changes.list,
    };
  };

  const encode = (row: readonly SqliteValue[], offset: number): EncodedRow | RowProblem => {
    const changes = { list: null as RowProblem[] | null };
    let line = '';
    let first = true;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const raw = row[i + offset] as SqliteValue;
      if (typeof raw === 'string') {
        if (raw.length > LARGE_VALUE) return encodeLarge(row, offset);
        const p = precheck(row, offset, i, raw, changes);
        if (p) return p;
      } else if (raw !== null && typeof raw === 'object' && raw.length > LARGE_VALUE) {
        return encodeLarge(row, offset);
      }
      const r = cast(i, raw);
      let out: string | null;
      if (r instanceof CastFailure) {
        const p = castFailed(row, i, raw, r, changes);
        if (p) return p;
        out = null;
        canons[i] = null;
      } else {
        out = r.out;
        canons[i] = r.c;
      }
      if (!sent[i]) continue;
      if (asFields) {
        fields[k++] = out;
        continue;
      }
      if (!first) line += '\t';
      first = false;
      line += escapeCopyText(out);
    }
    if (asFields) return { line: '', fields, canonical: canonicalRow(canons), nulled: changes.list, values: canons };
    return { line: line + '\n', canonical: canonicalRow(canons), nulled: changes.list, values: canons };
  };
  return Object.assign(encode, { moments });
}

export function isRowProblem(r: EncodedRow | RowProblem): r is RowProblem {
  return (r as RowProblem).reason !== undefined;
}
