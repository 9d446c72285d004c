/**
 * Reads what the PRAGMAs do not tell: per-column COLLATE, CHECK, GENERATED and DEFAULT text, and
 * table-level CHECK constraints, from a CREATE TABLE statement as stored in sqlite_schema.sql.
 * Keys, foreign keys and indexes are skipped here: PRAGMA table_xinfo / index_list /
 * foreign_key_list report them exactly.
 * https://www.sqlite.org/lang_createtable.html
 */
import type { CheckInfo } from '../../model/catalog.js';
import { SourceError } from '../../errors.js';
import { buildTokenTree, isGroup, isSymbol, isToken, splitByComma, type Group, type SqlNode } from './build-token-tree.js';
import { isWord, tokenizeSqlite } from './tokenize-sqlite.js';

/** One column definition, as declared. */
export interface ParsedColumn {
  /** Exact case as declared, quotes removed. */
  readonly name: string;
  /** The declared type with whitespace runs collapsed (`NUMERIC(10,2)`, `UNSIGNED BIG INT`); '' when none. */
  readonly declaredType: string;
  /** `COLLATE name` on the column (quotes removed), null when none. */
  readonly collation: string | null;
  /** Column CHECK expressions, verbatim from the source without the outer parentheses. */
  readonly checks: readonly string[];
  /** `GENERATED ALWAYS AS (expr) [STORED|VIRTUAL]` or `AS (expr)`; VIRTUAL when not said. */
  readonly generated: { readonly expression: string; readonly stored: boolean } | null;
  /**
   * The DEFAULT clause text as written: `'0'`, `-1`, `CURRENT_TIMESTAMP`, `(datetime('now'))`.
   * Unlike PRAGMA table_xinfo.dflt_value, a parenthesised expression keeps its parentheses.
   */
  readonly defaultSql: string | null;
}

/** A table-level `[CONSTRAINT name] CHECK (expr)`. */
export interface ParsedCheck {
  readonly name: string | null;
  /** Verbatim, without the outer parentheses. */
  readonly expression: string;
}

/** A foreign key as declared (column-level `REFERENCES` or table-level `FOREIGN KEY`). */
export interface ParsedForeignKey {
  /** Referencing columns, as declared. */
  readonly columns: readonly string[];
  readonly refTable: string;
  /** Referenced columns; empty when the clause names none (the parent's primary key). */
  readonly refColumns: readonly string[];
  /** `DEFERRABLE INITIALLY DEFERRED`; plain DEFERRABLE, INITIALLY IMMEDIATE and NOT DEFERRABLE are immediate. */
  readonly deferred: boolean;
  /** `CONSTRAINT name` before it, null when unnamed. */
  readonly name?: string | null;
}

/** A named PRIMARY KEY or UNIQUE constraint (`CONSTRAINT [PK_Track] PRIMARY KEY (TrackId)`), column- or table-level. */
export interface ParsedKeyName {
  readonly kind: 'primary-key' | 'unique';
  readonly name: string;
  /** Key columns as declared. */
  readonly columns: readonly string[];
}

/** What parseCreateTable() reads from one CREATE TABLE statement. */
export interface ParsedTable {
  /** `main` in `CREATE TABLE main.t`, null when not qualified. */
  readonly schema: string | null;
  readonly name: string;
  /** Columns by exact declared name, in declaration order. */
  readonly columns: ReadonlyMap<string, ParsedColumn>;
  readonly tableChecks: readonly ParsedCheck[];
  /** Every CHECK, column-level (with its CONSTRAINT name, if any) and table-level, in source order. */
  readonly checks: readonly CheckInfo[];
  /** Foreign keys in source order (for what PRAGMA foreign_key_list does not report: deferral). */
  readonly foreignKeys: readonly ParsedForeignKey[];
  /** Names declared for PRIMARY KEY and UNIQUE constraints (unnamed ones are not listed). */
  readonly keyNames: readonly ParsedKeyName[];
  readonly withoutRowid: boolean;
  readonly strict: boolean;
}

/** Words that start a column constraint, ending the type name. https://www.sqlite.org/syntax/column-constraint.html */
const CONSTRAINT_START = new Set(['CONSTRAINT', 'PRIMARY', 'NOT', 'NULL', 'UNIQUE', 'CHECK', 'DEFAULT', 'COLLATE', 'REFERENCES', 'GENERATED', 'AS']);
/** Words that start a table constraint. https://www.sqlite.org/syntax/table-constraint.html */
const TABLE_CONSTRAINT_START = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']);

