/**
 * translateView(): the SELECT of a SQLite `CREATE VIEW` as PostgreSQL, with tables and columns
 * renamed to their targets. The caller writes `CREATE VIEW name AS <sql>`.
 * https://www.sqlite.org/lang_createview.html
 * https://www.sqlite.org/lang_select.html
 */
import { quoteIdent } from '../identifiers.js';
import { buildTokenTree, isGroup, isSymbol, isToken, splitByComma, type SqlNode } from '../../source/sqlite-sql/build-token-tree.js';
import { Scope, SqlTranslator, tableSource, type TableSource } from './sql-translator.js';
import type { TargetKind } from './target-kind.js';
import { foldIdentifier, isWord, tokenizeSqlite, type Token } from '../../source/sqlite-sql/tokenize-sqlite.js';
import { Untranslatable, attempt, translated, type Translation } from './translation.js';

/** A table (or an already translated view) a view may read, keyed by its SQLite name in ViewContext. */
export interface ViewTable {
  readonly target: string;
  /** Source column → target column. */
  readonly columns: ReadonlyMap<string, string>;
  /** Target value family per source column, for SQLite's comparison affinity (see ExprContext.columnKinds). */
  readonly columnKinds?: ReadonlyMap<string, TargetKind>;
  /** Source columns that become jsonb. */
  readonly jsonbColumns?: ReadonlySet<string>;
}

/** The relations a view can name. */
export interface ViewContext {
  /** By SQLite name (matched case-insensitively, as SQLite does). */
  readonly tables: ReadonlyMap<string, ViewTable>;
  /**
   * Schema to qualify table names with. When absent, names stay unqualified and resolve through
   * the search_path at CREATE VIEW time (the view then binds to those tables, wherever they move).
   */
  readonly schema?: string;
}

interface ViewHeader {
  readonly name: string;
  readonly columns: readonly string[] | null;
  /** Index of the first node of the SELECT. */
  readonly body: number;
}

function readHeader(nodes: readonly SqlNode[]): ViewHeader {
  let i = 0;
  if (!isWord(nodes[i++], 'CREATE')) throw new Untranslatable('not a CREATE VIEW statement');
  if (isWord(nodes[i], 'TEMP') || isWord(nodes[i], 'TEMPORARY')) i++;
  if (!isWord(nodes[i++], 'VIEW')) throw new Untranslatable('not a CREATE VIEW statement');
  if (isWord(nodes[i], 'IF') && isWord(nodes[i + 1], 'NOT') && isWord(nodes[i + 2], 'EXISTS')) i += 3;
  const nameOf = (n: SqlNode | undefined): string => {
    if (!isToken(n) || !(n.kind === 'word' || n.kind === 'quoted' || n.kind === 'string')) throw new Untranslatable('CREATE VIEW without a name');
    return n.value;
  };
  let name = nameOf(nodes[i++]);
  if (isSymbol(nodes[i], '.')) {
    name = nameOf(nodes[i + 1]);
    i += 2;
  }
  let columns: string[] | null = null;
  const list = nodes[i];
  if (isGroup(list)) {
    columns = splitByComma(list.children).map(([a, b]) => {
      if (b - a !== 1) throw new Untranslatable('unexpected text in the view column list');
      return nameOf(list.children[a]);
    });
    i++;
  }
  if (!isWord(nodes[i++], 'AS')) throw new Untranslatable('CREATE VIEW without AS');
  return { name, columns, body: i };
}

function bodyOf(nodes: readonly SqlNode[], header: ViewHeader): SqlNode[] {
  const body = nodes.slice(header.body);
  if (isSymbol(body[body.length - 1], ';')) body.pop();
  if (body.length === 0) throw new Untranslatable('CREATE VIEW without a SELECT');
  return body;
}

/**
 * Translate `CREATE VIEW name [(cols)] AS SELECT ...` to the PostgreSQL SELECT the view should
 * run. Unaliased expression columns keep the name SQLite gives them (the expression text), so
 * queries against the view find the same columns. `{ ok: false, reason }` for anything not
 * portable: GLOB, typeof(), unknown functions, INDEXED BY, window functions, ...
 */
export function translateView(sql: string, ctx: ViewContext): Translation {
  return attempt(() => {
    const nodes = buildTokenTree(tokenizeSqlite(sql));
    const header = readHeader(nodes);
    const body = bodyOf(nodes, header);
    const tables = new Map<string, TableSource>();
    for (const [source, t] of ctx.tables) tables.set(foldIdentifier(source), tableSource(t.target, t.columns, t.columnKinds, t.jsonbColumns));
    const translator = new SqlTranslator({ sql, tables, schema: ctx.schema ?? null, nowSql: 'now()' });
    const first = body[0];
    if (!(isWord(first, 'SELECT') || isWord(first, 'WITH') || isWord(first, 'VALUES'))) throw new Untranslatable('the view body is not a SELECT');
    let select = translator.query(body, new Scope(null), null, header.columns === null).trim();
    if (header.columns) {
      // An explicit column list renames the result columns; a derived table's column aliases do the same.
      select = `SELECT * FROM (\n${select}\n) AS ${quoteIdent(header.name)}(${header.columns.map(quoteIdent).join(', ')})`;
    }
    return translated(select, translator.notes);
  });
}

/**
 * The relations a view reads, by the names it uses (CTE names excluded), in order of first
 * appearance: for creating views after the views they depend on. Empty when the SQL cannot be read.
 */
export function listViewDependencies(sql: string): string[] {
  try {
    const nodes = buildTokenTree(tokenizeSqlite(sql));
    const body = bodyOf(nodes, readHeader(nodes));
    const found = new Map<string, string>();
    collectRelations(body, new Set(), found);
    return [...found.values()];
  } catch {
    return [];
  }
}

/** Names after FROM / JOIN / a FROM-list comma, at every level, minus CTE names in scope. */
function collectRelations(nodes: readonly SqlNode[], ctes: ReadonlySet<string>, found: Map<string, string>): void {
  const inScope = new Set(ctes);
  if (isWord(nodes[0], 'WITH')) {
    for (let k = 1; k < nodes.length && !isWord(nodes[k], 'SELECT'); k++) {
      const n = nodes[k];
      if (isToken(n) && (n.kind === 'word' || n.kind === 'quoted') && (isWord(nodes[k - 1], 'WITH') || isWord(nodes[k - 1], 'RECURSIVE') || isSymbol(nodes[k - 1], ','))) {
        inScope.add(foldIdentifier(n.value));
      }
    }
  }
  let inFrom = false;
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k]!;
    if (isGroup(n)) {
      collectRelations(n.children, inScope, found);
      continue;
    }
    const up = n.kind === 'word' ? n.value.toUpperCase() : null;
    if (up === 'FROM' && !(isWord(nodes[k - 1], 'DISTINCT') && (isWord(nodes[k - 2], 'IS') || isWord(nodes[k - 2], 'NOT')))) inFrom = true;
    else if (up !== null && ['WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT', 'SELECT'].includes(up)) inFrom = false;
    if (!inFrom || !(up === 'FROM' || up === 'JOIN' || isSymbol(n, ','))) continue;
    let t = nodes[k + 1];
    if (isSymbol(nodes[k + 2], '.')) t = nodes[k + 3];
    if (isToken(t) && (t.kind === 'word' || t.kind === 'quoted' || t.kind === 'string')) {
      const key = foldIdentifier((t as Token).value);
      if (!inScope.has(key) && !found.has(key)) found.set(key, (t as Token).value);
    }
  }
}
