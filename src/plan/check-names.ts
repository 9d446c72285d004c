/**
 * Names PostgreSQL will not take, found in the plan before anything touches the target: each is a
 * mapping problem (exit 3) with the fix, not a failed CREATE TABLE in the middle of a run.
 * Pure: no I/O.
 */
import type { Plan } from '../model/plan.js';

/**
 * PostgreSQL's system column names: a user column of one of these names is refused ("column name
 * conflicts with a system column name"). `oid` is an ordinary column name since PostgreSQL 12
 * (WITH OIDS is gone), and sqlite2pg needs 13 or later, so it is not listed. Compared exactly: the
 * tool quotes every identifier, so "XMIN" is a different, allowed name.
 * https://www.postgresql.org/docs/current/ddl-system-columns.html
 */
export const SYSTEM_COLUMN_NAMES: ReadonlySet<string> = new Set(['tableoid', 'xmin', 'cmin', 'xmax', 'cmax', 'ctid']);

/** Schemas sqlite2pg keeps for itself: the journal, and the staging/previous/rolled-back namespaces of runs. */
export const TOOL_SCHEMA = 'sqlite2pg';

/**
 * Why a live schema name cannot be used, or null when it can: the journal's own schema, the
 * tool's `sqlite2pg_*` run namespaces (a cutover or rollback there would move the tool's own
 * tables), PostgreSQL's reserved `pg_*` prefix (CREATE SCHEMA refuses it) and information_schema.
 * A command that only reads (`verify`) may name a kept `sqlite2pg_*` schema: the tables a rollback
 * or fallback moved aside, or a kept staging schema, are worth comparing with the source.
 */
export function reservedSchemaProblem(schema: string, o: { readOnly?: boolean } = {}): string | null {
  if (schema === '') return 'the schema name is empty';
  if (schema === TOOL_SCHEMA) return `"${TOOL_SCHEMA}" is the schema of sqlite2pg's own run journal: the migrated tables cannot live there`;
  if (schema.startsWith(`${TOOL_SCHEMA}_`) && !o.readOnly) return `"${schema}" is in the sqlite2pg_* namespace that runs use for their staging, previous and rolled-back schemas`;
  if (schema.startsWith('pg_')) return `"${schema}" starts with pg_, which PostgreSQL reserves for system schemas`;
  if (schema === 'information_schema') return '"information_schema" is a PostgreSQL system schema';
  return null;
}

/**
 * Every target table or column name PostgreSQL refuses: empty names and system column names,
 * each with its table, column and the mapping entry that renames it. All of them, not the first.
 * `mappingFile` names the mapping file of a source table (mappings/<table>.json).
 */
export function targetNameProblems(plan: Plan, mappingFile: (table: string) => string): string[] {
  const problems: string[] = [];
  for (const t of plan.tables) {
    const file = mappingFile(t.source);
    if (t.target === '') {
      problems.push(`table ${JSON.stringify(t.source)}: its target name is empty, which PostgreSQL cannot hold: set "target" in ${file}, e.g. {"table": ${JSON.stringify(t.source)}, "target": "unnamed"}`);
    }
    for (const c of t.columns) {
      const where = `table ${JSON.stringify(t.source)} column ${JSON.stringify(c.source)}`;
      const fix = (suggest: string): string => `rename it in ${file}: "columns": {${JSON.stringify(c.source)}: {"target": ${JSON.stringify(suggest)}}} (or "skip": true)`;
      if (c.target === '') problems.push(`${where}: the target column name is empty, which PostgreSQL cannot hold: ${fix('unnamed')}`);
      else if (SYSTEM_COLUMN_NAMES.has(c.target)) problems.push(`${where}: "${c.target}" is a PostgreSQL system column name, which a table cannot have as a column: ${fix(`${c.target}_`)}`);
    }
  }
  return problems;
}
