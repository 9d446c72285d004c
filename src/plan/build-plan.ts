/**
 * buildPlan(catalog, mappings) → Plan. Pure: no connections, no clock.
 * Decides target names, types, casts, key/index/FK definitions, and lists what cannot be translated.
 */
import type { Catalog, IndexInfo, TableInfo } from '../model/catalog.js';
import type { MappingSet, TableMapping } from '../model/mapping.js';
import type { CheckPlan, ColumnPlan, ForeignKeyPlan, IndexPlan, Plan, ReadKey, TablePlan, Untranslated, ViewPlan } from '../model/plan.js';
import { NameAllocator, quoteIdent, toSnakeCase } from './identifiers.js';
import { resolveColumn } from './resolve-column.js';
import { translateCheck } from './sqlite-sql/translate-check.js';
import { translateDefault } from './sqlite-sql/translate-default.js';
import { translateExpression, type ExprContext } from './sqlite-sql/translate-expression.js';
import { listViewDependencies, translateView } from './sqlite-sql/translate-view.js';
import { targetKindOf } from './sqlite-sql/target-kind.js';

export interface PlanOptions {
  /** Live target schema. */
  readonly schema: string;
  /** Identifier folding for names without an explicit mapping target. */
  readonly fold: 'none' | 'snake' | 'lower';
}

function foldName(name: string, fold: PlanOptions['fold']): string {
  if (fold === 'snake') return toSnakeCase(name);
  if (fold === 'lower') return name.toLowerCase();
  return name;
}

/** Default kind used to translate a default/expression for the column's cast family. */
function defaultKind(c: ColumnPlan): Parameters<typeof translateDefault>[1] {
  switch (c.cast.kind) {
    case 'datetime':
      return c.cast.target;
    case 'json':
      return 'json';
    default:
      return c.cast.kind;
  }
}

function readKeyOf(t: TableInfo): ReadKey {
  if (!t.withoutRowid) return { kind: 'rowid' };
  if (t.primaryKey) return { kind: 'primary-key', columns: t.primaryKey.columns };
  return { kind: 'none' };
}