function fail(message: string): SourceError {
  return new SourceError('E_SQLITE_SQL_SYNTAX', `cannot read CREATE TABLE: ${message}`, {
    hint: 'SQLite accepted this statement, so this is a gap in sqlite2pg: please report it with the statement.',
  });
}

function upper(node: SqlNode | undefined): string | null {
  return isToken(node) && node.kind === 'word' ? node.value.toUpperCase() : null;
}

/** A name token: bare word, quoted identifier, or (as SQLite also allows) a string literal. */
function nameOf(node: SqlNode | undefined): string | null {
  if (!isToken(node)) return null;
  return node.kind === 'word' || node.kind === 'quoted' || node.kind === 'string' ? node.value : null;
}

function innerText(sql: string, group: Group): string {
  return sql.slice(group.open.end, group.close.start).trim();
}

/**
 * Parse a CREATE TABLE statement as stored in sqlite_schema.sql. Throws SourceError
 * (E_SQLITE_SQL_SYNTAX) when the text is not a CREATE TABLE with a column list.
 */
export function parseCreateTable(sql: string): ParsedTable {
  const nodes = buildTokenTree(tokenizeSqlite(sql));
  let i = 0;
  if (!isWord(nodes[i], 'CREATE')) throw fail('does not start with CREATE');
  i++;
  if (isWord(nodes[i], 'TEMP') || isWord(nodes[i], 'TEMPORARY')) i++;
  if (!isWord(nodes[i], 'TABLE')) throw fail('not a CREATE TABLE statement');
  i++;
  if (isWord(nodes[i], 'IF') && isWord(nodes[i + 1], 'NOT') && isWord(nodes[i + 2], 'EXISTS')) i += 3;
  let schema: string | null = null;
  let name = nameOf(nodes[i]);
  if (name === null) throw fail('missing table name');
  i++;
  if (isSymbol(nodes[i], '.')) {
    schema = name;
    name = nameOf(nodes[i + 1]);
    if (name === null) throw fail('missing table name after schema');
    i += 2;
  }
  const body = nodes[i];
  if (!isGroup(body)) throw fail(isWord(body, 'AS') ? 'CREATE TABLE ... AS SELECT has no column definitions' : 'missing column definitions');
  i++;

  let withoutRowid = false;
  let strict = false;
  // Table options: https://www.sqlite.org/syntax/table-options.html
  for (const [from, to] of splitByComma(nodes, i, nodes.length)) {
    const words = nodes.slice(from, to).filter((n) => !isSymbol(n, ';'));
    if (words.length === 2 && isWord(words[0], 'WITHOUT') && isWord(words[1], 'ROWID')) withoutRowid = true;
    else if (words.length === 1 && isWord(words[0], 'STRICT')) strict = true;
    else if (words.length > 0) throw fail(`unexpected table option ${sql.slice(words[0]!.start, words[words.length - 1]!.end)}`);
  }

  const columns = new Map<string, ParsedColumn>();
  const tableChecks: ParsedCheck[] = [];
  const checks: CheckInfo[] = [];
  const foreignKeys: ParsedForeignKey[] = [];
  const keyNames: ParsedKeyName[] = [];
  for (const [from, to] of splitByComma(body.children)) {
    const def = body.children.slice(from, to);
    if (def.length === 0) throw fail('empty column definition');
    const first = upper(def[0]);
    if (first !== null && TABLE_CONSTRAINT_START.has(first)) {
      const constraint = parseTableConstraint(sql, def);
      if (constraint?.kind === 'check') {
        tableChecks.push(constraint.check);
        checks.push({ column: null, name: constraint.check.name, expression: constraint.check.expression });
      } else if (constraint?.kind === 'foreign-key') {
        foreignKeys.push(constraint.fk);
      } else if (constraint?.kind === 'key') {
        keyNames.push(constraint.key);
      }
      continue;
    }
    const column = parseColumn(sql, def);
    keyNames.push(...column.keyNames);
    columns.set(column.parsed.name, column.parsed);
    for (const c of column.checks) checks.push({ column: column.parsed.name, name: c.name, expression: c.expression });
    foreignKeys.push(...column.foreignKeys);
  }
  return { schema, name, columns, tableChecks, checks, foreignKeys, keyNames, withoutRowid, strict };
}

