/**
 * `sqlite2pg plan`: profile every table, propose mapping files from the evidence, and write
 * them (or, with --check, only say what would change). Hand-edited files are never overwritten
 * without --force; new tables and columns are merged in.
 */
import { checkSqliteFile, openSqlite } from '../source/sqlite-db.js';
import { introspectSqlite } from '../source/introspect-sqlite.js';
import { profileTable, type TableProfile } from '../source/profile-columns.js';
import { proposeMapping } from '../plan/propose-mappings.js';
import { loadMappings } from '../mappings/load-mappings.js';
import { writeMappings, type WriteMappingsResult } from '../mappings/write-mappings.js';
import { ConfigError } from '../errors.js';
import type { TableMapping } from '../model/mapping.js';

export interface PlanRunOptions {
  readonly sourcePath: string;
  readonly mappingsDir: string;
  readonly sample: number | null;
  readonly check: boolean;
  readonly force: boolean;
  readonly onTable?: (table: string, rows: number) => void;
}

export interface TablePlanSummary {
  readonly table: string;
  readonly rows: number;
  readonly proposed: readonly { readonly column: string; readonly rule: string }[];
  readonly notes: readonly string[];
  readonly profile: TableProfile;
}

export interface PlanRunResult {
  readonly tables: readonly TablePlanSummary[];
  readonly files: WriteMappingsResult;
}

function describeRule(m: NonNullable<TableMapping['columns']>[string]): string {
  const bits = [m.cast ?? m.type ?? 'default'];
  if (m.format) bits.push(m.format);
  if (m.timeZone) bits.push(m.timeZone);
  return bits.join(' ');
}

export async function runPlan(o: PlanRunOptions): Promise<PlanRunResult> {
  const { sizeBytes } = await checkSqliteFile(o.sourcePath);
  const db = openSqlite(o.sourcePath);
  try {
    const catalog = introspectSqlite(db, o.sourcePath, sizeBytes);
    const existing = await loadMappings(o.mappingsDir);
    if (existing.problems.length) {
      throw new ConfigError(`The existing mapping files in ${o.mappingsDir} cannot be read:`, { problems: existing.problems, hint: 'Fix them (or move them away) and run plan again.' });
    }
    const summaries: TablePlanSummary[] = [];
    const proposals: { table: string; mapping: TableMapping }[] = [];
    for (const t of catalog.tables) {
      o.onTable?.(t.name, t.rowCount);
      const profile = profileTable(db, t, o.sample ? { sample: o.sample } : {});
      const prev = existing.mappings.get(t.name)?.mapping;
      const { mapping, notes } = proposeMapping(t, profile, prev);
      proposals.push({ table: t.name, mapping });
      summaries.push({
        table: t.name,
        rows: t.rowCount,
        proposed: Object.entries(mapping.columns ?? {}).map(([column, m]) => ({ column, rule: describeRule(m) })),
        notes,
        profile,
      });
    }
    const files = await writeMappings(o.mappingsDir, proposals, { force: o.force, check: o.check });
    return { tables: summaries, files };
  } finally {
    db.close();
  }
}
