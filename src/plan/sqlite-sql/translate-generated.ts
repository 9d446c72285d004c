/**
 * translateGenerated(): a SQLite generated column expression as a PostgreSQL
 * `GENERATED ALWAYS AS (...) STORED` expression, or a reason why not.
 * https://www.sqlite.org/gencol.html
 * https://www.postgresql.org/docs/current/ddl-generated-columns.html
 *
 * Deliberately narrow. A generation expression that PostgreSQL refuses (not immutable, a type
 * error) would fail CREATE TABLE and the whole run, and one that computes differently would make
 * verification fail, so only forms that compute the same value in both engines on the same input
 * are translated: column references, integer and real literals, strings, `+ - *`, `||`, unary
 * minus, and abs / coalesce / ifnull / upper / lower / length / trim. Operand types are inferred
 * from the planned column types and checked (`||` on a REAL is refused: SQLite prints 15
 * significant digits, PostgreSQL the shortest exact form). Division and `%` are refused: SQLite
 * gives NULL for a zero divisor where PostgreSQL raises an error. Everything else is refused with
 * the reason, and the column is then loaded as a plain column with SQLite's values.
 *
 * Verification hashes SQLite's computed values against PostgreSQL's, so a translation that still
 * differed on some row would be caught, never loaded silently.
 */
import { quoteIdent, quoteLiteral } from '../identifiers.js';
import { buildTokenTree, isGroup, isSymbol, isToken, splitByComma, type SqlNode } from '../../source/sqlite-sql/build-token-tree.js';
import { parseSqliteNumber } from './sqlite-number.js';
import type { TargetKind } from './target-kind.js';
import { foldIdentifier, tokenizeSqlite, type Token } from '../../source/sqlite-sql/tokenize-sqlite.js';
import { Untranslatable, attempt, translated, type Translation } from './translation.js';

/** A column the expression may name. */
export interface GeneratedColumnRef {
  readonly target: string;
  readonly kind: TargetKind;
  /** PostgreSQL refuses a generation expression that reads another generated column. */
  readonly generated: boolean;
}

export interface GeneratedContext {
  /** Source column name (exact) → what it became. */
  readonly columns: ReadonlyMap<string, GeneratedColumnRef>;
}

/** The value families this translator works with. */
type Kind = 'integer' | 'float8' | 'text' | 'null';

interface Expr {
  readonly sql: string;
  readonly kind: Kind;
}

