/**
 * translateCheck(): a SQLite CHECK constraint as a PostgreSQL CHECK expression.
 * https://www.sqlite.org/lang_createtable.html#check_constraints
 *
 * SQLite schemas often use CHECK to make up for dynamic typing: `typeof(x) = 'integer'`,
 * `json_valid(doc)`. In PostgreSQL the column type enforces that, so such tests are dropped
 * (reported as a note, or as the reason when nothing else is left) rather than translated.
 */
import { buildTokenTree, isGroup, isToken, type SqlNode } from '../../source/sqlite-sql/build-token-tree.js';
import type { Scope } from './sql-translator.js';
import { expressionTranslator, type ExprContext } from './translate-expression.js';
import { foldIdentifier, isWord, tokenizeSqlite } from '../../source/sqlite-sql/tokenize-sqlite.js';
import { attempt, translated, untranslatable, type Translation } from './translation.js';

/** How a part of a CHECK relates to typing: a type test, a NULL test, or a real condition. */
type Part = 'typeof' | 'json' | 'null' | 'other';

/**
 * Translate a CHECK expression (without the CHECK keyword and outer parentheses). A CHECK that
 * only tests typeof() (or json_valid() of a jsonb column) gives `{ ok: false }` with the reason
 * "typeof() checks are enforced by the PostgreSQL column type"; a CHECK that ANDs such a test with
 * real conditions keeps the conditions and says so in a note.
 */
export function translateCheck(expr: string, ctx: ExprContext): Translation {
  return attempt(() => {
    let nodes: readonly SqlNode[] = buildTokenTree(tokenizeSqlite(expr));
    if (nodes.length === 0) return untranslatable('empty CHECK expression');
    const { translator, scope } = expressionTranslator(expr, ctx);
    const whole = classify(nodes, 0, nodes.length, scope);
    if (whole !== 'other' && whole !== 'null') return untranslatable(reasonFor([whole]));
    while (nodes.length === 1 && isGroup(nodes[0]) && !isQuery(nodes[0].children)) nodes = nodes[0].children;
    const conjuncts = splitTop(nodes, 0, nodes.length, 'AND');
    const kinds = conjuncts.map(([a, b]) => classify(nodes, a, b, scope));
    const dropped = kinds.filter((k) => k === 'typeof' || k === 'json');
    if (dropped.length === 0) return translated(translator.translate(nodes, scope).trim(), translator.notes);
    const kept = conjuncts.filter((_, n) => kinds[n] === 'other' || kinds[n] === 'null');
    const sql = kept.map(([a, b]) => translator.expression(nodes, a, b, scope, null).trim()).join(' AND ');
    translator.note(`${reasonFor(dropped).replace(/ checks are/, ' tests were dropped:')}`);
    return translated(sql, translator.notes);
  });
}

function reasonFor(parts: readonly Part[]): string {
  return parts.includes('typeof') ? 'typeof() checks are enforced by the PostgreSQL column type' : 'json_valid() checks are enforced by the jsonb column type';
}

function isQuery(nodes: readonly SqlNode[]): boolean {
  return isWord(nodes[0], 'SELECT') || isWord(nodes[0], 'WITH') || isWord(nodes[0], 'VALUES');
}

/**
 * Split nodes[from, to) at top-level `word` (AND or OR), not inside CASE ... END and not at
 * the AND of `BETWEEN a AND b`.
 */
function splitTop(nodes: readonly SqlNode[], from: number, to: number, word: 'AND' | 'OR'): [number, number][] {
  const parts: [number, number][] = [];
  let start = from;
  let caseDepth = 0;
  let between = 0;
  for (let k = from; k < to; k++) {
    const n = nodes[k];
    if (isWord(n, 'CASE')) caseDepth++;
    else if (isWord(n, 'END') && caseDepth > 0) caseDepth--;
    else if (caseDepth === 0 && isWord(n, 'BETWEEN')) between++;
    else if (caseDepth === 0 && isWord(n, 'AND') && between > 0) between--;
    else if (caseDepth === 0 && isWord(n, word)) {
      parts.push([start, k]);
      start = k + 1;
    }
  }
  parts.push([start, to]);
  return parts;
}

