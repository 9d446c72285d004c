/**
 * translateExpression(): one SQLite expression (a CHECK, an index expression or WHERE, a
 * generated column) as PostgreSQL, with column names mapped to their targets.
 * https://www.sqlite.org/lang_expr.html
 */
import { buildTokenTree } from '../../source/sqlite-sql/build-token-tree.js';
import { Scope, SqlTranslator, tableSource } from './sql-translator.js';
import type { TargetKind } from './target-kind.js';
import { foldIdentifier, tokenizeSqlite } from '../../source/sqlite-sql/tokenize-sqlite.js';
import { attempt, translated, untranslatable, type Translation } from './translation.js';

export type { Translation } from './translation.js';

/** What an expression's names refer to. All maps are keyed by exact SQLite source names. */
export interface ExprContext {
  /** Source column name → target column name for the table(s) in scope; identifiers not found here are kept as-is but quoted. */
  readonly columns: ReadonlyMap<string, string>;
  /** Source table name → target table name (for views / subqueries). */
  readonly tables?: ReadonlyMap<string, string>;
  /** Target schema to qualify table names with in views, optional. */
  readonly schema?: string;
  /** Source columns that become jsonb: `json_valid(col)` on them is always true. */
  readonly jsonbColumns?: ReadonlySet<string>;
  /**
   * Target value family per source column. Lets literals compared with a column take SQLite's
   * affinity: `textcol = 1` becomes `textcol = '1'`, `boolcol = 1` becomes `boolcol = TRUE`.
   */
  readonly columnKinds?: ReadonlyMap<string, TargetKind>;
}

/** The translator and scope for an expression over one table; shared with translateCheck. */
export function expressionTranslator(sql: string, ctx: ExprContext, nowSql = 'now()'): { readonly translator: SqlTranslator; readonly scope: Scope } {
  const tables = new Map([...(ctx.tables ?? new Map<string, string>())].map(([source, target]) => [foldIdentifier(source), tableSource(target, null)]));
  const translator = new SqlTranslator({ sql, tables, schema: ctx.schema ?? null, nowSql });
  return { translator, scope: Scope.of(tableSource('', ctx.columns, ctx.columnKinds, ctx.jsonbColumns)) };
}

/**
 * Translate one SQLite expression to PostgreSQL: identifiers quoted (and renamed through
 * `ctx.columns`), literals re-quoted, operators and functions rewritten where PostgreSQL differs.
 * `{ ok: false, reason }` when something has no faithful translation (GLOB, typeof(), an unknown
 * function, ...); never throws for bad input.
 */
export function translateExpression(expr: string, ctx: ExprContext): Translation {
  return attempt(() => {
    const nodes = buildTokenTree(tokenizeSqlite(expr));
    if (nodes.length === 0) return untranslatable('empty expression');
    const { translator, scope } = expressionTranslator(expr, ctx);
    const sql = translator.translate(nodes, scope).trim();
    return translated(sql, translator.notes);
  });
}
