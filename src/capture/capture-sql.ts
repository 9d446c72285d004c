/**
 * The SQL of change capture, as pure functions of the tables it watches. Key-only: every trigger
 * records the table name and the declared primary key (as a `quote()` list, see key-text.ts), never
 * a row image and never an implicit rowid (VACUUM may renumber it).
 *
 * - AFTER INSERT / UPDATE / DELETE record NEW / NEW (and OLD when the key changed) / OLD.
 * - BEFORE INSERT and BEFORE UPDATE OF <unique columns> record the keys of existing rows that
 *   conflict with NEW on the key or on any UNIQUE index: `INSERT OR REPLACE` / `UPDATE OR REPLACE`
 *   delete those rows without firing DELETE triggers unless the application's own connection set
 *   `recursive_triggers`. https://www.sqlite.org/lang_conflict.html (REPLACE)
 * - The changelog has no constraint but its key: the application's conflict clause (OR IGNORE,
 *   OR FAIL, ...) also governs the statements inside our trigger bodies, so a constraint there
 *   would fail the application's write or drop the captured row. https://www.sqlite.org/lang_createtrigger.html
 *   AUTOINCREMENT so that a seq is never reused, even after the newest rows were deleted.
 */
import { sqliteIdent } from '../source/introspect-sqlite.js';

export const CHANGES_TABLE = '_sqlite2pg_changes';
export const STATE_TABLE = '_sqlite2pg_capture';
export const CAPTURE_TRIGGER_PREFIX = '_sqlite2pg_cap_';
export const FENCE_TRIGGER_PREFIX = '_sqlite2pg_fence_';

/** A watched table: its key columns and the column lists (with their collation) of its UNIQUE indexes. */
export interface CaptureTable {
  readonly name: string;
  readonly key: readonly string[];
  readonly uniques: readonly (readonly { readonly column: string; readonly collation: string | null }[])[];
}

export function sqlText(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** `quote(P."a") || ',' || quote(P."b")` for row alias P (NEW, OLD or a table alias). */
export function keyExpr(alias: string, key: readonly string[]): string {
  return key.map((k) => `quote(${alias}.${sqliteIdent(k)})`).join(` || ',' || `);
}

export const CHANGES_DDL = [
  `CREATE TABLE ${CHANGES_TABLE} (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl, op, key)`,
  `CREATE TABLE ${STATE_TABLE} (run_id, installed_at, schema_version, tables)`,
];

export type TriggerKind = 'ai' | 'au' | 'ad' | 'bi' | 'bu';

export function captureTriggerName(kind: TriggerKind, table: string): string {
  return `${CAPTURE_TRIGGER_PREFIX}${kind}_${table}`;
}

export function fenceTriggerName(kind: 'bi' | 'bu' | 'bd', table: string): string {
  return `${FENCE_TRIGGER_PREFIX}${kind}_${table}`;
}

function insertChange(tbl: string, op: string, key: string): string {
  return `INSERT INTO ${CHANGES_TABLE} (tbl, op, key) VALUES (${sqlText(tbl)}, ${sqlText(op)}, ${key});`;
}

/** Rows of `t` that a REPLACE of NEW would delete, one INSERT ... SELECT per unique column list. */
function conflictInserts(t: CaptureTable, op: string): string[] {
  const lists = [t.key.map((column) => ({ column, collation: null as string | null })), ...t.uniques];
  return lists.map((cols) => {
    const where = cols.map((c) => `x.${sqliteIdent(c.column)} = NEW.${sqliteIdent(c.column)}${c.collation ? ` COLLATE ${sqliteIdent(c.collation)}` : ''}`).join(' AND ');
    return `INSERT INTO ${CHANGES_TABLE} (tbl, op, key) SELECT ${sqlText(t.name)}, ${sqlText(op)}, ${keyExpr('x', t.key)} FROM ${sqliteIdent(t.name)} AS x WHERE ${where};`;
  });
}

/** The five capture triggers of a table, as [name, CREATE TRIGGER]. */
export function captureTriggers(t: CaptureTable): [string, string][] {
  const on = sqliteIdent(t.name);
  const keyChanged = t.key.map((k) => `OLD.${sqliteIdent(k)} IS NOT NEW.${sqliteIdent(k)}`).join(' OR ');
  const uniqueCols = [...new Set([...t.key, ...t.uniques.flatMap((u) => u.map((c) => c.column))])];
  const name = (k: TriggerKind): string => captureTriggerName(k, t.name);
  return [
    [name('ai'), `CREATE TRIGGER ${sqliteIdent(name('ai'))} AFTER INSERT ON ${on} BEGIN ${insertChange(t.name, 'I', keyExpr('NEW', t.key))} END`],
    [
      name('au'),
      `CREATE TRIGGER ${sqliteIdent(name('au'))} AFTER UPDATE ON ${on} BEGIN ${insertChange(t.name, 'U', keyExpr('NEW', t.key))} ` +
        `INSERT INTO ${CHANGES_TABLE} (tbl, op, key) SELECT ${sqlText(t.name)}, 'K', ${keyExpr('OLD', t.key)} WHERE ${keyChanged}; END`,
    ],
    [name('ad'), `CREATE TRIGGER ${sqliteIdent(name('ad'))} AFTER DELETE ON ${on} BEGIN ${insertChange(t.name, 'D', keyExpr('OLD', t.key))} END`],
    [name('bi'), `CREATE TRIGGER ${sqliteIdent(name('bi'))} BEFORE INSERT ON ${on} BEGIN ${conflictInserts(t, 'R').join(' ')} END`],
    [name('bu'), `CREATE TRIGGER ${sqliteIdent(name('bu'))} BEFORE UPDATE OF ${uniqueCols.map(sqliteIdent).join(', ')} ON ${on} BEGIN ${conflictInserts(t, 'R').join(' ')} END`],
  ];
}

/** BEFORE INSERT/UPDATE/DELETE triggers that make any later write to `table` fail loudly. */
export function fenceTriggers(table: string, message: string): [string, string][] {
  const on = sqliteIdent(table);
  return (['bi', 'bu', 'bd'] as const).map((k) => {
    const name = fenceTriggerName(k, table);
    const when = k === 'bi' ? 'INSERT' : k === 'bu' ? 'UPDATE' : 'DELETE';
    return [name, `CREATE TRIGGER ${sqliteIdent(name)} BEFORE ${when} ON ${on} BEGIN SELECT RAISE(ABORT, ${sqlText(message)}); END`];
  });
}