function planTable(t: TableInfo, mapping: TableMapping | undefined, options: PlanOptions, tableTargets: Map<string, string>, untranslated: Untranslated[], relationNames: NameAllocator): TablePlan {
  const target = tableTargets.get(t.name)!;
  const colMaps = mapping?.columns ?? {};
  const skippedColumns: string[] = [];
  const columns: ColumnPlan[] = [];
  const colTarget = new Map<string, string>();
  for (const c of t.columns) {
    const m = colMaps[c.name];
    if (m?.skip) {
      skippedColumns.push(c.name);
      continue;
    }
    const rowidAlias = t.primaryKey?.rowidAlias === true && t.primaryKey.columns[0] === c.name;
    const r = resolveColumn(c, m, rowidAlias);
    const name = m?.target ?? foldName(c.name, options.fold);
    colTarget.set(c.name, name);
    let defaultSql: string | null = null;
    const col: ColumnPlan = { source: c.name, target: name, pgType: r.pgType, notNull: c.notNull || c.pkOrdinal > 0, defaultSql: null, cast: r.cast, onError: r.onError, nul: r.nul, identity: rowidAlias, reason: r.reason };
    if (c.defaultSql !== null && !rowidAlias) {
      const d = translateDefault(c.defaultSql, defaultKind(col));
      if (d.ok) defaultSql = d.sql;
      else untranslated.push({ object: `default of ${t.name}.${c.name}`, kind: 'default', reason: d.reason, sql: c.defaultSql });
    }
    if (c.generated) {
      untranslated.push({ object: `generated column ${t.name}.${c.name}`, kind: 'generated', reason: 'loaded as a plain column with the values SQLite computed; re-create the expression by hand if PostgreSQL should compute it', sql: c.generated.expression });
    }
    if (c.collation && c.collation.toUpperCase() !== 'BINARY') {
      untranslated.push({ object: `collation of ${t.name}.${c.name}`, kind: 'collation', reason: `COLLATE ${c.collation} is not carried over: comparisons in PostgreSQL are case-sensitive`, sql: null });
    }
    columns.push({ ...col, defaultSql });
  }
  const exprCtx = {
    columns: colTarget,
    columnKinds: new Map(columns.map((c) => [c.source, targetKindOf(c.cast)])),
    jsonbColumns: new Set(columns.filter((c) => c.cast.kind === 'json' && c.cast.target === 'jsonb').map((c) => c.source)),
  };
  const constraintNames = new NameAllocator();
  const pkCols = t.primaryKey?.columns.filter((c) => colTarget.has(c)).map((c) => colTarget.get(c)!) ?? [];
  const primaryKey = pkCols.length && pkCols.length === t.primaryKey!.columns.length ? { name: relationNames.allocate(`${target}_pkey`), columns: pkCols } : null;
  if (primaryKey) constraintNames.allocate(primaryKey.name);

  const indexes: IndexPlan[] = [];
  for (const ix of t.indexes) {
    if (ix.origin === 'pk') continue;
    const plan = planIndex(t, ix, target, colTarget, exprCtx, relationNames);
    if ('reason' in plan) untranslated.push({ object: `index ${ix.name} on ${t.name}`, kind: 'index', reason: plan.reason, sql: ix.sql });
    else indexes.push(plan);
  }
  for (const extra of mapping?.indexes ?? []) {
    const parts = extra.expression ? [`(${extra.expression})`] : (extra.columns ?? []).map((c) => quoteIdent(c));
    indexes.push({ name: relationNames.allocate(extra.name ?? `${target}_${(extra.columns ?? ['expr']).join('_')}_idx`), unique: extra.unique ?? false, parts, where: extra.where ?? null, method: extra.method ?? 'btree', origin: 'mapping' });
  }

  const checks: CheckPlan[] = [];
  for (const ch of t.checks) {
    const tr = translateCheck(ch.expression, exprCtx);
    if (tr.ok) checks.push({ name: constraintNames.allocate(ch.name ?? `${target}_${ch.column ?? 'row'}_check`), sql: tr.sql });
    else untranslated.push({ object: `CHECK on ${t.name}${ch.column ? `.${ch.column}` : ''}`, kind: 'check', reason: tr.reason, sql: ch.expression });
  }
  for (const ch of mapping?.checks ?? []) checks.push({ name: constraintNames.allocate(ch.name ?? `${target}_check`), sql: ch.sql });

  const foreignKeys: ForeignKeyPlan[] = [];
  for (const fk of t.foreignKeys) {
    const refTarget = tableTargets.get(fk.refTable) ?? tableTargets.get([...tableTargets.keys()].find((k) => k.toLowerCase() === fk.refTable.toLowerCase()) ?? '');
    if (!refTarget) {
      untranslated.push({ object: `foreign key ${t.name}(${fk.columns.join(', ')}) → ${fk.refTable}`, kind: 'foreign-key', reason: `referenced table ${fk.refTable} is not migrated`, sql: null });
      continue;
    }
    if (fk.columns.some((c) => !colTarget.has(c))) {
      untranslated.push({ object: `foreign key ${t.name}(${fk.columns.join(', ')}) → ${fk.refTable}`, kind: 'foreign-key', reason: 'a referencing column is skipped', sql: null });
      continue;
    }
    foreignKeys.push({
      name: constraintNames.allocate(`${target}_${fk.columns.map((c) => colTarget.get(c)!).join('_')}_fkey`),
      columns: fk.columns.map((c) => colTarget.get(c)!),
      refTable: fk.refTable,
      refColumns: fk.refColumns,
      onUpdate: fk.onUpdate,
      onDelete: fk.onDelete,
      deferrable: fk.deferrable,
    });
  }
  return { source: t.name, target, columns, skippedColumns, readKey: readKeyOf(t), primaryKey, indexes, foreignKeys, checks, touchColumn: mapping?.touchOnUpdate ?? null, rowCount: t.rowCount };
}

function planIndex(t: TableInfo, ix: IndexInfo, target: string, colTarget: Map<string, string>, exprCtx: ExprContext, names: NameAllocator): IndexPlan | { reason: string } {
  const parts: string[] = [];
  for (const p of ix.parts) {
    if (p.kind === 'column') {
      if (p.name === 'rowid' && !colTarget.has('rowid')) return { reason: 'indexes the hidden rowid, which has no PostgreSQL counterpart' };
      const c = colTarget.get(p.name);
      if (!c) return { reason: `column ${p.name} is not migrated` };
      if (p.collation && p.collation.toUpperCase() === 'NOCASE') parts.push(`lower(${quoteIdent(c)})${p.desc ? ' DESC' : ''}`);
      else parts.push(`${quoteIdent(c)}${p.desc ? ' DESC' : ''}`);
    } else {
      const tr = translateExpression(p.sql, exprCtx);
      if (!tr.ok) return { reason: `expression ${p.sql}: ${tr.reason}` };
      parts.push(`(${tr.sql})${p.desc ? ' DESC' : ''}`);
    }
  }
  let where: string | null = null;
  if (ix.where) {
    const tr = translateExpression(ix.where, exprCtx);
    if (!tr.ok) return { reason: `WHERE ${ix.where}: ${tr.reason}` };
    where = tr.sql;
  }
  // SQLite's automatic names (sqlite_autoindex_t_1) are meaningless in PostgreSQL.
  const wanted = ix.origin === 'u' ? `${target}_${ix.parts.map((p) => (p.kind === 'column' ? colTarget.get(p.name) ?? p.name : 'expr')).join('_')}_key` : ix.name;
  return { name: names.allocate(wanted), unique: ix.unique, parts, where, method: 'btree', origin: ix.origin === 'u' ? 'constraint' : 'index' };
}

