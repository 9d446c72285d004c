/**
 * Verification: per table, PostgreSQL computes count + checksum of the loaded rows in SQL
 * (no data travels back) and we compare with what the loader computed from the values it sent.
 */
import type pg from 'pg';
import { qualify } from '../plan/identifiers.js';
import type { TablePlan } from '../model/plan.js';
import type { DifferingRow } from '../model/run-result.js';
import { addSums, tableChecksumSql, type ChecksumColumn } from '../encode/checksum.js';

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

/** The columns of a table's checksum query, in plan order; NOT NULL as the staging DDL declares it (plan/ddl.ts). */
export function checksumColumns(t: TablePlan): ChecksumColumn[] {
  return t.columns.map((c) => ({ name: c.target, cast: c.cast, notNull: c.notNull }));
}

export async function verifyTable(client: pg.ClientBase, schema: string, t: TablePlan, source: SourceSide): Promise<TableVerification> {
  const start = Date.now();
  const r = await client.query<{ count: string; sum: string }>(tableChecksumSql(schema, t.target, checksumColumns(t)));
  const targetRows = Number(r.rows[0]!.count);
  const targetSum = r.rows[0]!.sum;
  const match = targetRows === source.rowsLoaded && targetRows === source.count && targetSum === source.sum;
  return { table: t, targetRows, targetSum, match, ms: Date.now() - start, differingRows: [] };
}

/** One slice of verification work: a whole table, or a range of heap blocks of a big one. */
interface VerifyTask {
  readonly table: TablePlan;
  /** Heap blocks [lo, hi) of the table, hi null for "to the end"; null for the whole table. */
  readonly blocks: { readonly lo: number; readonly hi: number | null } | null;
}

const tid = (block: number): string => `(${block},0)`;

/**
 * Checksums of loaded tables, on all `clients` at once: big tables are split into ranges of heap
 * blocks whose sums add up, so every backend (core) works on the largest table too. A block range
 * is read by a TID range scan: sequential, needing no index and no integer key.
 */
export async function verifyTables(
  clients: readonly pg.ClientBase[],
  schema: string,
  tables: readonly { readonly table: TablePlan; readonly source: SourceSide }[],
  splitRows: number,
  onTable?: (v: TableVerification) => void,
): Promise<Map<string, TableVerification>> {
  const tasks: VerifyTask[] = [];
  const pending = new Map<string, { parts: number; count: number; sum: string; start: number; source: SourceSide; table: TablePlan }>();
  const first = clients[0]!;
  for (const { table, source } of [...tables].sort((a, b) => b.table.rowCount - a.table.rowCount)) {
    let ranges: VerifyTask['blocks'][] = [null];
    if (clients.length > 1 && table.rowCount >= 2 * splitRows) {
      const r = await first.query<{ blocks: string }>(`SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int)::text AS blocks`, [qualify(schema, table.target)]);
      const blocks = Number(r.rows[0]!.blocks);
      const parts = Math.min(64, Math.ceil(table.rowCount / splitRows), blocks);
      if (parts > 1) {
        const step = Math.ceil(blocks / parts);
        ranges = [];
        for (let lo = 0; lo < blocks; lo += step) ranges.push({ lo, hi: lo + step < blocks ? lo + step : null });
      }
    }
    pending.set(table.source, { parts: ranges.length, count: 0, sum: '0', start: 0, source, table });
    for (const blocks of ranges) tasks.push({ table, blocks });
  }
  const out = new Map<string, TableVerification>();
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        const p = pending.get(task.table.source)!;
        if (p.start === 0) p.start = Date.now();
        const b = task.blocks;
        const sql = tableChecksumSql(schema, task.table.target, checksumColumns(task.table), b ? { open: b.hi === null } : undefined);
        const r = await client.query<{ count: string; sum: string }>(sql, b ? (b.hi === null ? [tid(b.lo)] : [tid(b.lo), tid(b.hi)]) : []);
        p.count += Number(r.rows[0]!.count);
        p.sum = addSums(p.sum, r.rows[0]!.sum);
        if (--p.parts === 0) {
          const s = p.source;
          const match = p.count === s.rowsLoaded && p.count === s.count && p.sum === s.sum;
          const v: TableVerification = { table: p.table, targetRows: p.count, targetSum: p.sum, match, ms: Date.now() - p.start, differingRows: [] };
          out.set(p.table.source, v);
          onTable?.(v);
        }
      }
    }),
  );
  return out;
}