/** Functions handled (see #call). */
const FUNCTIONS: ReadonlySet<string> = new Set(['upper', 'lower', 'trim', 'ltrim', 'rtrim', 'length', 'abs', 'coalesce', 'ifnull']);
/** Words that start an expression form this translator does not handle (rather than name a column). */
const KEYWORDS: ReadonlySet<string> = new Set(['CASE', 'CAST', 'NOT', 'EXISTS', 'SELECT', 'CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'TRUE', 'FALSE', 'RAISE']);

/** Binary operators handled, with SQLite's precedence (higher binds tighter). https://www.sqlite.org/lang_expr.html#operators */
const BINARY: Readonly<Record<string, number>> = { '||': 3, '*': 2, '+': 1, '-': 1 };

/**
 * Translate `expr` (the text inside `AS (...)`) for a column whose target value family is
 * `columnKind`. `{ ok: false, reason }` when it is outside the forms above.
 */
export function translateGenerated(expr: string, columnKind: TargetKind, ctx: GeneratedContext): Translation {
  return attempt(() => {
    const nodes = buildTokenTree(tokenizeSqlite(expr));
    if (nodes.length === 0) throw new Untranslatable('empty expression');
    const columns = new Map([...ctx.columns].map(([k, v]) => [foldIdentifier(k), v]));
    const parser = new Parser(nodes, columns);
    const e = parser.parseAll();
    return translated(fitColumn(e, columnKind));
  });
}

/** The expression as the column's type holds it (SQLite applies the column affinity to the result). */
function fitColumn(e: Expr, columnKind: TargetKind): string {
  if (e.kind === 'null' || e.kind === columnKind) return e.sql;
  if (columnKind === 'float8' && e.kind === 'integer') return e.sql; // REAL affinity: the same number as a double
  if (columnKind === 'text' && e.kind === 'integer') return `CAST(${e.sql} AS text)`; // TEXT affinity stores the decimal
  throw new Untranslatable(`the expression gives ${e.kind === 'float8' ? 'a real number' : `a ${e.kind} value`}, which ${columnKind === 'integer' ? 'an integer' : `a ${columnKind}`} column would store differently in SQLite`);
}

class Parser {
  #i = 0;

  constructor(
    readonly nodes: readonly SqlNode[],
    readonly columns: ReadonlyMap<string, GeneratedColumnRef>,
  ) {}

  parseAll(): Expr {
    const e = this.#expression(0);
    if (this.#i !== this.nodes.length) throw new Untranslatable(`${describe(this.nodes[this.#i]!)} is not translated in a generated column`);
    return e;
  }

  static sub(nodes: readonly SqlNode[], columns: ReadonlyMap<string, GeneratedColumnRef>): Expr {
    if (nodes.length === 0) throw new Untranslatable('empty expression');
    return new Parser(nodes, columns).parseAll();
  }

  #expression(minPrec: number): Expr {
    let left = this.#unary();
    for (;;) {
      const op = this.nodes[this.#i];
      if (!isToken(op) || op.kind !== 'operator') return left;
      const prec = BINARY[op.value];
      if (prec === undefined) throw new Untranslatable(`the operator ${op.value} is not translated in a generated column${op.value === '/' || op.value === '%' ? ' (SQLite gives NULL for a zero divisor, PostgreSQL an error)' : ''}`);
      if (prec < minPrec) return left;
      this.#i++;
      const right = this.#expression(prec + 1);
      left = binary(op.value, left, right);
    }
  }

  #unary(): Expr {
    const n = this.nodes[this.#i];
    if (isSymbol(n, '-') || isSymbol(n, '+')) {
      this.#i++;
      const operand = this.#unary();
      numeric(operand, (n as Token).value);
      return (n as Token).value === '-' ? { sql: `(- ${operand.sql})`, kind: operand.kind } : operand;
    }
    return this.#primary();
  }

  #primary(): Expr {
    const n = this.nodes[this.#i];
    if (n === undefined) throw new Untranslatable('incomplete expression');
    this.#i++;
    // Operators parenthesise what they build, so a group needs no parentheses of its own.
    if (isGroup(n)) return Parser.sub(n.children, this.columns);
    switch (n.kind) {
      case 'number': {
        const v = parseSqliteNumber(n.value, { hex: true });
        if (v === null) throw new Untranslatable(`cannot read the number ${n.text}`);
        if (v.kind === 'integer') return { sql: v.value < 0n ? `(${v.value})` : v.value.toString(), kind: 'integer' };
        // PostgreSQL reads 1.5 as numeric, which would make `int_col * 1.5` exact decimal arithmetic.
        return { sql: `CAST(${v.text} AS double precision)`, kind: 'float8' };
      }
      case 'string':
        return { sql: `${quoteLiteral(n.value)}::text`, kind: 'text' };
      case 'word':
      case 'quoted': {
        const next = this.nodes[this.#i];
        if (n.kind === 'word' && n.value.toUpperCase() === 'NULL') return { sql: 'NULL', kind: 'null' };
        if (n.kind === 'word' && KEYWORDS.has(n.value.toUpperCase())) throw new Untranslatable(`${n.value.toUpperCase()} is not translated in a generated column`);
        if (isGroup(next)) {
          this.#i++;
          return this.#call(foldIdentifier(n.value), next.children);
        }
        if (isSymbol(next, '.')) throw new Untranslatable('a qualified column name is not translated in a generated column');
        return this.#column(n);
      }
      default:
        throw new Untranslatable(`${describe(n)} is not translated in a generated column`);
    }
  }

  #column(t: Token): Expr {
    const c = this.columns.get(foldIdentifier(t.value));
    if (!c) throw new Untranslatable(`${t.value} is not a migrated column of this table`);
    if (c.generated) throw new Untranslatable(`it reads the generated column ${t.value}, which PostgreSQL does not allow`);
    if (c.kind !== 'integer' && c.kind !== 'float8' && c.kind !== 'text') throw new Untranslatable(`it reads ${t.value}, a ${c.kind} column`);
    return { sql: quoteIdent(c.target), kind: c.kind };
  }

  #call(name: string, children: readonly SqlNode[]): Expr {
    if (!FUNCTIONS.has(name)) throw new Untranslatable(`the function ${name}() is not translated in a generated column`);
    const args = children.length === 0 ? [] : splitByComma(children).map(([a, b]) => Parser.sub(children.slice(a, b), this.columns));
    const one = (): Expr => {
      if (args.length !== 1) throw new Untranslatable(`${name}() with ${args.length} arguments is not translated`);
      return args[0]!;
    };
    switch (name) {
      case 'upper':
      case 'lower': {
        // SQLite folds ASCII letters only; so does PostgreSQL under the "C" collation, whatever the database's LC_CTYPE.
        const a = asText(one(), name);
        return { sql: `${name}(${a.sql} COLLATE "C")`, kind: 'text' };
      }
      case 'trim':
      case 'ltrim':
      case 'rtrim': {
        const a = asText(one(), name);
        return { sql: `${name === 'trim' ? 'btrim' : name}(${a.sql})`, kind: 'text' };
      }
      case 'length': {
        const a = one();
        if (a.kind === 'null') return { sql: 'NULL', kind: 'null' };
        return { sql: `length(${asText(a, name).sql})`, kind: 'integer' };
      }
      case 'abs': {
        const a = one();
        numeric(a, 'abs()');
        return { sql: `abs(${a.sql})`, kind: a.kind };
      }
      case 'coalesce':
      case 'ifnull': {
        if (args.length < 2 || (name === 'ifnull' && args.length !== 2)) throw new Untranslatable(`${name}() with ${args.length} arguments is not translated`);
        return { sql: `coalesce(${args.map((a) => a.sql).join(', ')})`, kind: commonKind(args, name) };
      }
      default:
        throw new Untranslatable(`the function ${name}() is not translated in a generated column`);
    }
  }
}

function binary(op: string, left: Expr, right: Expr): Expr {
  if (op === '||') {
    // SQLite's || turns an integer into its decimal text, as int8out does.
    return { sql: `(${asText(left, '||').sql} || ${asText(right, '||').sql})`, kind: left.kind === 'null' || right.kind === 'null' ? 'null' : 'text' };
  }
  numeric(left, op);
  numeric(right, op);
  const kind: Kind = left.kind === 'null' || right.kind === 'null' ? 'null' : left.kind === 'float8' || right.kind === 'float8' ? 'float8' : 'integer';
  return { sql: `(${left.sql} ${op} ${right.sql})`, kind };
}

function numeric(e: Expr, op: string): void {
  if (e.kind === 'text') throw new Untranslatable(`${op} on text: SQLite reads the text's numeric prefix, PostgreSQL refuses it`);
}

function asText(e: Expr, op: string): Expr {
  if (e.kind === 'text' || e.kind === 'null') return e;
  if (e.kind === 'integer') return { sql: `CAST(${e.sql} AS text)`, kind: 'text' };
  throw new Untranslatable(`${op} on a real number: SQLite writes it with 15 significant digits, PostgreSQL with the shortest exact form`);
}

function commonKind(args: readonly Expr[], name: string): Kind {
  const kinds = new Set(args.map((a) => a.kind).filter((k) => k !== 'null'));
  if (kinds.size === 0) return 'null';
  if (kinds.size === 1) return [...kinds][0]!;
  if (!kinds.has('text')) return 'float8';
  throw new Untranslatable(`${name}() mixes text and numbers`);
}

function describe(n: SqlNode): string {
  return isGroup(n) ? 'a parenthesised list' : n.kind === 'word' ? n.value.toUpperCase() : n.text;
}
