/**
 * Verification: per table, PostgreSQL computes count + checksum of the loaded rows in SQL
 * (no data travels back) and we compare with what the loader computed from the values it sent.
 */
import type pg from 'pg';
import { qualify, quoteIdent } from '../plan/identifiers.js';
import type { TablePlan } from '../model/plan.js';
import type { DifferingRow } from '../model/run-result.js';
import { addSums, tableChecksumSql } from './checksum.js';

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

/** One slice of verification work: a whole table, or an id range of a big one. */
interface VerifyTask {
  readonly table: TablePlan;
  readonly range: { readonly column: string; readonly lo: string; readonly hi: string } | null;
}

/** The integer identity key of a table (an INTEGER PRIMARY KEY), usable for range splits. */
function integerKey(t: TablePlan): string | null {
  const pk = t.primaryKey;
  if (!pk || pk.columns.length !== 1) return null;
  const c = t.columns.find((x) => x.target === pk.columns[0]);
  return c && c.cast.kind === 'integer' ? c.target : null;
}

/**
 * Verify many tables over several connections at once (one backend per connection, so all
 * cores work): big tables with an integer key are split into id ranges whose checksums add up.
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
    const key = integerKey(table);
    let ranges: VerifyTask['range'][] = [null];
    if (key && clients.length > 1 && table.rowCount >= 2 * splitRows) {
      const mm = await first.query<{ lo: string | null; hi: string | null }>(`SELECT min(${quoteIdent(key)})::text AS lo, max(${quoteIdent(key)})::text AS hi FROM ${qualify(schema, table.target)}`);
      const lo = mm.rows[0]?.lo;
      const hi = mm.rows[0]?.hi;
      if (lo != null && hi != null) {
        const parts = BigInt(Math.min(64, Math.ceil(table.rowCount / splitRows)));
        const span = BigInt(hi) - BigInt(lo) + 1n;
        const step = (span + parts - 1n) / parts;
        ranges = [];
        for (let a = BigInt(lo); a <= BigInt(hi); a += step) {
          const b = a + step - 1n > BigInt(hi) ? BigInt(hi) : a + step - 1n;
          ranges.push({ column: key, lo: a.toString(), hi: b.toString() });
        }
      }
    }
    pending.set(table.source, { parts: ranges.length, count: 0, sum: '0', start: 0, source, table });
    for (const range of ranges) tasks.push({ table, range });
  }
  const out = new Map<string, TableVerification>();
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        const p = pending.get(task.table.source)!;
        if (p.start === 0) p.start = Date.now();
        const sql = tableChecksumSql(schema, task.table.target, checksumColumns(task.table), task.range ?? undefined);
        const r = await client.query<{ count: string; sum: string }>(sql, task.range ? [task.range.lo, task.range.hi] : []);
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
