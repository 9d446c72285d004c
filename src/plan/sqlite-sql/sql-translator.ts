/**
 * The engine behind translateExpression / translateCheck / translateView: re-emits a SQLite
 * token tree as PostgreSQL, keeping the source's layout (whitespace between tokens; comments
 * dropped) and rewriting only what differs. Anything without a faithful translation throws
 * Untranslatable with the reason, so no half-translated SQL ever leaves this folder.
 *
 * SQLite expression syntax: https://www.sqlite.org/lang_expr.html
 * SQLite SELECT syntax: https://www.sqlite.org/lang_select.html
 * PostgreSQL lexical rules: https://www.postgresql.org/docs/current/sql-syntax-lexical.html
 */
import { affinityOf } from '../resolve-column.js';
import { qualify, quoteIdent, quoteLiteral } from '../identifiers.js';
import { isGroup, isSymbol, isToken, splitByComma, type Group, type SqlNode } from '../../source/sqlite-sql/build-token-tree.js';
import { parseSqliteNumber, sqliteRealText } from './sqlite-number.js';
import type { TargetKind } from './target-kind.js';
import { foldIdentifier, type Token } from '../../source/sqlite-sql/tokenize-sqlite.js';
import { TIME_FUNCTIONS, naturalKind, nowKeyword, readTimeCall, renderNow } from './render-now.js';
import { Untranslatable } from './translation.js';

/** A table the translator can resolve names against. Maps are keyed by folded source names. */
export interface TableSource {
  readonly target: string;
  /** Source column → target column; null when the columns are not known (a table given by name only). */
  readonly columns: ReadonlyMap<string, string> | null;
  readonly kinds: ReadonlyMap<string, TargetKind>;
  readonly jsonb: ReadonlySet<string>;
}

export interface TranslatorOptions {
  /** The SQLite SQL being translated: gaps and spans are read from it. */
  readonly sql: string;
  /** Tables by folded source name. */
  readonly tables: ReadonlyMap<string, TableSource>;
  /** Schema to qualify table names with, or null to leave them unqualified. */
  readonly schema: string | null;
  /** How "now" is written: `now()` in expressions, `CURRENT_TIMESTAMP` in defaults. */
  readonly nowSql: string;
}

/** Build the folded-key maps of a TableSource from caller maps keyed by exact source names. */
export function tableSource(
  target: string,
  columns: ReadonlyMap<string, string> | null,
  kinds?: ReadonlyMap<string, TargetKind>,
  jsonb?: ReadonlySet<string>,
): TableSource {
  const fold = <V>(m: ReadonlyMap<string, V> | undefined): Map<string, V> => new Map([...(m ?? new Map<string, V>())].map(([k, v]) => [foldIdentifier(k), v]));
  return { target, columns: columns === null ? null : fold(columns), kinds: fold(kinds), jsonb: new Set([...(jsonb ?? [])].map(foldIdentifier)) };
}

/** A FROM item in scope: a table (known or not), a CTE, or a subquery. */
interface Source {
  /** Folded name a qualifier matches: the alias, else the table name; null for the implicit table of a CHECK. */
  readonly key: string | null;
  readonly table: TableSource | null;
  /** How a qualifier naming this source is written in PostgreSQL. */
  readonly qualifierSql: string;
}

/** Name resolution for one SELECT core, chained to the enclosing ones (correlated subqueries). */
export class Scope {
  readonly sources: Source[] = [];
  readonly ctes = new Map<string, string>();
  /** Result-column aliases (ORDER BY / GROUP BY may name them). */
  readonly aliases = new Set<string>();

  constructor(readonly parent: Scope | null) {}

  /** The scope of a CHECK, DEFAULT or index expression: one implicit table. */
  static of(table: TableSource): Scope {
    const scope = new Scope(null);
    scope.sources.push({ key: null, table, qualifierSql: '' });
    return scope;
  }

  findSource(key: string): Source | null {
    for (let s: Scope | null = this; s; s = s.parent) {
      const found = s.sources.find((x) => x.key === key);
      if (found) return found;
    }
    return null;
  }

  findCte(key: string): string | null {
    for (let s: Scope | null = this; s; s = s.parent) {
      const found = s.ctes.get(key);
      if (found !== undefined) return found;
    }
    return null;
  }

  /** First table in scope (innermost first) with this column, as SQLite resolves unqualified names. */
  resolveColumn(key: string): { readonly target: string; readonly source: Source } | null {
    for (let s: Scope | null = this; s; s = s.parent) {
      for (const source of s.sources) {
        const target = source.table?.columns?.get(key);
        if (target !== undefined) return { target, source };
      }
    }
    return null;
  }

  /**
   * Whether a double-quoted `"name"` can be an identifier here. When some source's columns are
   * unknown (a subquery, a CTE, a table given by name only) we cannot tell, and keep it one.
   */
  knows(key: string): boolean {
    for (let s: Scope | null = this; s; s = s.parent) {
      if (s.aliases.has(key) || s.ctes.has(key)) return true;
      for (const source of s.sources) {
        if (source.key === key || !source.table || !source.table.columns || source.table.columns.has(key)) return true;
      }
    }
    return false;
  }
}

