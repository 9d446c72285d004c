import { describe, expect, test } from 'vitest';
import { translateCheck } from '../../../src/plan/sqlite-sql/translate-check.js';
import type { ExprContext } from '../../../src/plan/sqlite-sql/translate-expression.js';

const TYPEOF_REASON = 'typeof() checks are enforced by the PostgreSQL column type';
const TYPEOF_NOTE = 'typeof() tests were dropped: enforced by the PostgreSQL column type';

const northwind: ExprContext = {
  columns: new Map([
    ['Discount', 'discount'],
    ['Quantity', 'quantity'],
    ['UnitPrice', 'unit_price'],
    ['ReorderLevel', 'ReorderLevel'],
  ]),
};

const generic: ExprContext = {
  columns: new Map([
    ['x', 'x'],
    ['y', 'y'],
    ['doc', 'doc'],
    ['body', 'body'],
    ['flag', 'flag'],
    ['status', 'status'],
  ]),
  jsonbColumns: new Set(['doc']),
  columnKinds: new Map([['flag', 'boolean']]),
};

describe('translateCheck', () => {
  // Verbatim from northwind.db: CHECK ([Discount]>=(0) AND [Discount]<=(1)) and friends.
  test.each([
    ['[Discount]>=(0) AND [Discount]<=(1)', '"discount">=(0) AND "discount"<=(1)'],
    ['[Quantity]>(0)', '"quantity">(0)'],
    ['[UnitPrice]>=(0)', '"unit_price">=(0)'],
    ['[ReorderLevel]>=(0)', '"ReorderLevel">=(0)'],
  ])('Northwind %s → %s', (expr, expected) => {
    expect(translateCheck(expr, northwind)).toEqual({ ok: true, sql: expected, notes: [] });
  });

  test('Sakila film CHECKs (LIKE becomes ILIKE, layout kept)', () => {
    const features = `special_features is null or
                                                           special_features like '%Trailers%' or
                                                           special_features like '%Deleted Scenes%'`;
    const ctx = { columns: new Map([['special_features', 'special_features'], ['rating', 'rating']]) };
    expect(translateCheck(features, ctx)).toEqual({
      ok: true,
      sql: `"special_features" IS NULL OR
                                                           "special_features" ILIKE '%Trailers%' OR
                                                           "special_features" ILIKE '%Deleted Scenes%'`,
      notes: ['LIKE became ILIKE: SQLite LIKE ignores case (for ASCII letters; ILIKE also folds non-ASCII ones)'],
    });
    expect(translateCheck("rating in ('G','PG','PG-13','R','NC-17')", ctx)).toEqual({ ok: true, sql: "\"rating\" IN ('G','PG','PG-13','R','NC-17')", notes: [] });
  });

  test('double-quoted strings in an old-style CHECK become string literals', () => {
    expect(translateCheck('status IN ("active", "inactive")', generic)).toEqual({
      ok: true,
      sql: "\"status\" IN ('active', 'inactive')",
      notes: [`"active" names no column, so SQLite reads it as the string 'active'`, `"inactive" names no column, so SQLite reads it as the string 'inactive'`],
    });
  });

  test('a boolean column checked against 0/1', () => {
    expect(translateCheck('flag IN (0, 1)', generic)).toEqual({ ok: true, sql: '"flag" IN (FALSE, TRUE)', notes: [] });
  });

  test.each([
    ["typeof(x) = 'integer'"],
    ["(typeof(x) IN ('integer', 'real'))"],
    ["typeof(x) = 'integer' OR x IS NULL"],
    ["x IS NULL OR (typeof(x) = 'text' AND typeof(y) = 'text')"],
    ["typeof(x) = 'text' AND json_valid(doc)"],
  ])('only type tests: %s is dropped', (expr) => {
    expect(translateCheck(expr, generic)).toEqual({ ok: false, reason: TYPEOF_REASON });
  });

  test('json_valid() of a jsonb column alone is enforced by jsonb', () => {
    expect(translateCheck('json_valid(doc)', generic)).toEqual({ ok: false, reason: 'json_valid() checks are enforced by the jsonb column type' });
    expect(translateCheck('doc IS NULL OR json_valid(doc)', generic)).toEqual({ ok: false, reason: 'json_valid() checks are enforced by the jsonb column type' });
  });

  test('type tests ANDed with real conditions: the conditions stay, with a note', () => {
    expect(translateCheck("typeof(x) = 'integer' AND x > 0", generic)).toEqual({ ok: true, sql: '"x" > 0', notes: [TYPEOF_NOTE] });
    expect(translateCheck("(x BETWEEN 1 AND 10) AND typeof(x) = 'integer' AND (y > 0 OR y IS NULL)", generic)).toEqual({
      ok: true,
      sql: '("x" BETWEEN 1 AND 10) AND ("y" > 0 OR "y" IS NULL)',
      notes: [TYPEOF_NOTE],
    });
    expect(translateCheck('json_valid(doc) AND length(body) < 100', generic)).toEqual({
      ok: true,
      sql: 'length("body") < 100',
      notes: ['json_valid() tests were dropped: enforced by the jsonb column type'],
    });
  });

  test('a NOT NULL test next to a type test is a real condition', () => {
    expect(translateCheck("typeof(x) = 'integer' AND x IS NOT NULL", generic)).toEqual({ ok: true, sql: '"x" IS NOT NULL', notes: [TYPEOF_NOTE] });
  });

  test('typeof() mixed into a condition cannot be dropped', () => {
    expect(translateCheck("typeof(x) = 'integer' OR x > 0", generic)).toEqual({ ok: false, reason: 'typeof() has no PostgreSQL equivalent' });
    expect(translateCheck("CASE WHEN typeof(x) = 'text' THEN length(x) < 5 ELSE 1 END", generic)).toEqual({ ok: false, reason: 'typeof() has no PostgreSQL equivalent' });
  });

  test('json_valid() of a text column is not portable', () => {
    expect(translateCheck('json_valid(body)', generic)).toEqual({ ok: false, reason: 'json_valid() on a column that is not jsonb has no portable PostgreSQL translation' });
  });

  test('GLOB and unknown functions are refused', () => {
    expect(translateCheck("x GLOB '[0-9]*'", generic)).toEqual({ ok: false, reason: 'GLOB has no direct PostgreSQL equivalent' });
    expect(translateCheck('is_valid(x)', generic)).toEqual({ ok: false, reason: 'function is_valid() has no known PostgreSQL translation' });
  });
});