/** Views that read other views come after them. */
function orderViews<V extends { name: string; sql: string }>(views: readonly V[]): V[] {
  const byName = new Map(views.map((v) => [v.name.toLowerCase(), v]));
  const out: V[] = [];
  const seen = new Set<string>();
  const visit = (v: V, depth: number): void => {
    const key = v.name.toLowerCase();
    if (seen.has(key) || depth > views.length) return;
    seen.add(key);
    for (const dep of listViewDependencies(v.sql)) {
      const d = byName.get(dep.toLowerCase());
      if (d) visit(d, depth + 1);
    }
    out.push(v);
  };
  for (const v of views) visit(v, 0);
  return out;
}

export function buildPlan(catalog: Catalog, mappings: MappingSet, options: PlanOptions): Plan {
  const untranslated: Untranslated[] = [];
  const warnings: string[] = [];
  const relationNames = new NameAllocator();
  const tableTargets = new Map<string, string>();
  const included = catalog.tables.filter((t) => !mappings.get(t.name)?.mapping.skip);
  for (const t of included) {
    const wanted = mappings.get(t.name)?.mapping.target ?? foldName(t.name, options.fold);
    const name = relationNames.allocate(wanted);
    if (name !== wanted) warnings.push(`table ${t.name}: target name shortened or de-duplicated to ${name}`);
    tableTargets.set(t.name, name);
  }
  const tables = included.map((t) => planTable(t, mappings.get(t.name)?.mapping, options, tableTargets, untranslated, relationNames));
  // Foreign keys name the referenced table by its *source* name until here; resolve to targets.
  const byTarget = new Map(tables.map((t) => [t.source, t]));
  const resolved = tables.map((t) => ({
    ...t,
    foreignKeys: t.foreignKeys.map((fk) => {
      const ref = byTarget.get(fk.refTable) ?? [...byTarget.values()].find((x) => x.source.toLowerCase() === fk.refTable.toLowerCase())!;
      const refCols = fk.refColumns.length ? fk.refColumns.map((c) => ref.columns.find((x) => x.source.toLowerCase() === c.toLowerCase())?.target ?? c) : ref.primaryKey?.columns ?? [];
      return { ...fk, refTable: ref.target, refColumns: refCols };
    }),
  }));
  const datesAsText = resolved.flatMap((t) => t.columns.filter((c) => c.reason.includes('kept as text')).map((c) => `${t.source}.${c.source}`));
  if (datesAsText.length) {
    warnings.push(`${datesAsText.length} date/time column${datesAsText.length > 1 ? 's are' : ' is'} kept as text because no mapping names its format: ${datesAsText.join(', ')}. Run \`sqlite2pg plan\` to propose timestamptz mappings.`);
  }
  for (const row of catalog.tables.filter((t) => mappings.get(t.name)?.mapping.skip)) {
    untranslated.push({ object: `table ${row.name}`, kind: 'table', reason: 'skipped by its mapping file', sql: null });
  }

  const views: ViewPlan[] = [];
  // Views name tables unqualified: they are created with search_path set to the staging schema,
  // bind to the staging tables by OID, and move with them at cutover.
  const viewCtx = {
    tables: new Map(
      resolved.map((t) => [
        t.source,
        {
          target: t.target,
          columns: new Map(t.columns.map((c) => [c.source, c.target])),
          columnKinds: new Map(t.columns.map((c) => [c.source, targetKindOf(c.cast)])),
          jsonbColumns: new Set(t.columns.filter((c) => c.cast.kind === 'json' && c.cast.target === 'jsonb').map((c) => c.source)),
        },
      ]),
    ),
  };
  for (const v of orderViews(catalog.views)) {
    const tr = translateView(v.sql, viewCtx);
    if (tr.ok) views.push({ source: v.name, target: relationNames.allocate(foldName(v.name, options.fold)), sql: tr.sql });
    else untranslated.push({ object: `view ${v.name}`, kind: 'view', reason: tr.reason, sql: v.sql });
  }
  for (const tr of catalog.triggers) {
    untranslated.push({ object: `trigger ${tr.name} on ${tr.table}`, kind: 'trigger', reason: 'SQLite triggers are not translated: re-create it as a PL/pgSQL trigger if the application relies on it', sql: tr.sql });
  }
  for (const vt of catalog.virtualTables) {
    untranslated.push({
      object: `virtual table ${vt.name} (${vt.module})`,
      kind: 'virtual-table',
      reason: /^fts/i.test(vt.module) ? 'full-text index not copied: in PostgreSQL use a tsvector column or expression with a GIN index (mapping `indexes`)' : `virtual table module ${vt.module} has no PostgreSQL counterpart`,
      sql: vt.sql,
    });
  }
  return { schema: options.schema, tables: resolved, views, untranslated, warnings };
}