/** Words that are always keywords where they appear in expressions and SELECTs. */
const RESERVED = new Set([
  'ALL', 'AND', 'AS', 'BETWEEN', 'BY', 'CASE', 'CAST', 'COLLATE', 'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP',
  'DISTINCT', 'ELSE', 'ESCAPE', 'EXCEPT', 'EXISTS', 'FROM', 'GLOB', 'GROUP', 'HAVING', 'IN', 'INDEXED', 'INTERSECT',
  'IS', 'ISNULL', 'JOIN', 'LIKE', 'LIMIT', 'MATCH', 'NOT', 'NOTNULL', 'NULL', 'ON', 'OR', 'ORDER', 'RAISE', 'REGEXP',
  'SELECT', 'THEN', 'UNION', 'USING', 'VALUES', 'WHEN', 'WHERE', 'WITH',
]);
/** Keywords SQLite also accepts as plain identifiers; decided from context (https://www.sqlite.org/lang_keywords.html). */
const CONTEXTUAL = new Set(['ASC', 'DESC', 'END', 'TRUE', 'FALSE', 'NULLS', 'FIRST', 'LAST', 'OFFSET', 'FILTER', 'OVER', 'RECURSIVE', 'MATERIALIZED', 'WINDOW']);
/** Join words are keywords only on the way to a JOIN (`left` and `right` are common column names). */
const JOIN_WORDS = new Set(['LEFT', 'RIGHT', 'FULL', 'INNER', 'OUTER', 'CROSS', 'NATURAL']);
const CLAUSES = new Set(['SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'VALUES']);
const COMPOUND = new Set(['UNION', 'EXCEPT', 'INTERSECT']);
const COMPARISON = new Set(['=', '==', '!=', '<>', '<', '<=', '>', '>=']);
/** Operators that bind tighter than comparisons, so `a + col = 1` does not compare `col` with 1. */
const TIGHTER = new Set(['+', '-', '*', '/', '%', '||', '&', '|', '<<', '>>', '~', '->', '->>']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
/** Words that end the right operand of LIKE. */
const OPERAND_STOP = new Set([
  'AND', 'OR', 'NOT', 'IS', 'ISNULL', 'NOTNULL', 'IN', 'BETWEEN', 'LIKE', 'GLOB', 'REGEXP', 'MATCH', 'ESCAPE', 'THEN', 'WHEN',
  'ELSE', 'ASC', 'DESC', 'AS', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'UNION', 'EXCEPT', 'INTERSECT', 'ON',
  'USING', 'JOIN', 'NULLS',
]);
const ROWID_NAMES = new Set(['rowid', 'oid', '_rowid_']);
/** Words before and after a whole condition (a CASE's WHEN is left out: `CASE x WHEN 1` compares values). */
const CONDITION_BEFORE = new Set(['WHERE', 'ON', 'HAVING', 'AND', 'OR', 'NOT']);
const CONDITION_AFTER = new Set(['AND', 'OR', 'GROUP', 'ORDER', 'LIMIT', 'HAVING', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT', 'JOIN', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'CROSS', 'NATURAL', 'WHERE', 'THEN', 'ELSE', 'END']);

function upperWord(node: SqlNode | undefined): string | null {
  return isToken(node) && node.kind === 'word' ? node.value.toUpperCase() : null;
}

function isName(node: SqlNode | undefined): node is Token {
  return isToken(node) && (node.kind === 'quoted' || (node.kind === 'word' && !RESERVED.has(node.value.toUpperCase())));
}

function isQueryGroup(node: SqlNode | undefined): boolean {
  if (!isGroup(node)) return false;
  const first = upperWord(node.children[0]);
  return first === 'SELECT' || first === 'WITH' || first === 'VALUES';
}

/** True when `node` can end an operand (so a following word is an operator, alias or ASC/DESC). */
function endsOperand(node: SqlNode | undefined): boolean {
  if (node === undefined) return false;
  if (isGroup(node)) return true;
  if (node.kind === 'word') {
    const up = node.value.toUpperCase();
    if (up === 'END' || up === 'NULL' || up === 'TRUE' || up === 'FALSE' || up.startsWith('CURRENT_')) return true;
    return !RESERVED.has(up) && !JOIN_WORDS.has(up);
  }
  return node.kind === 'number' || node.kind === 'string' || node.kind === 'blob' || node.kind === 'quoted' || node.kind === 'variable';
}

/** Comments out, whitespace kept; a gap that only held a comment becomes one space. */
function cleanGap(gap: string): string {
  const cleaned = gap.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ');
  return cleaned === '' && gap !== '' ? ' ' : cleaned;
}

const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const PG_OPERATOR_CHAR = /[+\-*/<>=~!@#%^&|`?]/;

/** Two emitted pieces that would lex differently if glued together (`a`+`b`, `||`+`-`, `'a'`+`'b'`). */
function needsSpace(before: string, after: string): boolean {
  if (WORD_CHAR.test(before) && WORD_CHAR.test(after)) return true;
  if (PG_OPERATOR_CHAR.test(before) && PG_OPERATOR_CHAR.test(after)) return true;
  return before === after && (before === "'" || before === '"');
}

/** Accumulates output pieces, reproducing the source gap between consecutive source pieces. */
class Out {
  #text = '';
  #last: number | null;

  constructor(
    readonly sql: string,
    start: number | null = null,
  ) {
    this.#last = start;
  }

  /** A piece standing for source text [start, end). */
  add(text: string, start: number, end: number): void {
    const gap = this.#last === null ? '' : cleanGap(this.sql.slice(this.#last, Math.max(this.#last, start)));
    this.#append(gap, text);
    this.#last = end;
  }

  /** A piece with no source counterpart, e.g. ` NULLS FIRST`. */
  synth(text: string): void {
    this.#append('', text);
  }

  /** The text, with the source gap up to `end` (a closing parenthesis) when given. */
  finish(end: number | null = null): string {
    if (end !== null && this.#last !== null) this.#text += cleanGap(this.sql.slice(this.#last, end));
    return this.#text;
  }

  #append(gap: string, text: string): void {
    if (text === '') return;
    let sep = gap;
    if (sep === '' && this.#text !== '' && needsSpace(this.#text[this.#text.length - 1]!, text[0]!)) sep = ' ';
    this.#text += sep + text;
  }
}

/** Special handling attached to a node by the SELECT pre-pass. */
type Role =
  | { readonly kind: 'table'; readonly sql: string; readonly span: number }
  | { readonly kind: 'alias' }
  | { readonly kind: 'subquery' }
  | { readonly kind: 'nested-from' };

export class SqlTranslator {
  readonly #options: TranslatorOptions;
  readonly #notes: string[] = [];
  readonly #roles = new Map<SqlNode, Role>();
  readonly #suffixes = new Map<SqlNode, string>();

  constructor(options: TranslatorOptions) {
    this.#options = options;
  }

  get notes(): readonly string[] {
    return [...new Set(this.#notes)];
  }

  note(text: string): void {
    this.#notes.push(text);
  }

  /** Translate a whole list of nodes: a query when it starts with SELECT / WITH / VALUES, else an expression. */
  translate(nodes: readonly SqlNode[], scope: Scope, options: { readonly nameColumns?: boolean } = {}): string {
    const first = upperWord(nodes[0]);
    if (first === 'SELECT' || first === 'WITH' || first === 'VALUES') return this.query(nodes, scope, null, options.nameColumns ?? false);
    return this.expression(nodes, 0, nodes.length, scope, null);
  }

  // ---------------------------------------------------------------- queries

  /** A full query (WITH, compound SELECTs, ORDER BY, LIMIT). `start` is where its text begins (after `(`). */
  query(nodes: readonly SqlNode[], parent: Scope, start: number | null, nameColumns: boolean): string {
    const level = new Scope(parent);
    const out = new Out(this.#options.sql, start);
    let i = 0;
    if (upperWord(nodes[0]) === 'WITH') i = this.#with(nodes, level, out);
    let coreStart = i;
    let first = true;
    const emitCore = (end: number): void => {
      if (end <= coreStart) throw new Untranslatable('empty SELECT');
      const scope = new Scope(level);
      this.#prepareCore(nodes, coreStart, end, scope, nameColumns && first);
      out.add(this.expression(nodes, coreStart, end, scope, null), nodes[coreStart]!.start, nodes[end - 1]!.end);
      first = false;
    };
    for (let k = i; k < nodes.length; k++) {
      const up = upperWord(nodes[k]);
      if (up === null || !COMPOUND.has(up)) continue;
      emitCore(k);
      const all = upperWord(nodes[k + 1]) === 'ALL';
      out.add(all ? `${up} ALL` : up, nodes[k]!.start, nodes[all ? k + 1 : k]!.end);
      if (all) k++;
      coreStart = k + 1;
    }
    emitCore(nodes.length);
    return out.finish();
  }

  /** `WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (query), ...`; returns the index after it. */
  #with(nodes: readonly SqlNode[], level: Scope, out: Out): number {
    let i = 1;
    out.add('WITH', nodes[0]!.start, nodes[0]!.end);
    if (upperWord(nodes[i]) === 'RECURSIVE') {
      out.add('RECURSIVE', nodes[i]!.start, nodes[i]!.end);
      i++;
    }
    // Names first: a recursive CTE, or a later one, refers to them.
    for (let k = i; k < nodes.length && !['SELECT', 'VALUES'].includes(upperWord(nodes[k]) ?? ''); k++) {
      if (isName(nodes[k]) && (k === i || isSymbol(nodes[k - 1], ','))) level.ctes.set(foldIdentifier((nodes[k] as Token).value), (nodes[k] as Token).value);
    }
    for (;;) {
      const name = nodes[i];
      if (!isName(name)) throw new Untranslatable('unexpected text in WITH clause');
      out.add(quoteIdent(name.value), name.start, name.end);
      i++;
      const cols = nodes[i];
      if (isGroup(cols)) {
        const names = splitByComma(cols.children).map(([a, b]) => {
          const n = cols.children[a];
          if (b - a !== 1 || !isName(n)) throw new Untranslatable('unexpected text in a WITH column list');
          return quoteIdent(n.value);
        });
        out.add(`(${names.join(', ')})`, cols.start, cols.end);
        i++;
      }
      while (upperWord(nodes[i]) === 'AS' || upperWord(nodes[i]) === 'NOT' || upperWord(nodes[i]) === 'MATERIALIZED') {
        out.add(upperWord(nodes[i])!, nodes[i]!.start, nodes[i]!.end);
        i++;
      }
      const body = nodes[i];
      if (!isGroup(body) || !isQueryGroup(body)) throw new Untranslatable('unexpected text in WITH clause');
      out.add(`(${this.query(body.children, level, body.open.end, false)}${this.#closingGap(body)})`, body.start, body.end);
      i++;
      if (!isSymbol(nodes[i], ',')) return i;
      out.add(',', nodes[i]!.start, nodes[i]!.end);
      i++;
    }
  }

  /** Top-level clause keywords of one SELECT core, by index. */
  #clauses(nodes: readonly SqlNode[], from: number, to: number): { readonly word: string; readonly index: number }[] {
    const found: { word: string; index: number }[] = [];
    for (let k = from; k < to; k++) {
      const up = upperWord(nodes[k]);
      if (up === null || !CLAUSES.has(up)) continue;
      // `a IS [NOT] DISTINCT FROM b` is an operator, not a FROM clause.
      if (up === 'FROM' && upperWord(nodes[k - 1]) === 'DISTINCT' && ['IS', 'NOT'].includes(upperWord(nodes[k - 2]) ?? '')) continue;
      if ((up === 'GROUP' || up === 'ORDER') && upperWord(nodes[k + 1]) !== 'BY') continue;
      found.push({ word: up, index: k });
    }
    return found;
  }

  /** Registers FROM items and aliases, and plans ORDER BY NULLS placement and column names. */
  #prepareCore(nodes: readonly SqlNode[], from: number, to: number, scope: Scope, nameColumns: boolean): void {
    const clauses = this.#clauses(nodes, from, to);
    // FROM first: result columns need the tables in scope to tell a column from a "string".
    const ordered = clauses.map((clause, n) => ({ ...clause, end: clauses[n + 1]?.index ?? to }));
    ordered.sort((x, y) => Number(y.word === 'FROM') - Number(x.word === 'FROM'));
    for (const clause of ordered) {
      const end = clause.end;
      if (clause.word === 'SELECT') {
        let start = clause.index + 1;
        if (upperWord(nodes[start]) === 'DISTINCT' || upperWord(nodes[start]) === 'ALL') start++;
        for (const [a, b] of splitByComma(nodes, start, end)) this.#prepareResultColumn(nodes, a, b, scope, nameColumns);
      } else if (clause.word === 'FROM') {
        this.#collectFrom(nodes, clause.index + 1, end, scope);
      } else if (clause.word === 'ORDER') {
        // SQLite sorts NULLs first in ascending order, PostgreSQL last: say it explicitly.
        // https://www.sqlite.org/lang_select.html#the_order_by_clause
        for (const [a, b] of splitByComma(nodes, clause.index + 2, end)) {
          if (b <= a || nodes.slice(a, b).some((x) => upperWord(x) === 'NULLS')) continue;
          this.#addSuffix(nodes[b - 1]!, upperWord(nodes[b - 1]) === 'DESC' ? ' NULLS LAST' : ' NULLS FIRST');
        }
      } else if (clause.word === 'WINDOW') {
        throw new Untranslatable('window definitions (WINDOW clause) are not translated');
      }
    }
  }

  #prepareResultColumn(nodes: readonly SqlNode[], a: number, b: number, scope: Scope, nameColumns: boolean): void {
    if (b <= a) throw new Untranslatable('empty result column');
    const last = nodes[b - 1]!;
    const isAliasToken = (n: SqlNode | undefined): n is Token =>
      isToken(n) && (n.kind === 'quoted' || n.kind === 'string' || (n.kind === 'word' && !RESERVED.has(n.value.toUpperCase()) && !CONTEXTUAL.has(n.value.toUpperCase())));
    let alias: Token | null = null;
    if (b - a >= 3 && upperWord(nodes[b - 2]) === 'AS' && isAliasToken(last)) alias = last;
    else if (b - a >= 2 && isAliasToken(last) && endsOperand(nodes[b - 2]) && !isSymbol(nodes[b - 2], '.')) alias = last;
    if (alias) {
      this.#roles.set(alias, { kind: 'alias' });
      scope.aliases.add(foldIdentifier(alias.value));
      return;
    }
    // SQLite names an unaliased expression column after its text ("SUM(p.amount)"); PostgreSQL would
    // call it "?column?" or "sum". Keep SQLite's name so queries against the view still work.
    if (nameColumns && !this.#isColumnReference(nodes, a, b, scope)) {
      this.#addSuffix(last, ` AS ${quoteIdent(this.#options.sql.slice(nodes[a]!.start, last.end))}`);
    }
  }

  #isColumnReference(nodes: readonly SqlNode[], a: number, b: number, scope: Scope): boolean {
    const parts = nodes.slice(a, b);
    const only = parts[0];
    // A lone "name" that matches nothing is a string literal (see #identifier), so an expression.
    if (parts.length === 1 && isToken(only) && only.quote === '"') return scope.knows(foldIdentifier(only.value));
    if (parts.length === 1) return isName(only) || isSymbol(only, '*');
    for (let k = 0; k < parts.length; k++) {
      const ok = k % 2 === 1 ? isSymbol(parts[k], '.') : isName(parts[k]) || (k === parts.length - 1 && isSymbol(parts[k], '*'));
      if (!ok) return false;
    }
    return parts.length === 3 || parts.length === 5;
  }

  /** FROM items: tables (renamed, qualified), subqueries, nested joins, and their aliases. */
  #collectFrom(nodes: readonly SqlNode[], from: number, to: number, scope: Scope): void {
    let expectItem = true;
    let k = from;
    while (k < to) {
      const n = nodes[k]!;
      if (!expectItem) {
        if (isSymbol(n, ',') || upperWord(n) === 'JOIN') expectItem = true;
        k++;
        continue;
      }
      if (JOIN_WORDS.has(upperWord(n) ?? '')) {
        k++;
        continue;
      }
      expectItem = false;
      if (isGroup(n)) {
        const subquery = isQueryGroup(n);
        this.#roles.set(n, { kind: subquery ? 'subquery' : 'nested-from' });
        if (!subquery) this.#collectFrom(n.children, 0, n.children.length, scope);
        k++;
        const alias = this.#fromAlias(nodes, k, to);
        if (alias) {
          scope.sources.push({ key: foldIdentifier(alias.token.value), table: null, qualifierSql: quoteIdent(alias.token.value) });
          k = alias.next;
        } else if (subquery) {
          scope.sources.push({ key: null, table: null, qualifierSql: '' });
        }
        continue;
      }
      if (!isName(n)) throw new Untranslatable(`unexpected ${(n as Token).text} in FROM clause`);
      // `schema.table`: SQLite's schema (main, temp, an attached one) has no meaning in the target.
      const span = isSymbol(nodes[k + 1], '.') && isName(nodes[k + 2]) ? 3 : 1;
      const nameToken = nodes[k + span - 1] as Token;
      if (isGroup(nodes[k + span])) throw new Untranslatable(`table-valued function ${nameToken.value}() is not translated`);
      const key = foldIdentifier(nameToken.value);
      const cte = span === 1 ? scope.findCte(key) : null;
      const table = cte === null ? this.#options.tables.get(key) ?? null : null;
      let sql: string;
      if (cte !== null) sql = quoteIdent(cte);
      else {
        const target = table?.target ?? nameToken.value;
        if (!table) this.note(`${nameToken.value} is not a migrated table; the view expects a relation of that name to exist`);
        sql = this.#options.schema === null ? quoteIdent(target) : qualify(this.#options.schema, target);
      }
      this.#roles.set(n, { kind: 'table', sql, span });
      k += span;
      if (upperWord(nodes[k]) === 'INDEXED' || (upperWord(nodes[k]) === 'NOT' && upperWord(nodes[k + 1]) === 'INDEXED')) {
        throw new Untranslatable('INDEXED BY / NOT INDEXED is SQLite-only syntax');
      }
      const alias = this.#fromAlias(nodes, k, to);
      const aliasName = alias?.token.value ?? null;
      scope.sources.push({
        key: foldIdentifier(aliasName ?? nameToken.value),
        table,
        qualifierSql: quoteIdent(aliasName ?? (cte !== null ? cte : table?.target ?? nameToken.value)),
      });
      if (alias) k = alias.next;
    }
  }

  /** `AS alias` or a bare alias after a FROM item. */
  #fromAlias(nodes: readonly SqlNode[], k: number, to: number): { readonly token: Token; readonly next: number } | null {
    if (k >= to) return null;
    const n = nodes[k];
    if (upperWord(n) === 'AS') {
      const a = nodes[k + 1];
      if (!isToken(a) || !(a.kind === 'word' || a.kind === 'quoted' || a.kind === 'string')) throw new Untranslatable('AS without an alias in FROM clause');
      this.#roles.set(a, { kind: 'alias' });
      return { token: a, next: k + 2 };
    }
    const up = upperWord(n);
    const stop = up !== null && (RESERVED.has(up) || JOIN_WORDS.has(up) || CONTEXTUAL.has(up));
    if (isToken(n) && (n.kind === 'quoted' || n.kind === 'string' || (n.kind === 'word' && !stop))) {
      this.#roles.set(n, { kind: 'alias' });
      return { token: n, next: k + 1 };
    }
    return null;
  }

  #addSuffix(node: SqlNode, text: string): void {
    this.#suffixes.set(node, (this.#suffixes.get(node) ?? '') + text);
  }

  // ------------------------------------------------------------ expressions

  /**
   * Translate nodes[from, to). `listKind` is the value family of the column an IN list is
   * compared with, for literals that are whole elements of that list.
   */
  expression(nodes: readonly SqlNode[], from: number, to: number, scope: Scope, listKind: TargetKind | null, start: number | null = null): string {
    const out = new Out(this.#options.sql, start);
    let caseDepth = 0;
    let i = from;
    while (i < to) {
      const n = nodes[i]!;
      let next = i + 1;
      const role = this.#roles.get(n);
      if (role) {
        if (role.kind === 'table') {
          next = i + role.span;
          out.add(role.sql, n.start, nodes[next - 1]!.end);
        } else if (role.kind === 'alias') {
          out.add(quoteIdent((n as Token).value), n.start, n.end);
        } else {
          const g = n as Group;
          const inner = role.kind === 'subquery' ? this.query(g.children, scope, g.open.end, false) : this.expression(g.children, 0, g.children.length, scope, null, g.open.end);
          out.add(`(${inner}${this.#closingGap(g)})`, g.start, g.end);
        }
      } else if (isGroup(n)) {
        out.add(this.#group(nodes, i, from, scope), n.start, n.end);
      } else {
        switch (n.kind) {
          case 'number':
          case 'string':
          case 'blob':
            out.add(this.#literal(nodes, i, from, to, scope, listKind), n.start, n.end);
            break;
          case 'variable':
            throw new Untranslatable(`the parameter ${n.text} has no meaning in a schema object`);
          case 'operator':
            out.add(this.#operator(nodes, i, from, to), n.start, n.end);
            break;
          case 'punct':
            if (n.value === ';') {
              if (i !== to - 1) throw new Untranslatable('more than one statement');
              break;
            }
            out.add(n.value, n.start, n.end);
            break;
          case 'word':
          case 'quoted': {
            const up = n.kind === 'word' ? n.value.toUpperCase() : null;
            if (up === 'CASE') caseDepth++;
            if (up === 'END' && caseDepth > 0) {
              caseDepth--;
              out.add('END', n.start, n.end);
              break;
            }
            const r = this.#word(nodes, i, from, to, scope);
            next = r.next;
            out.add(r.sql, n.start, nodes[next - 1]!.end);
            break;
          }
        }
      }
      for (let k = i; k < next; k++) {
        const suffix = this.#suffixes.get(nodes[k]!);
        if (suffix !== undefined) out.synth(suffix);
      }
      i = next;
    }
    return out.finish();
  }

  /** The whitespace before a group's `)`, so `( a )` keeps its shape. */
  #closingGap(g: Group): string {
    const lastEnd = g.children.length ? g.children[g.children.length - 1]!.end : g.open.end;
    return g.children.length ? cleanGap(this.#options.sql.slice(lastEnd, g.close.start)) : '';
  }

  /** A parenthesised expression, a subquery, or an IN list. */
  #group(nodes: readonly SqlNode[], i: number, from: number, scope: Scope): string {
    const g = nodes[i] as Group;
    if (isQueryGroup(g)) return `(${this.query(g.children, new Scope(scope), g.open.end, false)}${this.#closingGap(g)})`;
    let listKind: TargetKind | null = null;
    const before = upperWord(nodes[i - 1]);
    if (before === 'IN') {
      if (g.children.length === 0) throw new Untranslatable('an empty IN () list is SQLite-only syntax');
      const colEnd = upperWord(nodes[i - 2]) === 'NOT' ? i - 3 : i - 2;
      listKind = this.#columnKindEndingAt(nodes, colEnd, from, scope);
    }
    return `(${this.expression(g.children, 0, g.children.length, scope, listKind, g.open.end)}${this.#closingGap(g)})`;
  }

  #operator(nodes: readonly SqlNode[], i: number, from: number, to: number): string {
    const op = (nodes[i] as Token).value;
    if (op === '->' || op === '->>') throw new Untranslatable(`the JSON operator ${op} takes a JSON path in SQLite but a key in PostgreSQL; it is not translated`);
    if (ARITHMETIC.has(op)) {
      // 'Smith' + 1 is 1 in SQLite (text becomes 0) and an error in PostgreSQL; + for concatenation is
      // a bug in the source (e.g. Northwind's Invoices view), so refuse rather than guess.
      for (const side of [i > from ? nodes[i - 1] : undefined, i + 1 < to ? nodes[i + 1] : undefined]) {
        if (isToken(side) && side.kind === 'string' && parseSqliteNumber(side.value.trim(), { hex: false }) === null) {
          throw new Untranslatable(`arithmetic ${op} on the text ${quoteLiteral(side.value)}: SQLite turns it into 0 (+ is not concatenation), PostgreSQL rejects it`);
        }
      }
    }
    return op === '==' ? '=' : op;
  }

  #literal(nodes: readonly SqlNode[], i: number, from: number, to: number, scope: Scope, listKind: TargetKind | null): string {
    const t = nodes[i] as Token;
    if (t.kind === 'blob') return `'\\x${t.value}'::bytea`;
    const wholeElement = (i === from || isSymbol(nodes[i - 1], ',')) && (i === to - 1 || isSymbol(nodes[i + 1], ','));
    const kind = listKind !== null && wholeElement ? listKind : this.#partnerKind(nodes, i, from, to, scope);
    if (t.kind === 'string') return quoteLiteral(t.value);
    if (kind === null && this.#isCondition(nodes, i, from, to)) {
      // `WHERE 1`, `ON 1`, `x AND 0`: SQLite conditions are numbers, PostgreSQL's are boolean.
      const n = parseSqliteNumber(t.value, { hex: true });
      return n !== null && (n.kind === 'integer' ? n.value === 0n : n.integral === 0n) ? 'FALSE' : 'TRUE';
    }
    return this.#number(t, kind);
  }

  /** Whether the node at `i` is a whole operand of WHERE / ON / HAVING / AND / OR / NOT. */
  #isCondition(nodes: readonly SqlNode[], i: number, from: number, to: number): boolean {
    const before = i > from ? upperWord(nodes[i - 1]) : null;
    if (before === null || !CONDITION_BEFORE.has(before)) return false;
    if (before === 'NOT' && upperWord(nodes[i - 2]) === 'IS') return false;
    const after = i + 1 < to ? nodes[i + 1] : undefined;
    const afterWord = upperWord(after);
    if (after !== undefined && (afterWord === null || !CONDITION_AFTER.has(afterWord))) return false;
    if (before !== 'AND') return true;
    // The AND of `x BETWEEN a AND b` is not a logical AND.
    for (let k = i - 2; k >= from; k--) {
      const w = upperWord(nodes[k]);
      if (w === 'BETWEEN') return false;
      if (w === 'AND' || w === 'OR' || w === 'WHERE' || w === 'ON' || w === 'HAVING' || w === 'WHEN' || w === 'THEN') return true;
    }
    return true;
  }

  /**
   * A number compared with a column. SQLite applies the column's affinity to the literal
   * (https://www.sqlite.org/datatype3.html#type_conversions_prior_to_comparison): a TEXT column
   * compares with '1', not 1, and PostgreSQL has no text = integer operator at all. A boolean
   * column compares with true/false.
   */
  #number(t: Token, kind: TargetKind | null): string {
    const n = parseSqliteNumber(t.value, { hex: true });
    if (n === null) throw new Untranslatable(`cannot read the number ${t.text}`);
    if (kind === 'text') {
      const text = n.kind === 'integer' ? n.value.toString() : sqliteRealText(n);
      if (text === null) throw new Untranslatable(`compares a text column with ${t.text}, whose text form in SQLite is uncertain`);
      return quoteLiteral(text);
    }
    if (kind === 'boolean') {
      const v = n.kind === 'integer' ? n.value : n.integral;
      if (v === 0n) return 'FALSE';
      if (v === 1n) return 'TRUE';
      throw new Untranslatable(`compares a boolean column with ${t.text}`);
    }
    return n.kind === 'integer' ? n.value.toString() : n.text;
  }

  /** The kind of the column a literal at `i` is compared with (`col = 1`, `1 < col`, `col BETWEEN 1 AND 2`). */
  #partnerKind(nodes: readonly SqlNode[], i: number, from: number, to: number, scope: Scope): TargetKind | null {
    const prev = nodes[i - 1];
    const next = nodes[i + 1];
    const tighterAfter = i + 1 < to && isToken(next) && next.kind === 'operator' && TIGHTER.has(next.value);
    const tighterBefore = i - 1 >= from && isToken(prev) && prev.kind === 'operator' && TIGHTER.has(prev.value);
    if (i - 1 >= from && isToken(prev) && prev.kind === 'operator' && COMPARISON.has(prev.value) && !tighterAfter) {
      return this.#columnKindEndingAt(nodes, i - 2, from, scope);
    }
    if (upperWord(prev) === 'BETWEEN' && !tighterAfter) {
      return this.#columnKindEndingAt(nodes, upperWord(nodes[i - 2]) === 'NOT' ? i - 3 : i - 2, from, scope);
    }
    if (upperWord(prev) === 'AND' && upperWord(nodes[i - 3]) === 'BETWEEN' && !tighterAfter) {
      return this.#columnKindEndingAt(nodes, upperWord(nodes[i - 4]) === 'NOT' ? i - 5 : i - 4, from, scope);
    }
    if (i + 1 < to && isToken(next) && next.kind === 'operator' && COMPARISON.has(next.value) && !tighterBefore) {
      return this.#columnKindStartingAt(nodes, i + 2, to, scope);
    }
    return null;
  }

  #columnKindEndingAt(nodes: readonly SqlNode[], k: number, from: number, scope: Scope): TargetKind | null {
    if (k < from) return null;
    const n = nodes[k];
    let start = k;
    let ref: { qualifier: Token | null; column: Token } | null = null;
    if (isGroup(n)) return this.#groupColumnKind(n, scope);
    if (isName(n)) {
      if (isSymbol(nodes[k - 1], '.') && k - 2 >= from && isName(nodes[k - 2])) {
        ref = { qualifier: nodes[k - 2] as Token, column: n };
        start = k - 2;
      } else {
        ref = { qualifier: null, column: n };
      }
    }
    if (!ref) return null;
    const before = nodes[start - 1];
    if (start - 1 >= from && (isSymbol(before, '.') || (isToken(before) && before.kind === 'operator' && TIGHTER.has(before.value)))) return null;
    return this.#kindOf(ref.qualifier, ref.column, scope);
  }

  #columnKindStartingAt(nodes: readonly SqlNode[], k: number, to: number, scope: Scope): TargetKind | null {
    if (k >= to) return null;
    const n = nodes[k];
    let end = k + 1;
    let kind: TargetKind | null = null;
    if (isGroup(n)) kind = this.#groupColumnKind(n, scope);
    else if (isName(n)) {
      if (isSymbol(nodes[k + 1], '.') && isName(nodes[k + 2])) {
        kind = this.#kindOf(n, nodes[k + 2] as Token, scope);
        end = k + 3;
      } else {
        kind = this.#kindOf(null, n, scope);
      }
    }
    const after = nodes[end];
    if (end < to && (isSymbol(after, '.') || (isToken(after) && after.kind === 'operator' && TIGHTER.has(after.value)) || upperWord(after) === 'COLLATE')) return null;
    return kind;
  }

  /** `(col)` or `((t.col))`: the column's kind. */
  #groupColumnKind(g: Group, scope: Scope): TargetKind | null {
    const c = g.children;
    if (c.length === 1 && isGroup(c[0])) return this.#groupColumnKind(c[0], scope);
    if (c.length === 1 && isName(c[0])) return this.#kindOf(null, c[0], scope);
    if (c.length === 3 && isName(c[0]) && isSymbol(c[1], '.') && isName(c[2])) return this.#kindOf(c[0], c[2] as Token, scope);
    return null;
  }

  #kindOf(qualifier: Token | null, column: Token, scope: Scope): TargetKind | null {
    const key = foldIdentifier(column.value);
    const source = qualifier ? scope.findSource(foldIdentifier(qualifier.value)) : scope.resolveColumn(key)?.source;
    return source?.table?.kinds.get(key) ?? null;
  }

  /** A bare word or quoted name: keyword, function call, column reference, or (SQLite quirk) string. */
  #word(nodes: readonly SqlNode[], i: number, from: number, to: number, scope: Scope): { readonly sql: string; readonly next: number } {
    const n = nodes[i] as Token;
    const up = n.kind === 'word' ? n.value.toUpperCase() : null;
    if (isSymbol(nodes[i + 1], '.') && (up === null || !RESERVED.has(up))) return this.#qualified(nodes, i, scope);
    if (isGroup(nodes[i + 1]) && (up === null || !RESERVED.has(up))) return { sql: this.#call(nodes, i, scope), next: i + 2 };
    if (up !== null) {
      const keyword = this.#keyword(nodes, i, from, to, scope, up);
      if (keyword) return keyword;
    }
    return { sql: this.#identifier(n, scope), next: i + 1 };
  }

  /** Keywords, rewritten where PostgreSQL differs; null when the word is an identifier here. */
  #keyword(nodes: readonly SqlNode[], i: number, from: number, to: number, scope: Scope, up: string): { readonly sql: string; readonly next: number } | null {
    const prev = i > from ? nodes[i - 1] : undefined;
    const next = nodes[i + 1];
    const same = { sql: up, next: i + 1 };
    if (JOIN_WORDS.has(up)) {
      for (let k = i + 1; k < to; k++) {
        const w = upperWord(nodes[k]);
        if (w === 'JOIN') return same;
        if (w === null || !JOIN_WORDS.has(w)) break;
      }
      return null;
    }
    if (CONTEXTUAL.has(up)) {
      switch (up) {
        case 'ASC':
        case 'DESC': {
          const after = i + 1 < to ? nodes[i + 1] : undefined;
          return endsOperand(prev) && (after === undefined || isSymbol(after, ',') || upperWord(after) === 'NULLS') ? same : null;
        }
        case 'NULLS':
          return upperWord(next) === 'FIRST' || upperWord(next) === 'LAST' ? { sql: `NULLS ${upperWord(next)}`, next: i + 2 } : null;
        case 'TRUE':
        case 'FALSE':
          // SQLite: a column named true/false wins over the keyword.
          return scope.resolveColumn(foldIdentifier(up)) ? null : same;
        case 'FILTER':
        case 'OVER':
          if (isGroup(prev) && isName(nodes[i - 2])) throw new Untranslatable(`window functions and FILTER clauses are not translated`);
          return null;
        default:
          return null;
      }
    }
    if (!RESERVED.has(up)) return null;
    switch (up) {
      case 'NOT':
        if (upperWord(next) === 'NULL' && endsOperand(prev)) return { sql: 'IS NOT NULL', next: i + 2 };
        if (upperWord(next) === 'INDEXED') throw new Untranslatable('NOT INDEXED is SQLite-only syntax');
        return same;
      case 'ISNULL':
        return { sql: 'IS NULL', next: i + 1 };
      case 'NOTNULL':
        return { sql: 'IS NOT NULL', next: i + 1 };
      case 'IS': {
        // PostgreSQL's IS only takes NULL / TRUE / FALSE / DISTINCT FROM; SQLite's `a IS b` is
        // null-safe equality. https://www.sqlite.org/lang_expr.html#isisnot
        const negated = upperWord(next) === 'NOT';
        const operand = upperWord(nodes[negated ? i + 2 : i + 1]);
        if (operand === 'NULL' || operand === 'TRUE' || operand === 'FALSE' || operand === 'DISTINCT') return { sql: negated ? 'IS NOT' : 'IS', next: negated ? i + 2 : i + 1 };
        return { sql: negated ? 'IS DISTINCT FROM' : 'IS NOT DISTINCT FROM', next: negated ? i + 2 : i + 1 };
      }
      case 'LIKE': {
        // SQLite's LIKE ignores ASCII case and has no escape character unless ESCAPE says so;
        // PostgreSQL's LIKE is case-sensitive and treats backslash as the escape.
        // https://www.sqlite.org/lang_expr.html#like
        this.note('LIKE became ILIKE: SQLite LIKE ignores case (for ASCII letters; ILIKE also folds non-ASCII ones)');
        const end = this.#operandEnd(nodes, i + 1, to);
        const pattern = nodes.slice(i + 1, end);
        const plain = pattern.length === 1 && isToken(pattern[0]) && pattern[0].kind === 'string' && !pattern[0].value.includes('\\');
        if (upperWord(nodes[end]) !== 'ESCAPE' && !plain && end > i + 1) this.#addSuffix(nodes[end - 1]!, " ESCAPE ''");
        return { sql: 'ILIKE', next: i + 1 };
      }
      case 'GLOB':
        throw new Untranslatable('GLOB has no direct PostgreSQL equivalent');
      case 'REGEXP':
        throw new Untranslatable('REGEXP depends on an application-defined function in SQLite; it is not translated');
      case 'MATCH':
        throw new Untranslatable('MATCH (full-text search) is not translated');
      case 'RAISE':
        throw new Untranslatable('RAISE() only exists in SQLite triggers');
      case 'INDEXED':
        throw new Untranslatable('INDEXED BY is SQLite-only syntax');
      case 'CAST':
        if (!isGroup(next)) throw new Untranslatable('CAST without parentheses');
        return { sql: this.#cast(next, scope), next: i + 2 };
      case 'COLLATE': {
        const name = next;
        if (!isToken(name) || (name.kind !== 'word' && name.kind !== 'quoted' && name.kind !== 'string')) throw new Untranslatable('COLLATE without a name');
        // BINARY compares bytes, as PostgreSQL's "C" collation does for UTF-8.
        if (name.value.toUpperCase() === 'BINARY') return { sql: 'COLLATE "C"', next: i + 2 };
        throw new Untranslatable(`COLLATE ${name.value} has no exact PostgreSQL equivalent`);
      }
      case 'CURRENT_TIMESTAMP':
      case 'CURRENT_DATE':
      case 'CURRENT_TIME': {
        const value = nowKeyword(up, this.#options.nowSql)!;
        return { sql: renderNow(value, 'text'), next: i + 1 };
      }
      case 'IN':
        if (isName(next)) throw new Untranslatable('IN followed by a table name is SQLite-only syntax');
        return same;
      case 'LIMIT':
        return { sql: this.#limit(nodes, i, to, scope), next: to };
      default:
        return same;
    }
  }

  /** Where the right operand of LIKE ends (before ESCAPE, AND, a comparison, ...). */
  #operandEnd(nodes: readonly SqlNode[], from: number, to: number): number {
    let depth = 0;
    for (let k = from; k < to; k++) {
      const n = nodes[k]!;
      const up = upperWord(n);
      if (up === 'CASE') depth++;
      else if (up === 'END' && depth > 0) depth--;
      else if (depth === 0 && k > from) {
        if (up !== null && OPERAND_STOP.has(up)) return k;
        if (up === 'END') return k;
        if (isToken(n) && ((n.kind === 'operator' && COMPARISON.has(n.value)) || (n.kind === 'punct' && n.value !== '.'))) return k;
      }
    }
    return to;
  }

  /** `LIMIT n [OFFSET m]`, and SQLite's `LIMIT m, n` (offset first!). https://www.sqlite.org/lang_select.html#the_limit_clause */
  #limit(nodes: readonly SqlNode[], i: number, to: number, scope: Scope): string {
    const parts = splitByComma(nodes, i + 1, to);
    const expr = (a: number, b: number): string => {
      if (b <= a) throw new Untranslatable('LIMIT without a value');
      return this.expression(nodes, a, b, scope, null).trim();
    };
    if (parts.length === 2) {
      const [[a1, b1], [a2, b2]] = parts as [[number, number], [number, number]];
      return `LIMIT ${expr(a2, b2)} OFFSET ${expr(a1, b1)}`;
    }
    const offset = nodes.findIndex((x, k) => k > i && k < to && upperWord(x) === 'OFFSET');
    if (offset === -1) return `LIMIT ${expr(i + 1, to)}`;
    return `LIMIT ${expr(i + 1, offset)} OFFSET ${expr(offset + 1, to)}`;
  }

  /** `t.col`, `main.t.col`, `t.*`. */
  #qualified(nodes: readonly SqlNode[], i: number, scope: Scope): { readonly sql: string; readonly next: number } {
    const names: Token[] = [nodes[i] as Token];
    let k = i + 1;
    let star = false;
    while (isSymbol(nodes[k], '.') && names.length < 3) {
      const part = nodes[k + 1];
      if (isSymbol(part, '*')) {
        star = true;
        k += 2;
        break;
      }
      if (!isToken(part) || (part.kind !== 'word' && part.kind !== 'quoted')) throw new Untranslatable('unexpected text after "."');
      names.push(part);
      k += 2;
    }
    if (star && names.length > 2) names.shift();
    if (!star && names.length === 3) names.shift();
    const qualifier = names[0]!;
    const source = scope.findSource(foldIdentifier(qualifier.value));
    const qualifierSql = source ? source.qualifierSql : quoteIdent(qualifier.value);
    if (star) return { sql: `${qualifierSql}.*`, next: k };
    const column = names[1];
    if (!column) throw new Untranslatable('unexpected text after "."');
    const key = foldIdentifier(column.value);
    if (!source) {
      // `CHECK (t.a > 0)` names the table being defined: PostgreSQL needs no (and may not know the) qualifier.
      const implicit = scope.resolveColumn(key);
      if (implicit && implicit.source.key === null) return { sql: quoteIdent(implicit.target), next: k };
    }
    const target = source ? source.table?.columns?.get(key) : scope.resolveColumn(key)?.target;
    if (target === undefined && ROWID_NAMES.has(key)) throw new Untranslatable('the rowid has no PostgreSQL counterpart');
    return { sql: `${qualifierSql}.${quoteIdent(target ?? column.value)}`, next: k };
  }

  #identifier(t: Token, scope: Scope): string {
    const key = foldIdentifier(t.value);
    const column = scope.resolveColumn(key);
    if (column) return quoteIdent(column.target);
    if (t.kind === 'quoted' && t.quote === '"' && !scope.knows(key)) {
      // SQLite's legacy rule: a double-quoted name that matches nothing is a string literal.
      // https://www.sqlite.org/quirks.html#double_quoted_string_literals_are_accepted
      this.note(`"${t.value}" names no column, so SQLite reads it as the string '${t.value}'`);
      return quoteLiteral(t.value);
    }
    if (ROWID_NAMES.has(key) && !scope.knows(key)) throw new Untranslatable('the rowid has no PostgreSQL counterpart');
    return quoteIdent(t.value);
  }

  /** `CAST(x AS type)` with the type mapped by SQLite's affinity rules. https://www.sqlite.org/lang_expr.html#castexpr */
  #cast(g: Group, scope: Scope): string {
    const c = g.children;
    let as = -1;
    for (let k = c.length - 1; k > 0; k--) {
      if (upperWord(c[k]) === 'AS') {
        as = k;
        break;
      }
    }
    if (as <= 0 || as === c.length - 1) throw new Untranslatable('CAST without AS type');
    const operand = this.expression(c, 0, as, scope, null).trim();
    const typeName = this.#options.sql.slice(c[as + 1]!.start, c[c.length - 1]!.end);
    switch (affinityOf(typeName)) {
      case 'INTEGER': {
        // SQLite truncates 3.7 to 3; PostgreSQL's cast to bigint rounds to 4.
        const single = as === 1 && isToken(c[0]) && c[0].kind === 'number' && parseSqliteNumber(c[0].value, { hex: true })?.kind === 'integer';
        this.note('CAST to a number fails in PostgreSQL on text that is not a number, where SQLite reads its numeric prefix (or 0)');
        return single ? `CAST(${operand} AS bigint)` : `CAST(trunc(CAST(${operand} AS numeric)) AS bigint)`;
      }
      case 'TEXT':
        return `CAST(${operand} AS text)`;
      case 'BLOB':
        return `CAST(${operand} AS bytea)`;
      case 'REAL':
        this.note('CAST to a number fails in PostgreSQL on text that is not a number, where SQLite reads its numeric prefix (or 0)');
        return `CAST(${operand} AS double precision)`;
      case 'NUMERIC':
        this.note('CAST to a number fails in PostgreSQL on text that is not a number, where SQLite reads its numeric prefix (or 0)');
        return `CAST(${operand} AS numeric)`;
    }
  }

  /** Function calls: an allowlist, translated where PostgreSQL differs; anything else is refused. */
  #call(nodes: readonly SqlNode[], i: number, scope: Scope): string {
    const nameToken = nodes[i] as Token;
    const g = nodes[i + 1] as Group;
    const name = foldIdentifier(nameToken.value);
    if (upperWord(nodes[i + 2]) === 'FILTER' || upperWord(nodes[i + 2]) === 'OVER') throw new Untranslatable(`window functions and FILTER clauses are not translated`);
    if (g.children.some((c) => upperWord(c) === 'ORDER')) throw new Untranslatable(`${name}() with ORDER BY inside is not translated`);
    const ranges = g.children.length === 0 ? [] : splitByComma(g.children);
    const distinct = ranges.length > 0 && upperWord(g.children[ranges[0]![0]]) === 'DISTINCT';
    if (distinct) ranges[0] = [ranges[0]![0] + 1, ranges[0]![1]];
    const arg = (k: number): string => {
      const r = ranges[k];
      if (!r || r[1] <= r[0]) throw new Untranslatable(`${name}() is missing an argument`);
      return this.expression(g.children, r[0], r[1], scope, null).trim();
    };
    const args = (): string[] => ranges.map((_, k) => arg(k));
    /** Same arguments, possibly another name: keep the source layout of the argument list. */
    const same = (pgName: string): string => `${pgName}(${this.expression(g.children, 0, g.children.length, scope, null, g.open.end)}${this.#closingGap(g)})`;
    const arity = (min: number, max: number): void => {
      if (ranges.length < min || ranges.length > max) throw new Untranslatable(`${name}() with ${ranges.length} arguments is not translated`);
    };
    const d = distinct ? 'DISTINCT ' : '';
    switch (name) {
      case 'lower':
      case 'upper':
      case 'length':
      case 'abs':
      case 'coalesce':
      case 'nullif':
      case 'replace':
      case 'ltrim':
      case 'rtrim':
      case 'sum':
      case 'avg':
        return same(name);
      case 'count':
        return ranges.length === 0 ? 'count(*)' : same(name);
      case 'trim':
        return same('btrim');
      case 'ifnull':
        return same('coalesce');
      case 'instr':
        arity(2, 2);
        return same('strpos');
      case 'min':
      case 'max':
        if (ranges.length <= 1) return same(name);
        this.note(`${name}() with several arguments became ${name === 'min' ? 'least' : 'greatest'}(), which ignores NULLs where SQLite returns NULL`);
        return same(name === 'min' ? 'least' : 'greatest');
      case 'substr':
      case 'substring': {
        arity(2, 3);
        // SQLite counts a start ≤ 0 from the end of the string (or before it); PostgreSQL does not.
        const start = this.#integerLiteral(g, ranges[1]!);
        if (start === null) this.note('substr() with a computed start: SQLite counts a negative start from the end, PostgreSQL does not');
        else if (start <= 0n) throw new Untranslatable(`substr() with start ${start} counts from the end in SQLite; PostgreSQL has no such form`);
        if (ranges.length === 3) {
          const length = this.#integerLiteral(g, ranges[2]!);
          if (length !== null && length < 0n) throw new Untranslatable('substr() with a negative length takes characters before the start in SQLite; PostgreSQL rejects it');
        }
        return same('substr');
      }
      case 'round':
        // SQLite rounds half away from zero; so does PostgreSQL's round(numeric), not round(float8).
        arity(1, 2);
        return `round((${arg(0)})::numeric, ${ranges.length === 2 ? arg(1) : '0'})`;
      case 'total':
        // total() is sum() that returns 0.0 for no rows and is always a float.
        arity(1, 1);
        return `coalesce(sum(${d}${arg(0)}), 0)::float8`;
      case 'group_concat':
      case 'string_agg':
        arity(name === 'string_agg' ? 2 : 1, 2);
        return `string_agg(${d}(${arg(0)})::text, ${ranges.length === 2 ? arg(1) : "','"})`;
      case 'iif':
      case 'if': {
        if (ranges.length < 2) throw new Untranslatable(`${name}() needs at least two arguments`);
        const a = args();
        let sql = 'CASE';
        for (let k = 0; k + 1 < a.length; k += 2) sql += ` WHEN ${a[k]} THEN ${a[k + 1]}`;
        if (a.length % 2 === 1) sql += ` ELSE ${a[a.length - 1]}`;
        return `${sql} END`;
      }
      case 'likely':
      case 'unlikely':
      case 'likelihood':
        // Planner hints with no effect on the value. https://www.sqlite.org/lang_corefunc.html#likelihood
        return `(${arg(0)})`;
      case 'typeof':
        throw new Untranslatable('typeof() has no PostgreSQL equivalent');
      case 'json_valid': {
        arity(1, 1);
        const r = ranges[0]!;
        const col = this.#columnAt(g.children, r[0], r[1], scope);
        if (col && col.source.table?.jsonb.has(col.key)) {
          this.note(`json_valid(${nameOfRange(g, r, this.#options.sql)}) became true: jsonb guarantees valid JSON`);
          return 'true';
        }
        throw new Untranslatable('json_valid() on a column that is not jsonb has no portable PostgreSQL translation');
      }
      case 'printf':
      case 'format':
        throw new Untranslatable(`${name}() has no PostgreSQL translation`);
      default:
        if (TIME_FUNCTIONS.has(name)) return this.#timeCall(name, g, ranges);
        throw new Untranslatable(`function ${name}() has no known PostgreSQL translation`);
    }
  }

  #timeCall(name: string, g: Group, ranges: readonly [number, number][]): string {
    const literals = ranges.map(([a, b]) => {
      const t = g.children[a];
      return b - a === 1 && isToken(t) && t.kind === 'string' ? t.value : null;
    });
    const result = readTimeCall(name, literals, this.#options.nowSql);
    if ('note' in result) {
      this.note(result.note);
      return result.sql;
    }
    for (const n of result.notes) this.note(n);
    return renderNow(result, naturalKind(result));
  }

  #integerLiteral(g: Group, [a, b]: [number, number]): bigint | null {
    const c = g.children;
    const negative = b - a === 2 && isSymbol(c[a], '-');
    const t = c[negative ? a + 1 : a];
    if (b - a !== (negative ? 2 : 1) || !isToken(t) || t.kind !== 'number') return null;
    const n = parseSqliteNumber(t.value, { hex: true });
    if (n?.kind !== 'integer') return null;
    return negative ? -n.value : n.value;
  }

  /** The column a range consists of (`col`, `t.col`, `(col)`), if it is just that. */
  #columnAt(nodes: readonly SqlNode[], a: number, b: number, scope: Scope): { readonly source: Source; readonly key: string } | null {
    if (b - a === 1 && isGroup(nodes[a])) return this.#columnAt(nodes[a].children, 0, nodes[a].children.length, scope);
    if (b - a === 1 && isName(nodes[a])) {
      const key = foldIdentifier(nodes[a].value);
      const found = scope.resolveColumn(key);
      return found ? { source: found.source, key } : null;
    }
    if (b - a === 3 && isName(nodes[a]) && isSymbol(nodes[a + 1], '.') && isName(nodes[a + 2])) {
      const source = scope.findSource(foldIdentifier((nodes[a] as Token).value));
      return source ? { source, key: foldIdentifier((nodes[a + 2] as Token).value) } : null;
    }
    return null;
  }
}

function nameOfRange(g: Group, [a, b]: [number, number], sql: string): string {
  return sql.slice(g.children[a]!.start, g.children[b - 1]!.end);
}
