/**
 * Full verification of the staging schema against the checksums the loader computed from the
 * source while sending; for a table that differs, its differing rows are found by a second read.
 */
import type pg from 'pg';
import { connectTarget, type TargetSettings } from '../../load/target.js';
import type { TableLoad } from '../../load/load-tables.js';
import { openSqlite } from '../../source/sqlite-db.js';
import { verifyTables, type TableVerification } from '../../verify/verify-tables.js';
import { pinpointDifferences } from '../../verify/pinpoint.js';
import { quarantinedKeys } from '../../cutover/journal.js';
import type { StepLog } from '../step-log.js';

export interface VerifyPhaseOptions {
  readonly readPath: string;
  readonly staging: string;
  readonly runId: string;
  readonly target: TargetSettings;
  readonly lanes: number;
  readonly chunkRows: number;
  readonly diffLimit: number;
}

/**
 * Rows per slice of a table's checksum: a table of at least two slices is split into ranges of
 * heap blocks that all backends share. Smaller than the load's chunks (--chunk-rows, 100,000 by
 * default), so that a table of 50k–200k rows is checked on both cores too: at 100k rows (110k
 * events) its checksum took 0.93 s on one backend (2026-12-07). A slice costs one query (~1 ms).
 */
export const VERIFY_SLICE_ROWS = 25_000;

/** Fills `out` table by table (so a failed phase still reports what it verified). */
export async function verifyPhase(admin: pg.ClientBase, loads: readonly TableLoad[], o: VerifyPhaseOptions, out: Map<string, TableVerification>, log: StepLog): Promise<void> {
  await log.timed('verify', 'verify', async () => {
    // One connection per lane: PostgreSQL computes checksums on as many backends (cores) at once.
    const extra = await Promise.all(Array.from({ length: Math.max(0, o.lanes - 1) }, () => connectTarget(o.target)));
    try {
      const results = await verifyTables([admin, ...extra], o.staging, loads.map((l) => ({ table: l.table, source: { rowsLoaded: l.rowsLoaded, count: l.checksum.count, sum: l.checksum.sum } })), Math.min(o.chunkRows, VERIFY_SLICE_ROWS), (v) =>
        log.step({ step: 'checksum', section: 'verify', table: v.table.target, status: v.match ? 'ok' : 'failed', startMs: Date.now() - log.t0 - v.ms, ms: v.ms, rows: v.targetRows }),
      );
      // Read once, and only when some table differs: the keys of every quarantined row of the run.
      let skip: Map<string, Set<string>> | null = null;
      for (const l of loads) {
        let v = results.get(l.table.source)!;
        if (!v.match) {
          // Find the rows: a second read of the snapshot, only for a table that differs.
          const db = openSqlite(o.readPath);
          try {
            skip ??= await quarantinedKeys(admin, o.runId);
            const p = await pinpointDifferences(admin, db, o.staging, l.table, { limit: o.diffLimit, skipKeys: skip.get(l.table.source) ?? new Set() });
            v = { ...v, differingRows: p.rows };
            if (p.note) log.note([`${l.table.source}: ${p.note}`]);
          } finally {
            db.close();
          }
        }
        out.set(l.table.source, v);
      }
    } finally {
      await Promise.all(extra.map((c) => c.end().catch(() => undefined)));
    }
  });
}