/**
 * Classify an OR/AND tree. OR: type tests and IS NULL tests together are still only a type test
 * (`typeof(x) = 'integer' OR x IS NULL`). AND: a NULL test is a real condition (`x IS NOT NULL`).
 */
function classify(nodes: readonly SqlNode[], from: number, to: number, scope: Scope): Part {
  const only = nodes[from];
  if (to - from === 1 && isGroup(only) && !isQuery(only.children)) return classify(only.children, 0, only.children.length, scope);
  for (const word of ['OR', 'AND'] as const) {
    const parts = splitTop(nodes, from, to, word);
    if (parts.length === 1) continue;
    const kinds = parts.map(([a, b]) => classify(nodes, a, b, scope));
    if (kinds.includes('other') || (word === 'AND' && kinds.includes('null'))) return 'other';
    if (kinds.includes('typeof')) return 'typeof';
    if (kinds.includes('json')) return 'json';
    return 'null';
  }
  if (isTypeofTest(nodes.slice(from, to))) return 'typeof';
  if (isJsonValidOfJsonb(nodes, from, to, scope)) return 'json';
  if (isNullTest(nodes, from, to)) return 'null';
  return 'other';
}

function isTypeofCall(nodes: readonly SqlNode[], k: number): boolean {
  const n = nodes[k];
  return isToken(n) && (n.kind === 'word' || n.kind === 'quoted') && foldIdentifier(n.value) === 'typeof' && isGroup(nodes[k + 1]);
}

/** A string literal, or a parenthesised list of them. */
function isStringList(node: SqlNode | undefined): boolean {
  if (isToken(node)) return node.kind === 'string';
  return isGroup(node) && node.children.every((c, k) => (k % 2 === 0 ? isToken(c) && c.kind === 'string' : isToken(c) && c.value === ','));
}

const COMPARISON = new Set(['=', '==', '!=', '<>']);

/** `typeof(x) = 'integer'`, `'text' = typeof(x)`, `typeof(x) [NOT] IN ('integer', 'real')`, `NOT (...)`. */
function isTypeofTest(nodes: readonly SqlNode[]): boolean {
  if (isWord(nodes[0], 'NOT')) return isTypeofTest(nodes.slice(1));
  const first = nodes[0];
  if (nodes.length === 1 && isGroup(first)) return isTypeofTest(first.children);
  const op = (n: SqlNode | undefined): boolean => isToken(n) && n.kind === 'operator' && COMPARISON.has(n.value);
  if (nodes.length === 4 && isToken(first) && first.kind === 'string' && op(nodes[1]) && isTypeofCall(nodes, 2)) return true;
  if (!isTypeofCall(nodes, 0)) return false;
  const rest = nodes.slice(2);
  const words = rest.slice(0, -1).map((n) => (isToken(n) && n.kind === 'word' ? n.value.toUpperCase() : isToken(n) ? n.value : '?')).join(' ');
  return ['=', '==', '!=', '<>', 'IS', 'IS NOT', 'IN', 'NOT IN'].includes(words) && isStringList(rest[rest.length - 1]);
}

function isJsonValidOfJsonb(nodes: readonly SqlNode[], from: number, to: number, scope: Scope): boolean {
  const [name, args] = [nodes[from], nodes[from + 1]];
  if (to - from !== 2 || !isToken(name) || foldIdentifier(name.value) !== 'json_valid' || !isGroup(args) || args.children.length !== 1) return false;
  const col = args.children[0];
  if (!isToken(col) || (col.kind !== 'word' && col.kind !== 'quoted')) return false;
  const found = scope.resolveColumn(foldIdentifier(col.value));
  return found?.source.table?.jsonb.has(foldIdentifier(col.value)) ?? false;
}

/** `x IS NULL`, `x IS NOT NULL`, `x ISNULL`, `x NOTNULL`, `x NOT NULL` for a single column x. */
function isNullTest(nodes: readonly SqlNode[], from: number, to: number): boolean {
  const col = nodes[from];
  if (!isToken(col) || (col.kind !== 'word' && col.kind !== 'quoted')) return false;
  const rest = nodes.slice(from + 1, to).map((n) => (isToken(n) && n.kind === 'word' ? n.value.toUpperCase() : '?')).join(' ');
  return ['IS NULL', 'IS NOT NULL', 'ISNULL', 'NOTNULL', 'NOT NULL'].includes(rest);
}
