/**
 * The run enters the journal and gets its staging schema: a new run creates both; a resumed run
 * keeps the tables whose load completed (with their source checksums) and resets the rest.
 */
import type pg from 'pg';
import type { Plan, TablePlan } from '../../model/plan.js';
import { createSchemaSql, createTableSql } from '../../plan/ddl.js';
import { qualify } from '../../plan/identifiers.js';
import { clearQuarantine, insertRun, markRunning, tableStates, type RunRow } from '../../cutover/journal.js';
import type { TableLoad } from '../../load/load-tables.js';
import { resetStaging } from '../../load/reset-staging.js';
import { ChecksumAccumulator } from '../../encode/checksum.js';
import type { StepLog } from '../step-log.js';

export interface NewRunRecord {
  readonly runId: string;
  readonly mode: string;
  readonly schema: string;
  readonly staging: string;
  readonly sourcePath: string;
  readonly snapshotPath: string | null;
  readonly sha256: string | null;
  readonly size: number;
  readonly mappingHash: string;
  readonly version: string;
}

/** Journal the run; for a resumed run, the loads it already completed. */
export async function journalRun(admin: pg.ClientBase, plan: Plan, run: NewRunRecord, resumed: RunRow | null, log: StepLog): Promise<TableLoad[]> {
  if (!resumed) {
    await insertRun(admin, run);
    return [];
  }
  await markRunning(admin, run.runId);
  // Tables whose load completed (and was journaled) keep their rows and source checksums.
  const states = new Map((await tableStates(admin, run.runId)).filter((x) => x.state === 'loaded').map((x) => [x.source_table, x]));
  const kept: TableLoad[] = [];
  for (const t of plan.tables) {
    const st = states.get(t.source);
    if (!st || st.target_table !== t.target) continue;
    kept.push({
      table: t,
      rowsRead: Number(st.rows_read),
      rowsLoaded: Number(st.rows_loaded),
      rowsQuarantined: Number(st.rows_quarantined),
      valuesNulled: 0,
      bytes: 0,
      startMs: 0,
      ms: 0,
      checksum: ChecksumAccumulator.fromJSON({ count: Number(st.checksum_count), sum: st.checksum_sum }),
      quarantineFile: null,
      quarantineSample: [],
    });
  }
  log.note([`resumed run ${run.runId}: ${kept.length} of ${plan.tables.length} tables were already loaded and were kept`]);
  return kept;
}

/** Bare tables (no keys, indexes or constraints yet) for every table still to load. */
export async function createStaging(admin: pg.ClientBase, o: { staging: string; runId: string; resumed: boolean }, toLoad: readonly TablePlan[], log: StepLog): Promise<void> {
  const sql = log.events.sql;
  await log.timed(o.resumed ? 'reset staging tables' : 'create staging tables', 'pre', async () => {
    if (o.resumed) {
      await resetStaging(admin, o.staging, sql);
      await clearQuarantine(admin, o.runId, toLoad.map((t) => t.source));
    } else {
      await admin.query(createSchemaSql(o.staging));
    }
    for (const t of toLoad) {
      // A partially loaded table is reloaded from scratch.
      if (o.resumed) await admin.query(`DROP TABLE IF EXISTS ${qualify(o.staging, t.target)}`);
      const ddl = createTableSql(o.staging, t);
      sql?.(ddl);
      await admin.query(ddl);
    }
  });
}
