/**
 * The words of the progress display, shared by the live task list and the plain lines.
 * Pure: the caller passes the clock.
 */
import { formatInt, formatMs } from '../report/format.js';

/** Rows per second so far; 0 until there is something to measure. */
export function rowsPerSecond(done: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
}

/** Time left at the rate so far, or null when it cannot be estimated yet. */
export function etaMs(done: number, total: number, elapsedMs: number): number | null {
  const rate = rowsPerSecond(done, elapsedMs);
  if (rate <= 0 || elapsedMs < 250) return null;
  return (Math.max(0, total - done) / rate) * 1000;
}

/** `1,234 / 6,000 rows · 12,345 rows/s · ETA 3.1 s` (the parts that can be known). */
export function rowsProgress(done: number, total: number, elapsedMs: number): string {
  const parts = [`${formatInt(done)} / ${formatInt(total)} rows`];
  const rate = rowsPerSecond(done, elapsedMs);
  if (rate > 0 && elapsedMs >= 250) parts.push(`${formatInt(rate)} rows/s`);
  // All rows sent: what is left is PostgreSQL finishing the COPY, which no rate predicts.
  const eta = done >= total ? null : etaMs(done, total, elapsedMs);
  if (done >= total && total > 0) parts.push('finishing');
  else if (eta !== null) parts.push(`ETA ${formatMs(eta)}`);
  return parts.join(' · ');
}

/**
 * `6,000 rows in 131 ms · 45,802 rows/s`, plus the quarantined rows when there are any; the count
 * right-aligned to `width` characters so that a list of tables lines up.
 */
export function rowsDone(rows: number, ms: number, quarantined: number, width = 0): string {
  const rate = ms > 0 && rows > 0 ? ` · ${formatInt((rows * 1000) / ms)} rows/s` : '';
  const q = quarantined > 0 ? ` · ${formatInt(quarantined)} quarantined` : '';
  return `${formatInt(rows).padStart(width)} ${rows === 1 ? 'row' : 'rows'} in ${formatMs(ms)}${rate}${q}`;
}

/** A fixed-width bar: `█████░░░░░` (or `#####-----` where Unicode is not available). */
export function progressBar(done: number, total: number, width: number, unicode: boolean): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const full = Math.round(ratio * width);
  return unicode ? '█'.repeat(full) + '░'.repeat(width - full) : '#'.repeat(full) + '-'.repeat(width - full);
}

/** The first line of a message, for a one-line display (the report has it in full). */
export function firstLine(message: string): string {
  const line = message.split(/\r\n|\r|\n/).find((l) => l.trim() !== '');
  return line === undefined ? '' : line.trim();
}
