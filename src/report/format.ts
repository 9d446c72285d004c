/**
 * Small, locale-independent formatters shared by the Markdown report and the CLI, and the
 * one-line outcome of a run. Pure: the same RunResult always gives the same text, on any
 * machine (no `toLocaleString`, whose output depends on the ICU data Node was built with).
 */
import type { RunResult, TableResult } from '../model/run-result.js';

/** Shown for a value that does not exist (not measured, not verified, division by zero). */
export const NONE = '—';

/** An integer with comma thousands separators: `46273` → `'46,273'`. Rounds non-integers. */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return NONE;
  const digits = String(Math.abs(Math.round(n)));
  const grouped = digits.replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 && grouped !== '0' ? `-${grouped}` : grouped;
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * A byte count in binary units, three significant digits at most:
 * `512` → `'512 B'`, `1536` → `'1.5 KiB'`, `22749184` → `'21.7 MiB'`, `5e9` → `'4.66 GiB'`.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return NONE;
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  // 1023.6 KiB would print as "1024 KiB": move to the next unit before rounding can carry.
  while (value >= 1023.5 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value < 9.995 ? 2 : value < 99.95 ? 1 : 0;
  const text = value.toFixed(digits);
  const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return `${trimmed} ${BYTE_UNITS[unit] ?? 'B'}`;
}

/**
 * A duration for people: `850` → `'850 ms'`, `1234` → `'1.2 s'`, `185000` → `'3 min 05 s'`,
 * `3723000` → `'1 h 02 min'`.
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return NONE;
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${pad2(seconds % 60)} s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${pad2(minutes % 60)} min`;
}

/**
 * Throughput in rows per second: `formatRate(46273, 1200)` → `'38,561 rows/s'`.
 * `'—'` when the duration is zero or unknown (a rate would be infinite or meaningless).
 */
export function formatRate(rows: number, ms: number): string {
  if (!Number.isFinite(rows) || !Number.isFinite(ms) || ms <= 0 || rows < 0) return NONE;
  return `${formatInt((rows * 1000) / ms)} rows/s`;
}

/** An offset from the start of the run as `mm:ss.mmm` (`hh:mm:ss.mmm` past an hour): `72345` → `'01:12.345'`. */
export function formatOffset(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return NONE;
  const total = Math.round(ms);
  const seconds = Math.floor(total / 1000);
  const millis = String(total % 1000).padStart(3, '0');
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mmss = `${pad2(m)}:${pad2(s)}.${millis}`;
  return h > 0 ? `${pad2(h)}:${mmss}` : mmss;
}

/** `plural(1, 'row')` → `'1 row'`, `plural(3046, 'row')` → `'3,046 rows'`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatInt(n)} ${n === 1 ? singular : pluralForm}`;
}

/**
 * Whether verification found this table different: checksum mismatch, a target row count that
 * is not the loaded count, or differing rows. A table that was not verified does not differ.
 */
export function tableDiffers(table: TableResult): boolean {
  return (
    table.checksum?.match === false ||
    (table.targetRows !== null && table.targetRows !== table.rowsLoaded) ||
    table.differingRows.length > 0
  );
}

/** Whether verification compared this table (it has a checksum result on both sides). */
export function tableVerified(table: TableResult): boolean {
  return table.checksum !== null && table.checksum.match !== null;
}

/**
 * The outcome of a run in one line of plain text (no Markdown), for the top of the report and
 * the last line the CLI prints. Examples:
 * `PASSED: 11 tables, 15,607 rows, verified`,
 * `NOT CUT OVER: 3 rows quarantined in 1 table (15,604 of 15,607 rows loaded)` (exit 8),
 * `PASSED WITH QUARANTINE (accepted): 3 rows quarantined …` (with --allow-quarantine),
 * `VERIFICATION MISMATCH: 2 tables differ`, `FAILED: <first line of the error message>`,
 * each prefixed with `DRY RUN — ` for a dry run.
 */