/** Names in a parenthesised column list: `(a, "b c")`. */
function nameList(group: SqlNode | undefined): string[] | null {
  if (!isGroup(group)) return null;
  const names: string[] = [];
  for (const [a, b] of splitByComma(group.children)) {
    const n = nameOf(group.children[a]);
    if (n === null || b - a < 1) return null;
    names.push(n); // `col COLLATE x` / `col ASC` in a key list: the name is what matters here
  }
  return names;
}

/**
 * CHECK, and FOREIGN KEY for its deferral; PRIMARY KEY / UNIQUE and the rest of a foreign key
 * come from the PRAGMAs.
 */
function parseTableConstraint(
  sql: string,
  def: readonly SqlNode[],
): { kind: 'check'; check: ParsedCheck } | { kind: 'foreign-key'; fk: ParsedForeignKey } | { kind: 'key'; key: ParsedKeyName } | null {
  let k = 0;
  let name: string | null = null;
  if (isWord(def[0], 'CONSTRAINT')) {
    name = nameOf(def[1]);
    k = 2;
  }
  const group = def[k + 1];
  if (isWord(def[k], 'CHECK') && isGroup(group)) return { kind: 'check', check: { name, expression: innerText(sql, group) } };
  if (isWord(def[k], 'FOREIGN') && isWord(def[k + 1], 'KEY') && isWord(def[k + 3], 'REFERENCES')) {
    const columns = nameList(def[k + 2]);
    const clause = readForeignKeyClause(def, k + 4);
    if (columns && clause.refTable !== null) return { kind: 'foreign-key', fk: { columns, refTable: clause.refTable, refColumns: clause.refColumns, deferred: clause.deferred, name } };
  }
  if (name !== null && isWord(def[k], 'PRIMARY') && isWord(def[k + 1], 'KEY')) {
    const columns = nameList(def[k + 2]);
    if (columns) return { kind: 'key', key: { kind: 'primary-key', name, columns } };
  }
  if (name !== null && isWord(def[k], 'UNIQUE')) {
    const columns = nameList(def[k + 1]);
    if (columns) return { kind: 'key', key: { kind: 'unique', name, columns } };
  }
  return null;
}

