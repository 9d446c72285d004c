/**
 * Is a SQLite file still what run X migrated? Like is compared with like: the per-table count and
 * checksum the run recorded for the rows it read (the migrate's load, journal `run_tables`, or the
 * sync carried to an online cutover) with the same checksum of the file now (verify/source-checksum.ts).
 * File bytes cannot tell: a WAL source's snapshot is written by VACUUM INTO, whose pages never
 * equal the source's, and a WAL file's bytes change on every checkpoint while its rows do not.
 * Equal bytes do prove "unchanged" (a rollback-journal source, snapshotted byte for byte), which
 * is the fast path of each caller. `verify` warns with this (run/verify-run.ts); `fallback` refuses
 * a file whose rows differ (run/fallback-run.ts).
 */
import type pg from 'pg';
import type { TablePlan } from '../model/plan.js';
import { checksumText, sourceChecksum } from '../verify/source-checksum.js';
import { quarantinedKeys, syncState, tableStates, type RunRow } from './journal.js';

/** One table's checksum as a run recorded it (`count:sum`; undefined: not part of the run) and as the source gives it now. */
export interface TableFingerprint {
  readonly table: string;
  readonly recorded: string | undefined;
  /** null: the table is no longer in the source (or cannot be read as the run read it). */
  readonly now: string | null;
}

/** Per source table, the `count:sum` run `run` recorded: an online run's as carried to its cutover, else its load's. */
export async function recordedChecksums(client: pg.ClientBase, run: RunRow): Promise<Map<string, string>> {
  const sync = run.mode === 'online' ? await syncState(client, run.run_id) : null;
  if (sync) return new Map(sync.tables.map((t) => [t.source_table, `${t.carry_count}:${t.carry_sum}`]));
  return new Map((await tableStates(client, run.run_id)).map((t) => [t.source_table, `${t.checksum_count}:${t.checksum_sum}`]));
}

/** The tables whose rows differ from the ones the run read. Pure. */
export function changedTables(tables: readonly TableFingerprint[]): TableFingerprint[] {
  return tables.filter((t) => t.recorded !== t.now);
}

/** `items (200:… recorded, 200:… now)`, as warnings and refusals name a changed table. Pure. */
export function describeFingerprint(t: TableFingerprint): string {
  return `${t.table} (${t.recorded === undefined ? 'not migrated by the run' : `${t.recorded} recorded`}, ${t.now === null ? 'no longer in the source' : `${t.now} now`})`;
}

/**
 * Every table of `plans` (the run's plan) as the run recorded it and as `rowsOf` reads it now,
 * the rows the run quarantined excluded. A table `rowsOf` cannot read (gone, or its columns
 * changed) is `now: null`. Reads each table once, whole.
 */
export async function fingerprintsSince(client: pg.ClientBase, run: RunRow, plans: readonly TablePlan[], rowsOf: (t: TablePlan) => Iterable<unknown[]>): Promise<TableFingerprint[]> {
  const recorded = await recordedChecksums(client, run);
  const skip = await quarantinedKeys(client, run.run_id);
  return plans.map((t) => {
    let now: string | null;
    try {
      const { acc, unconverted } = sourceChecksum(rowsOf(t), t, skip.get(t.source) ?? new Set<string>());
      now = checksumText(acc, unconverted);
    } catch (e) {
      // "no such table / column": not the table the run read. Anything else (corruption, I/O) is said as is.
      if ((e as { code?: string }).code !== 'SQLITE_ERROR') throw e;
      now = null;
    }
    return { table: t.source, recorded: recorded.get(t.source), now };
  });
}
