/**
 * Reads the catalog from sqlite_schema and the pragmas.
 * https://www.sqlite.org/pragma.html#pragma_table_list, #pragma_table_xinfo, #pragma_index_list,
 * #pragma_index_xinfo, #pragma_foreign_key_list
 */
import type { Catalog, CheckInfo, ColumnInfo, ForeignKeyInfo, IndexInfo, IndexPart, PrimaryKeyInfo, TableInfo, TriggerInfo, ViewInfo, VirtualTableInfo } from '../model/catalog.js';
import { parseCreateTable, type ParsedForeignKey } from './sqlite-sql/parse-create-table.js';
import { SourceError } from '../errors.js';
import type { SqliteDb } from './sqlite-db.js';

interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}
interface TableListRow {
  name: string;
  type: string;
  wr: bigint;
  strict: bigint;
}
interface XInfoRow {
  cid: bigint;
  name: string;
  type: string;
  notnull: bigint;
  dflt_value: string | null;
  pk: bigint;
  hidden: bigint;
}
interface IndexListRow {
  name: string;
  unique: bigint;
  origin: string;
  partial: bigint;
}
interface IndexXInfoRow {
  seqno: bigint;
  cid: bigint;
  name: string | null;
  desc: bigint;
  coll: string;
  key: bigint;
}
interface FkRow {
  id: bigint;
  seq: bigint;
  table: string;
  from: string;
  to: string | null;
  on_update: string;
  on_delete: string;
}

/** SQLite identifier quoting for the pragmas and SELECTs we build (double quotes, doubled). */
export function sqliteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Split the top-level parenthesised list of a CREATE INDEX and the text after it (WHERE ...). */
export function splitIndexSql(sql: string): { parts: string[]; where: string | null } {
  let depth = 0;
  let start = -1;
  const parts: string[] = [];
  let partStart = 0;
  let i = 0;
  let end = -1;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      i++;
      while (i < sql.length) {
        if (sql[i] === close) {
          if (close !== ']' && sql[i + 1] === close) {
            i += 2;
            continue;
          }
          break;
        }
        i++;
      }
      i++;
      continue;
    }
    if (ch === '(') {
      depth++;
      if (depth === 1 && start < 0) {
        start = i;
        partStart = i + 1;
      }
    } else if (ch === ')') {
      depth--;
      if (depth === 0 && start >= 0) {
        parts.push(sql.slice(partStart, i).trim());
        end = i + 1;
        break;
      }
    } else if (ch === ',' && depth === 1 && start >= 0) {
      parts.push(sql.slice(partStart, i).trim());
      partStart = i + 1;
    }
    i++;
  }
  const rest = end >= 0 ? sql.slice(end).trim() : '';
  const m = /^WHERE\s+([\s\S]*?);?\s*$/i.exec(rest);
  return { parts, where: m ? m[1]!.trim() : null };
}

/** Strip a trailing ASC/DESC and COLLATE from an index term. */
function stripOrdering(term: string): string {
  return term.replace(/\s+(ASC|DESC)\s*$/i, '').replace(/\s+COLLATE\s+("[^"]*"|\S+)\s*$/i, '').trim();
}

function readIndexes(db: SqliteDb, table: string, sqlByName: Map<string, string | null>): IndexInfo[] {
  const list = db.prepare(`PRAGMA index_list(${sqliteIdent(table)})`).all() as IndexListRow[];
  const out: IndexInfo[] = [];
  for (const ix of list) {
    const xinfo = (db.prepare(`PRAGMA index_xinfo(${sqliteIdent(ix.name)})`).all() as IndexXInfoRow[]).filter((r) => r.key === 1n);
    const sql = sqlByName.get(ix.name) ?? null;
    const split = sql ? splitIndexSql(sql) : { parts: [], where: null };
    const parts: IndexPart[] = xinfo.map((r, n) => {
      const desc = r.desc === 1n;
      if (r.cid === -2n) return { kind: 'expression', sql: stripOrdering(split.parts[n] ?? ''), desc };
      const name = r.cid === -1n ? 'rowid' : r.name!;
      return { kind: 'column', name, desc, collation: r.coll && r.coll.toUpperCase() !== 'BINARY' ? r.coll : null };
    });
    const origin = ix.origin === 'pk' ? 'pk' : ix.origin === 'u' ? 'u' : 'c';
    out.push({ name: ix.name, unique: ix.unique === 1n, origin, parts, where: ix.partial === 1n ? split.where : null, sql });
  }
  // Stable order: constraint-backed first, then by name.
  return out.sort((a, b) => (a.origin === b.origin ? (a.name < b.name ? -1 : 1) : a.origin === 'c' ? 1 : -1));
}

const sameNames = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x.toLowerCase() === b[i]!.toLowerCase());