function parseColumn(sql: string, def: readonly SqlNode[]): { parsed: ParsedColumn; checks: ParsedCheck[]; foreignKeys: ParsedForeignKey[]; keyNames: ParsedKeyName[] } {
  const name = nameOf(def[0]);
  if (name === null) throw fail(`unexpected ${sql.slice(def[0]!.start, def[0]!.end)} where a column name was expected`);
  let k = 1;
  // The type name runs up to the first constraint keyword: `BLOB SUB_TYPE TEXT`, `NUMERIC(10, 2)`.
  const typeStart = k;
  while (k < def.length && !CONSTRAINT_START.has(upper(def[k]) ?? '')) k++;
  const declaredType = k > typeStart ? sql.slice(def[typeStart]!.start, def[k - 1]!.end).replace(/\s+/g, ' ') : '';

  let collation: string | null = null;
  let defaultSql: string | null = null;
  let generated: ParsedColumn['generated'] = null;
  const checks: ParsedCheck[] = [];
  const foreignKeys: ParsedForeignKey[] = [];
  const keyNames: ParsedKeyName[] = [];
  let constraintName: string | null = null;
  while (k < def.length) {
    const word = upper(def[k]);
    switch (word) {
      case 'CONSTRAINT':
        constraintName = nameOf(def[k + 1]);
        k += 2;
        continue;
      case 'CHECK': {
        const group = def[k + 1];
        if (!isGroup(group)) throw fail(`CHECK without parentheses on column ${name}`);
        checks.push({ name: constraintName, expression: innerText(sql, group) });
        k += 2;
        break;
      }
      case 'DEFAULT': {
        const value = def[k + 1];
        if (value === undefined) throw fail(`DEFAULT without a value on column ${name}`);
        // A signed number is two tokens: `-1`, `+ 1.5`. https://www.sqlite.org/syntax/signed-number.html
        if ((isSymbol(value, '-') || isSymbol(value, '+')) && def[k + 2] !== undefined) {
          defaultSql = sql.slice(value.start, def[k + 2]!.end);
          k += 3;
        } else {
          defaultSql = sql.slice(value.start, value.end);
          k += 2;
        }
        break;
      }
      case 'COLLATE':
        collation = nameOf(def[k + 1]);
        k += 2;
        break;
      case 'GENERATED':
      case 'AS': {
        if (word === 'GENERATED') {
          if (!isWord(def[k + 1], 'ALWAYS') || !isWord(def[k + 2], 'AS')) throw fail(`GENERATED without ALWAYS AS on column ${name}`);
          k += 2;
        }
        const group = def[k + 1];
        if (!isGroup(group)) throw fail(`generated column ${name} without a parenthesised expression`);
        k += 2;
        let stored = false;
        if (isWord(def[k], 'STORED')) {
          stored = true;
          k++;
        } else if (isWord(def[k], 'VIRTUAL')) {
          k++;
        }
        generated = { expression: innerText(sql, group), stored };
        break;
      }
      case 'REFERENCES': {
        const clause = readForeignKeyClause(def, k + 1);
        if (clause.refTable !== null) foreignKeys.push({ columns: [name], refTable: clause.refTable, refColumns: clause.refColumns, deferred: clause.deferred, name: constraintName });
        k = clause.next;
        break;
      }
      default:
        // PRIMARY KEY [ASC|DESC] [ON CONFLICT x] [AUTOINCREMENT], NOT NULL, NULL, UNIQUE: nothing to read.
        // A CONSTRAINT name before one of these belongs to it, not to a later CHECK.
        if (constraintName !== null && (word === 'PRIMARY' || word === 'UNIQUE')) keyNames.push({ kind: word === 'PRIMARY' ? 'primary-key' : 'unique', name: constraintName, columns: [name] });
        if (word === 'PRIMARY' || word === 'NOT' || word === 'NULL' || word === 'UNIQUE') constraintName = null;
        k++;
        continue;
    }
    constraintName = null;
  }
  return { parsed: { name, declaredType, collation, checks: checks.map((c) => c.expression), generated, defaultSql }, checks, foreignKeys, keyNames };
}

/**
 * Reads `tbl [(cols)] [ON DELETE|UPDATE action | MATCH name]* [[NOT] DEFERRABLE [INITIALLY x]]`
 * (so that `ON DELETE SET DEFAULT` is not read as a DEFAULT constraint), returning where it ends.
 * https://www.sqlite.org/syntax/foreign-key-clause.html
 */
function readForeignKeyClause(def: readonly SqlNode[], from: number): { next: number; refTable: string | null; refColumns: string[]; deferred: boolean } {
  let refTable = nameOf(def[from]);
  let k = from + 1;
  // `REFERENCES main.parent`: the schema names nothing in the target.
  if (isSymbol(def[k], '.') && nameOf(def[k + 1]) !== null) {
    refTable = nameOf(def[k + 1]);
    k += 2;
  }
  let refColumns: string[] = [];
  if (isGroup(def[k])) {
    refColumns = nameList(def[k]) ?? [];
    k++;
  }
  let deferrable = false;
  let notDeferrable = false;
  let initiallyDeferred = false;
  for (;;) {
    if (isWord(def[k], 'ON') && (isWord(def[k + 1], 'DELETE') || isWord(def[k + 1], 'UPDATE'))) {
      k += 2;
      if (isWord(def[k], 'SET') || isWord(def[k], 'NO')) k += 2;
      else k += 1;
    } else if (isWord(def[k], 'MATCH')) {
      k += 2;
    } else if (isWord(def[k], 'NOT') && isWord(def[k + 1], 'DEFERRABLE')) {
      notDeferrable = true;
      k += 2;
    } else if (isWord(def[k], 'DEFERRABLE')) {
      deferrable = true;
      k += 1;
    } else if (isWord(def[k], 'INITIALLY')) {
      initiallyDeferred = isWord(def[k + 1], 'DEFERRED');
      k += 2;
    } else {
      return { next: k, refTable, refColumns, deferred: deferrable && !notDeferrable && initiallyDeferred };
    }
  }
}
