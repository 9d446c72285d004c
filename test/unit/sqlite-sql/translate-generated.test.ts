import { describe, expect, test } from 'vitest';
import { translateGenerated, type GeneratedColumnRef } from '../../../src/plan/sqlite-sql/translate-generated.js';
import type { TargetKind } from '../../../src/plan/sqlite-sql/target-kind.js';

const columns = new Map<string, GeneratedColumnRef>([
  ['w', { target: 'w', kind: 'float8', generated: false }],
  ['h', { target: 'h', kind: 'float8', generated: false }],
  ['qty', { target: 'qty', kind: 'integer', generated: false }],
  ['Name', { target: 'name', kind: 'text', generated: false }],
  ['price', { target: 'price', kind: 'numeric', generated: false }],
  ['area', { target: 'area', kind: 'float8', generated: true }],
  ['doc', { target: 'doc', kind: 'json', generated: false }],
]);

function sql(expr: string, kind: TargetKind): string {
  const r = translateGenerated(expr, kind, { columns });
  if (!r.ok) throw new Error(`untranslatable: ${r.reason}`);
  return r.sql;
}

function reason(expr: string, kind: TargetKind): string {
  const r = translateGenerated(expr, kind, { columns });
  if (r.ok) throw new Error(`translated to ${r.sql}`);
  return r.reason;
}

describe('translateGenerated', () => {
  test.each([
    ['w * h', 'float8', '("w" * "h")'],
    ['qty * 2', 'integer', '("qty" * 2)'],
    ['qty * 2', 'float8', '("qty" * 2)'],
    ['qty + w', 'float8', '("qty" + "w")'],
    ['-qty', 'integer', '(- "qty")'],
    ['qty - -1', 'integer', '("qty" - (- 1))'],
    ['(w + h) * 2', 'float8', '(("w" + "h") * 2)'],
    ['qty * 1.5', 'float8', '("qty" * CAST(1.5 AS double precision))'],
    ["upper(name) || ':' || qty", 'text', `((upper("name" COLLATE "C") || ':'::text) || CAST("qty" AS text))`],
    ['lower("Name")', 'text', 'lower("name" COLLATE "C")'],
    ['trim(name)', 'text', 'btrim("name")'],
    ['length(name)', 'integer', 'length("name")'],
    ['length(qty)', 'integer', 'length(CAST("qty" AS text))'],
    ['abs(qty)', 'integer', 'abs("qty")'],
    ['coalesce(qty, 0)', 'integer', 'coalesce("qty", 0)'],
    ['ifnull(w, qty)', 'float8', 'coalesce("w", "qty")'],
    ['qty', 'text', 'CAST("qty" AS text)'],
    ['NULL', 'integer', 'NULL'],
  ] as const)('%s as %s → %s', (expr, kind, expected) => {
    expect(sql(expr, kind)).toBe(expected);
  });

  test.each([
    ['qty / 2', 'integer', 'the operator / is not translated in a generated column (SQLite gives NULL for a zero divisor, PostgreSQL an error)'],
    ['qty % 2', 'integer', 'the operator % is not translated in a generated column (SQLite gives NULL for a zero divisor, PostgreSQL an error)'],
    ['w || name', 'text', '|| on a real number: SQLite writes it with 15 significant digits, PostgreSQL with the shortest exact form'],
    ['name + 1', 'integer', '+ on text: SQLite reads the text\'s numeric prefix, PostgreSQL refuses it'],
    ['w * 2', 'integer', 'the expression gives a real number, which an integer column would store differently in SQLite'],
    ['area * 2', 'float8', 'it reads the generated column area, which PostgreSQL does not allow'],
    ['price * 2', 'numeric', 'it reads price, a numeric column'],
    ['json_extract(doc, \'$.a\')', 'text', 'the function json_extract() is not translated in a generated column'],
    ["printf('%05d', qty)", 'text', 'the function printf() is not translated in a generated column'],
    ['missing + 1', 'integer', 'missing is not a migrated column of this table'],
    ['qty > 1', 'integer', 'the operator > is not translated in a generated column'],
    ['CASE WHEN qty THEN 1 END', 'integer', 'CASE is not translated in a generated column'],
  ] as const)('%s as %s is refused: %s', (expr, kind, why) => {
    expect(reason(expr, kind)).toBe(why);
  });
});