/**
 * PRAGMA foreign_key_list gives columns and actions exactly but not the deferral, which is read
 * from the parsed CREATE TABLE: the declared foreign key with the same columns and parent.
 */
function readForeignKeys(db: SqliteDb, table: string, declared: readonly ParsedForeignKey[]): ForeignKeyInfo[] {
  const rows = db.prepare(`PRAGMA foreign_key_list(${sqliteIdent(table)})`).all() as FkRow[];
  const byId = new Map<number, FkRow[]>();
  for (const r of rows) {
    const id = Number(r.id);
    byId.set(id, [...(byId.get(id) ?? []), r]);
  }
  return [...byId.entries()]
    .sort(([a], [b]) => b - a) // SQLite numbers FKs from the last one declared
    .map(([id, parts]) => {
      parts.sort((a, b) => Number(a.seq - b.seq));
      const columns = parts.map((p) => p.from);
      const refTable = parts[0]!.table;
      const match = declared.find((d) => sameNames(d.columns, columns) && d.refTable.toLowerCase() === refTable.toLowerCase());
      return {
        id,
        columns,
        refTable,
        refColumns: parts.every((p) => p.to !== null) ? parts.map((p) => p.to!) : [],
        onUpdate: parts[0]!.on_update,
        onDelete: parts[0]!.on_delete,
        deferrable: match?.deferred ?? false,
        name: match?.name ?? null,
      };
    });
}

/** Where an FTS table's text lives, from its `content=` option. https://www.sqlite.org/fts5.html#external_content_tables */
export function ftsContent(sql: string): NonNullable<VirtualTableInfo['content']> {
  const m = /\bcontent\s*=\s*(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$]*))/i.exec(sql);
  if (!m) return { kind: 'own' };
  const table = m[1]?.replaceAll("''", "'") ?? m[2]?.replaceAll('""', '"') ?? m[3] ?? '';
  return table === '' ? { kind: 'none' } : { kind: 'external', table };
}

const FTS_SHADOW_SUFFIXES = ['_content', '_data', '_idx', '_docsize', '_config', '_segments', '_segdir', '_stat', '_node', '_rowid', '_parent'];

/** Columns an FTS table does not index: FTS5 `col UNINDEXED`, FTS4 `notindexed=col`. */
function unindexedColumns(sql: string): Set<string> {
  const out = new Set<string>();
  const args = /USING\s+\w+\s*\(([\s\S]*)\)\s*;?\s*$/i.exec(sql)?.[1] ?? '';
  for (const raw of args.split(',')) {
    const arg = raw.trim();
    const fts5 = /^("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[^\s=]+)\s+UNINDEXED$/i.exec(arg);
    if (fts5) out.add(unquote(fts5[1]!).toLowerCase());
    const fts4 = /^notindexed\s*=\s*("(?:[^"]|"")+"|'(?:[^']|'')+'|[^\s]+)$/i.exec(arg);
    if (fts4) out.add(unquote(fts4[1]!).toLowerCase());
  }
  return out;
}

function unquote(name: string): string {
  const q = name[0];
  if (q === '"' || q === "'" || q === '`') return name.slice(1, -1).replaceAll(q + q, q);
  if (q === '[') return name.slice(1, -1);
  return name;
}

