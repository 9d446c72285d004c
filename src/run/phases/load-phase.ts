/**
 * COPY of every table still to load into the staging schema, on worker-thread lanes; each table
 * is journaled (with its quarantined rows) as soon as its load completes, so a crash keeps it.
 */
import type pg from 'pg';
import type { Plan, TablePlan } from '../../model/plan.js';
import { connectTarget, type TargetSettings } from '../../load/target.js';
import { loadTables, type TableLoad } from '../../load/load-tables.js';
import type { QuarantineDir, QuarantineRecord } from '../../load/quarantine-files.js';
import { readQuarantineFile } from '../../load/read-quarantine.js';
import { recordQuarantine, recordTable } from '../../cutover/journal.js';
import type { StepLog } from '../step-log.js';

export interface LoadPhaseOptions {
  readonly readPath: string;
  readonly staging: string;
  readonly runId: string;
  readonly target: TargetSettings;
  readonly lanes: number;
  readonly chunkRows: number;
  readonly quarantine: QuarantineDir;
  /** After a table is loaded and journaled (post-load starts on it). */
  readonly onTableLoaded?: (t: TablePlan) => void;
  readonly signal?: AbortSignal;
}

/** Record a loaded table and its quarantined rows in the journal. */
export async function journalTable(client: pg.ClientBase, runId: string, l: TableLoad): Promise<void> {
  if (l.quarantineFile) {
    let batch: QuarantineRecord[] = [];
    for await (const q of readQuarantineFile(l.quarantineFile)) {
      if (q.action !== 'quarantined') continue;
      batch.push(q);
      if (batch.length >= 1000) {
        await recordQuarantine(client, runId, batch);
        batch = [];
      }
    }
    await recordQuarantine(client, runId, batch);
  }
  await recordTable(client, runId, { source: l.table.source, target: l.table.target, state: 'loaded', rowsRead: l.rowsRead, rowsLoaded: l.rowsLoaded, rowsQuarantined: l.rowsQuarantined, count: l.checksum.count, sum: l.checksum.sum });
}

/**
 * Load `plan.tables`. `completed` receives each table as it finishes, so a failed run still
 * reports what it did.
 */
export async function loadPhase(admin: pg.ClientBase, plan: Plan, o: LoadPhaseOptions, completed: TableLoad[], log: StepLog): Promise<TableLoad[]> {
  const ev = log.events;
  return log.timed('load data', 'data', () =>
    loadTables(plan, {
      sourcePath: o.readPath,
      schema: o.staging,
      lanes: o.lanes,
      chunkRows: o.chunkRows,
      quarantine: o.quarantine,
      connect: (): Promise<pg.Client> => connectTarget(o.target),
      target: o.target,
      onTableStart: (t) => ev.tableStart?.(t.source, t.rowCount),
      onRows: (t, n) => ev.tableRows?.(t.source, n),
      onTableDone: async (r) => {
        completed.push(r);
        log.step({ step: 'copy', section: 'data', table: r.table.target, status: 'ok', startMs: r.startMs, ms: r.ms, rows: r.rowsLoaded, bytes: r.bytes });
        // Journal each table as soon as it is complete: a crash after this point keeps it.
        await journalTable(admin, o.runId, r);
        ev.tableDone?.(r);
      },
      ...(o.onTableLoaded ? { onTableLoaded: o.onTableLoaded } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    }, log.t0),
  );
}