export function summaryLine(run: RunResult): string {
  const prefix = run.mode === 'dry-run' ? 'DRY RUN — ' : '';
  // An online cutover: the downtime is what the approver asked for.
  const downtime = run.online?.downtimeMs;
  return prefix + outcomeText(run) + (downtime === undefined || downtime === null ? '' : `; online, downtime ${formatMs(downtime)}`);
}

function outcomeText(run: RunResult): string {
  const tables = run.tables;
  const loaded = sum(tables.map((t) => t.rowsLoaded));
  switch (run.outcome) {
    case 'passed': {
      const accepted = sum(tables.map((t) => t.rowsQuarantined));
      if (accepted > 0) return `PASSED WITH QUARANTINE (accepted): ${quarantineText(tables)}`;
      const unverified = tables.filter((t) => !tableVerified(t)).length;
      const verified =
        unverified === 0
          ? 'verified'
          : unverified === tables.length
            ? 'not verified'
            : `${plural(unverified, 'table')} not verified`;
      return `PASSED: ${plural(tables.length, 'table')}, ${plural(loaded, 'row')}, ${verified}`;
    }
    case 'passed-with-quarantine':
      // Exit 8 stops before the cutover; only a report of an older version could say otherwise.
      return `${run.cutover.performed ? 'PASSED WITH QUARANTINE' : 'NOT CUT OVER'}: ${quarantineText(tables)}`;
    case 'verify-mismatch': {
      const differing = tables.filter(tableDiffers).length;
      if (differing > 0) return `VERIFICATION MISMATCH: ${plural(differing, 'table')} ${differing === 1 ? 'differs' : 'differ'}`;
      return run.error ? `VERIFICATION MISMATCH: ${oneLine(run.error.message)}` : 'VERIFICATION MISMATCH';
    }
    case 'failed':
      return `FAILED: ${run.error ? oneLine(run.error.message) : 'no error was recorded'}`;
  }
}

/** `3 rows quarantined in 1 table (15,604 of 15,607 rows loaded)`. */
function quarantineText(tables: RunResult['tables']): string {
  const quarantined = tables.filter((t) => t.rowsQuarantined > 0);
  const rows = sum(quarantined.map((t) => t.rowsQuarantined));
  const read = sum(tables.map((t) => t.rowsRead));
  const loaded = sum(tables.map((t) => t.rowsLoaded));
  return `${plural(rows, 'row')} quarantined in ${plural(quarantined.length, 'table')} (${formatInt(loaded)} of ${plural(read, 'row')} loaded)`;
}

/** Whether a run stopped before its cutover because rows were quarantined (exit 8). */
export function stoppedByQuarantine(run: RunResult): boolean {
  return run.outcome === 'passed-with-quarantine' && !run.cutover.performed;
}

/** The first non-empty line of a message, trimmed: a summary must stay on one line. */
function oneLine(message: string): string {
  const first = message.split(/\r\n|\r|\n/).find((line) => line.trim() !== '');
  return first === undefined ? '(empty message)' : first.trim();
}

/** Sum of a list of numbers (0 for none). */
export function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * A follow-up whose object WAS translated (its reason starts with `translated:`, e.g. an
 * `updated_at` touch trigger rebuilt in PostgreSQL): a review, not something left untranslated.
 */
export function isTranslatedReview(item: { readonly reason: string }): boolean {
  return item.reason.startsWith('translated:');
}

/** `1 object could not be translated, 1 translated object to review`: the follow-ups counted by kind of work. */
export function followUpCounts(items: readonly { readonly reason: string }[]): string {
  const reviews = items.filter(isTranslatedReview).length;
  const rewrites = items.length - reviews;
  return [rewrites ? `${plural(rewrites, 'object')} could not be translated` : null, reviews ? `${plural(reviews, 'translated object')} to review` : null].filter((x) => x !== null).join(', ');
}