/**
 * A contentful FTS3/4/5 table as a plain table: it is the only copy of its text. Its visible
 * columns (PRAGMA table_xinfo without the hidden ones: the table-name column, rank, docid,
 * __langid) and its rowid, as an INTEGER PRIMARY KEY column named `rowid`. Null for other
 * virtual tables, external-content and contentless FTS tables, and when the module is missing.
 */
function fullTextTable(db: SqliteDb, vt: VirtualTableInfo): TableInfo | null {
  if (vt.content?.kind !== 'own' || vt.rowCount === null || vt.rowCount === undefined) return null;
  let xinfo: XInfoRow[];
  try {
    xinfo = db.prepare(`PRAGMA table_xinfo(${sqliteIdent(vt.name)})`).all() as XInfoRow[];
  } catch {
    return null;
  }
  const visible = xinfo.filter((c) => c.hidden === 0n);
  if (visible.some((c) => c.name.toLowerCase() === 'rowid')) return null;
  const rowid: ColumnInfo = { name: 'rowid', declaredType: 'INTEGER', notNull: true, defaultSql: null, pkOrdinal: 1, collation: null, generated: null };
  const columns: ColumnInfo[] = [rowid, ...visible.map((c) => ({ name: c.name, declaredType: c.type ?? '', notNull: false, defaultSql: null, pkOrdinal: 0, collation: null, generated: null }))];
  const unindexed = unindexedColumns(vt.sql);
  return {
    name: vt.name,
    sql: vt.sql,
    withoutRowid: false,
    strict: false,
    columns,
    primaryKey: { columns: ['rowid'], rowidAlias: true, autoincrement: false, name: null },
    indexes: [],
    foreignKeys: [],
    checks: [],
    rowCount: vt.rowCount,
    fullText: { module: vt.module.toLowerCase(), indexed: visible.map((c) => c.name).filter((n) => !unindexed.has(n.toLowerCase())) },
  };
}

