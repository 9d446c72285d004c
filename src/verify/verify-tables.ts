/**
 * Verification: per table, PostgreSQL computes count + checksum of the loaded rows in SQL
 * (no data travels back) and we compare with what the loader computed from the values it sent.
 */
import type pg from 'pg';
import type { TablePlan } from '../model/plan.js';
import type { DifferingRow } from '../model/run-result.js';
import { tableChecksumSql } from './checksum.js';

export interface SourceSide {
  readonly rowsLoaded: number;
  readonly count: number;
  readonly sum: string;
}

export interface TableVerification {
  readonly table: TablePlan;
  readonly targetRows: number;
  readonly targetSum: string;
  readonly match: boolean;
  readonly ms: number;
  readonly differingRows: readonly DifferingRow[];
}

export function checksumColumns(t: TablePlan): { name: string; cast: TablePlan['columns'][number]['cast'] }[] {
  return t.columns.map((c) => ({ name: c.target, cast: c.cast }));
}

export async function verifyTable(client: pg.ClientBase, schema: string, t: TablePlan, source: SourceSide): Promise<TableVerification> {
  const start = Date.now();
  const r = await client.query<{ count: string; sum: string }>(tableChecksumSql(schema, t.target, checksumColumns(t)));
  const targetRows = Number(r.rows[0]!.count);
  const targetSum = r.rows[0]!.sum;
  const match = targetRows === source.rowsLoaded && targetRows === source.count && targetSum === source.sum;
  return { table: t, targetRows, targetSum, match, ms: Date.now() - start, differingRows: [] };
}