export function introspectSqlite(db: SqliteDb, path: string, sizeBytes: number): Catalog {
  let schemaRows: SchemaRow[];
  try {
    schemaRows = db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name`).all() as SchemaRow[];
  } catch (e) {
    throw new SourceError('E_SOURCE_CORRUPT', `Cannot read the schema of ${path}: ${(e as Error).message}`, { cause: e, hint: 'Check the file with: sqlite3 <file> "PRAGMA integrity_check"' });
  }
  const sqlByName = new Map(schemaRows.map((r) => [r.name, r.sql]));
  const tableList = db.prepare(`PRAGMA table_list`).all() as (TableListRow & { schema: string })[];
  const listed = new Map(tableList.filter((t) => t.schema === 'main').map((t) => [t.name, t]));

  const virtualTables: VirtualTableInfo[] = [];
  for (const t of tableList) {
    if (t.schema !== 'main' || t.type !== 'virtual') continue;
    const sql = sqlByName.get(t.name) ?? '';
    const module = /USING\s+(\w+)/i.exec(sql)?.[1] ?? 'unknown';
    const shadowTables = tableList.filter((s) => s.schema === 'main' && s.type === 'shadow' && s.name.startsWith(t.name + '_')).map((s) => s.name);
    let rowCount: number | null = null;
    try {
      rowCount = Number((db.prepare(`SELECT count(*) AS n FROM ${sqliteIdent(t.name)}`).get() as { n: bigint }).n);
    } catch {
      // The module is not compiled into this SQLite (or the table is broken): say so, do not fail.
    }
    const content = /^fts[345]$/i.test(module) ? ftsContent(sql) : null;
    virtualTables.push({ name: t.name, module, sql, shadowTables, rowCount, content });
  }
  const shadow = new Set(virtualTables.flatMap((v) => v.shadowTables));
  const virtualNames = new Set(virtualTables.map((v) => v.name));

  const tables: TableInfo[] = [];
  for (const row of schemaRows) {
    if (row.type !== 'table' || row.name.startsWith('sqlite_') || virtualNames.has(row.name) || shadow.has(row.name)) continue;
    // Shadow tables of a virtual table whose module is not loaded still look like "shadow" names.
    if (FTS_SHADOW_SUFFIXES.some((s) => row.name.endsWith(s) && virtualNames.has(row.name.slice(0, -s.length)))) continue;
    const sql = row.sql ?? '';
    const info = listed.get(row.name);
    const parsed = parseCreateTable(sql);
    const xinfo = db.prepare(`PRAGMA table_xinfo(${sqliteIdent(row.name)})`).all() as XInfoRow[];
    const parsedCols = new Map([...parsed.columns.entries()].map(([k, v]) => [k.toLowerCase(), v]));
    const columns: ColumnInfo[] = xinfo
      .filter((c) => c.hidden !== 1n)
      .map((c) => {
        const p = parsedCols.get(c.name.toLowerCase());
        return {
          name: c.name,
          declaredType: c.type ?? '',
          notNull: c.notnull === 1n,
          defaultSql: c.dflt_value,
          pkOrdinal: Number(c.pk),
          collation: p?.collation ?? null,
          generated: c.hidden === 2n || c.hidden === 3n ? { expression: p?.generated?.expression ?? '', stored: c.hidden === 3n } : null,
        };
      });
    const pkCols = columns.filter((c) => c.pkOrdinal > 0).sort((a, b) => a.pkOrdinal - b.pkOrdinal);
    const withoutRowid = info ? info.wr === 1n : /WITHOUT\s+ROWID\s*$/i.test(sql);
    const rowidAlias = !withoutRowid && pkCols.length === 1 && pkCols[0]!.declaredType.toUpperCase() === 'INTEGER' && !/PRIMARY\s+KEY\s+DESC/i.test(sql);
    const pkName = parsed.keyNames.find((k) => k.kind === 'primary-key' && sameNames(k.columns, pkCols.map((c) => c.name)))?.name ?? null;
    const primaryKey: PrimaryKeyInfo | null = pkCols.length
      ? { columns: pkCols.map((c) => c.name), rowidAlias, autoincrement: /AUTOINCREMENT/i.test(sql), name: pkName }
      : null;
    // Named UNIQUE constraints: the automatic index with the same columns.
    const uniqueNames = parsed.keyNames.filter((k) => k.kind === 'unique');
    const indexes = readIndexes(db, row.name, sqlByName).map((ix) => {
      if (ix.origin !== 'u') return ix;
      const cols = ix.parts.map((p) => (p.kind === 'column' ? p.name : ''));
      const named = uniqueNames.find((k) => sameNames(k.columns, cols));
      return named ? { ...ix, constraintName: named.name } : ix;
    });
    // Column and table CHECKs in source order, with their CONSTRAINT names.
    const checks: CheckInfo[] = [...parsed.checks];
    const rowCount = Number((db.prepare(`SELECT count(*) AS n FROM ${sqliteIdent(row.name)}`).get() as { n: bigint }).n);
    tables.push({
      name: row.name,
      sql,
      withoutRowid,
      strict: info ? info.strict === 1n : false,
      columns,
      primaryKey,
      indexes,
      foreignKeys: readForeignKeys(db, row.name, parsed.foreignKeys),
      checks,
      rowCount,
    });
  }
  for (const vt of virtualTables) {
    const t = fullTextTable(db, vt);
    if (t) tables.push(t);
  }
  const views: ViewInfo[] = schemaRows.filter((r) => r.type === 'view').map((r) => ({ name: r.name, sql: r.sql ?? '' }));
  const triggers: TriggerInfo[] = schemaRows.filter((r) => r.type === 'trigger').map((r) => ({ name: r.name, table: r.tbl_name, sql: r.sql ?? '' }));
  const sqliteVersion = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  const encoding = (db.prepare('PRAGMA encoding').get() as { encoding: string }).encoding;
  return { path, sizeBytes, sqliteVersion, encoding, tables, views, triggers, virtualTables };
}
