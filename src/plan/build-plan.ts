/**
 * buildPlan(catalog, mappings) → Plan. Pure: no connections, no clock.
 * Decides target names, types, casts, key/index/FK definitions, and lists what cannot be translated.
 */
import type { Catalog, IndexInfo, TableInfo, VirtualTableInfo } from '../model/catalog.js';
import type { MappingSet, TableMapping, TypeRulesFile } from '../model/mapping.js';
import { MAX_PG_COLUMNS, type CheckPlan, type ColumnPlan, type ForeignKeyPlan, type IndexPlan, type Plan, type ReadKey, type TablePlan, type Untranslated, type ViewPlan } from '../model/plan.js';
import { ConfigError } from '../errors.js';
import { NameAllocator, fitIdentifier, quoteIdent, toSnakeCase } from './identifiers.js';
import { resolveColumn } from './resolve-column.js';
import { translateCheck } from './sqlite-sql/translate-check.js';
import { translateDefault, type DefaultOptions } from './sqlite-sql/translate-default.js';
import { translateGenerated } from './sqlite-sql/translate-generated.js';
import { translateTouchTrigger } from './sqlite-sql/translate-trigger.js';
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

/** Where a table's translation notes and problems go. */
interface Sink {
  readonly untranslated: Untranslated[];
  /** Behaviour differences worth knowing, as `object: note` (shown as warnings). */
  readonly notes: string[];
}

function defaultOptions(c: ColumnPlan): DefaultOptions {
  return c.cast.kind === 'datetime' ? { timeZone: c.cast.timeZone, dateFormat: c.cast.format } : {};
}

function planTable(t: TableInfo, mapping: TableMapping | undefined, options: PlanOptions, tableTargets: Map<string, string>, sink: Sink, relationNames: NameAllocator, rules: TypeRulesFile | undefined): TablePlan {
  const { untranslated, notes } = sink;
  const target = tableTargets.get(t.name)!;
  const colMaps = mapping?.columns ?? {};
  const skippedColumns: string[] = [];
  const columns: ColumnPlan[] = [];
  const colTarget = new Map<string, string>();
  // Column names are unique per table and at most 63 bytes: folding ("Name" and "name") or
  // PostgreSQL's truncation must never make two columns one.
  const columnNames = new NameAllocator();
  // A key SQLite let hold NULLs, kept as a UNIQUE constraint (NULLs allowed) when the mapping says so.
  const keyAsUnique = mapping?.primaryKey === 'unique-index' && t.primaryKey !== null && !t.primaryKey.rowidAlias;
  for (const c of t.columns) {
    const m = colMaps[c.name];
    if (m?.skip) {
      skippedColumns.push(c.name);
      continue;
    }
    const rowidAlias = t.primaryKey?.rowidAlias === true && t.primaryKey.columns[0] === c.name;
    const r = resolveColumn(c, m, rowidAlias, rules);
    const wanted = m?.target ?? foldName(c.name, options.fold);
    const name = columnNames.allocate(wanted);
    if (name !== wanted) notes.push(`column ${t.name}.${c.name}: target name shortened or de-duplicated to ${name}`);
    colTarget.set(c.name, name);
    let defaultSql: string | null = null;
    const col: ColumnPlan = {
      source: c.name,
      target: name,
      pgType: r.pgType,
      notNull: c.notNull || (c.pkOrdinal > 0 && !keyAsUnique),
      defaultSql: null,
      cast: r.cast,
      onError: r.onError,
      nul: r.nul,
      identity: rowidAlias,
      reason: r.reason,
      ...(r.invalidUtf8 !== 'quarantine' ? { invalidUtf8: r.invalidUtf8 } : {}),
    };
    if (c.defaultSql !== null && !rowidAlias) {
      const d = translateDefault(c.defaultSql, defaultKind(col), defaultOptions(col));
      if (d.ok) {
        defaultSql = d.sql;
        for (const n of d.notes) notes.push(`default of ${t.name}.${c.name}: ${n}`);
      } else untranslated.push({ object: `default of ${t.name}.${c.name}`, kind: 'default', reason: d.reason, sql: c.defaultSql });
    }
    columns.push({ ...col, defaultSql });
  }
  planGenerated(t, columns, sink);
  const exprCtx = {
    columns: colTarget,
    columnKinds: new Map(columns.map((c) => [c.source, targetKindOf(c.cast)])),
    jsonbColumns: new Set(columns.filter((c) => c.cast.kind === 'json' && c.cast.target === 'jsonb').map((c) => c.source)),
  };
  const constraintNames = new NameAllocator();
  const pkCols = t.primaryKey?.columns.filter((c) => colTarget.has(c)).map((c) => colTarget.get(c)!) ?? [];
  const fullKey = pkCols.length > 0 && pkCols.length === t.primaryKey!.columns.length;
  // A name declared in SQLite (`CONSTRAINT [PK_Track] PRIMARY KEY`) is kept; PostgreSQL's default otherwise.
  const primaryKey = fullKey && !keyAsUnique ? { name: relationNames.allocate(t.primaryKey!.name ?? `${target}_pkey`), columns: pkCols } : null;
  if (primaryKey) constraintNames.allocate(primaryKey.name);

  const indexes: IndexPlan[] = [];
  if (fullKey && keyAsUnique) {
    indexes.push({ name: relationNames.allocate(`${target}_${pkCols.join('_')}_key`), unique: true, parts: pkCols.map((c) => quoteIdent(c)), where: null, method: 'btree', origin: 'constraint' });
    notes.push(`table ${t.name}: primary key (${t.primaryKey!.columns.join(', ')}) created as a UNIQUE constraint whose columns may be NULL (mapping "primaryKey": "unique-index")`);
  }
  for (const ix of t.indexes) {
    if (ix.origin === 'pk') {
      // A NOCASE primary key is unique ignoring case in SQLite; the PostgreSQL key alone is not.
      if (primaryKey && ix.parts.some((p) => p.kind === 'column' && isNocase(p.collation))) {
        const plan = planIndex(t, { ...ix, origin: 'c', name: `${target}_pkey_nocase` }, target, colTarget, exprCtx, relationNames);
        if (!('reason' in plan)) indexes.push(plan);
      }
      continue;
    }
    const plan = planIndex(t, ix, target, colTarget, exprCtx, relationNames);
    if ('reason' in plan) untranslated.push({ object: `index ${ix.name} on ${t.name}`, kind: 'index', reason: plan.reason, sql: ix.sql });
    else indexes.push(plan);
  }
  for (const extra of mapping?.indexes ?? []) {
    const parts = extra.expression ? [`(${extra.expression})`] : (extra.columns ?? []).map((c) => quoteIdent(c));
    indexes.push({ name: relationNames.allocate(extra.name ?? `${target}_${(extra.columns ?? ['expr']).join('_')}_idx`), unique: extra.unique ?? false, parts, where: extra.where ?? null, method: extra.method ?? 'btree', origin: 'mapping' });
  }
  reportCollations(t, columns, indexes, untranslated);

  const checks: CheckPlan[] = [];
  for (const ch of t.checks) {
    const tr = translateCheck(ch.expression, exprCtx);
    const object = `CHECK on ${t.name}${ch.column ? `.${ch.column}` : ''}`;
    if (tr.ok) {
      checks.push({ name: constraintNames.allocate(ch.name ?? `${target}_${ch.column ? colTarget.get(ch.column) ?? ch.column : 'row'}_check`), sql: tr.sql });
      for (const n of tr.notes) notes.push(`${object}: ${n}`);
    } else untranslated.push({ object, kind: 'check', reason: tr.reason, sql: ch.expression });
  }
  for (const ch of mapping?.checks ?? []) checks.push({ name: constraintNames.allocate(ch.name ?? `${target}_check`), sql: ch.sql });

  // Foreign keys keep *source* names of the referenced table and columns here; buildPlan
  // resolves and checks them once every table is planned.
  const foreignKeys: ForeignKeyPlan[] = [];
  for (const fk of t.foreignKeys) {
    const object = `foreign key ${t.name}(${fk.columns.join(', ')}) → ${fk.refTable}${fk.refColumns.length ? `(${fk.refColumns.join(', ')})` : ''}`;
    const refTarget = tableTargets.get(fk.refTable) ?? tableTargets.get([...tableTargets.keys()].find((k) => k.toLowerCase() === fk.refTable.toLowerCase()) ?? '');
    if (!refTarget) {
      untranslated.push({ object, kind: 'foreign-key', reason: `referenced table ${fk.refTable} is not migrated`, sql: null });
      continue;
    }
    if (fk.columns.some((c) => !colTarget.has(c))) {
      untranslated.push({ object, kind: 'foreign-key', reason: 'a referencing column is skipped', sql: null });
      continue;
    }
    foreignKeys.push({
      name: constraintNames.allocate(fk.name ?? `${target}_${fk.columns.map((c) => colTarget.get(c)!).join('_')}_fkey`),
      columns: fk.columns.map((c) => colTarget.get(c)!),
      refTable: fk.refTable,
      refColumns: fk.refColumns,
      onUpdate: fk.onUpdate,
      onDelete: fk.onDelete,
      deferrable: fk.deferrable,
    });
  }
  const touch = mapping?.touchOnUpdate ?? null;
  return { source: t.name, target, columns, skippedColumns, readKey: readKeyOf(t), primaryKey, indexes, foreignKeys, checks, touchColumn: touch, rowCount: t.rowCount };
}

function isNocase(collation: string | null | undefined): boolean {
  return collation?.toUpperCase() === 'NOCASE';
}

/**
 * Generated columns: `GENERATED ALWAYS AS (...) STORED` where the expression translates exactly
 * (see translate-generated.ts), else a plain column holding the values SQLite computed.
 * SQLite's VIRTUAL columns become STORED: PostgreSQL before 18 has no virtual generated columns.
 */
function planGenerated(t: TableInfo, columns: ColumnPlan[], sink: Sink): void {
  const generatedSources = new Set(t.columns.filter((c) => c.generated).map((c) => c.name));
  const ctx = { columns: new Map(columns.map((c) => [c.source, { target: c.target, kind: targetKindOf(c.cast), generated: generatedSources.has(c.source) }])) };
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!;
    const info = t.columns.find((c) => c.name === col.source)!;
    if (!info.generated) continue;
    const object = `generated column ${t.name}.${col.source}`;
    const tr = translateGenerated(info.generated.expression, targetKindOf(col.cast), ctx);
    if (tr.ok) {
      columns[i] = { ...col, generated: { sql: tr.sql }, defaultSql: null };
      if (!info.generated.stored) sink.notes.push(`${object}: VIRTUAL in SQLite, created STORED (computed on write) in PostgreSQL`);
    } else {
      sink.untranslated.push({ object, kind: 'generated', reason: `${tr.reason}; loaded as a plain column with the values SQLite computed: re-create the expression by hand (or a trigger) if PostgreSQL should keep computing it`, sql: info.generated.expression });
    }
  }
}

/**
 * Say what happened to each column's collation. NOCASE uniqueness is kept by unique indexes on
 * lower(col) (planIndex); every other comparison on the column is case-sensitive in PostgreSQL.
 */
function reportCollations(t: TableInfo, columns: readonly ColumnPlan[], indexes: readonly IndexPlan[], untranslated: Untranslated[]): void {
  for (const c of t.columns) {
    const col = columns.find((x) => x.source === c.name);
    if (!col || !c.collation || c.collation.toUpperCase() === 'BINARY') continue;
    const q = quoteIdent(col.target);
    const upper = c.collation.toUpperCase();
    let reason: string;
    if (upper === 'NOCASE') {
      const keeping = indexes.filter((ix) => ix.unique && ix.parts.some((p) => p.startsWith(`lower(${q})`)));
      const compare = `=, <, ORDER BY, GROUP BY and DISTINCT on ${col.target} are case-sensitive in PostgreSQL: compare lower(${q}), or use the citext type`;
      reason = keeping.length
        ? `COLLATE NOCASE: case-insensitive uniqueness kept by unique index ${keeping.map((ix) => ix.name).join(', ')} on lower(${q}) (lower(${q} COLLATE "C") if the data needs SQLite's ASCII-only folding; a warning then says so); ${compare}`
        : `COLLATE NOCASE is not carried over: ${compare}`;
    } else if (upper === 'RTRIM') {
      reason = `COLLATE RTRIM is not carried over: trailing spaces count in PostgreSQL comparisons of ${col.target}`;
    } else {
      reason = `COLLATE ${c.collation} (defined by the application) has no PostgreSQL counterpart: ${col.target} compares byte-wise`;
    }
    untranslated.push({ object: `collation of ${t.name}.${c.name}`, kind: 'collation', reason, sql: `COLLATE ${c.collation}` });
  }
}

function planIndex(t: TableInfo, ix: IndexInfo, target: string, colTarget: Map<string, string>, exprCtx: ExprContext, names: NameAllocator): IndexPlan | { reason: string } {
  const parts: string[] = [];
  const asciiFold: string[] = [];
  let nocase = false;
  for (const p of ix.parts) {
    if (p.kind === 'column') {
      if (p.name === 'rowid' && !colTarget.has('rowid')) return { reason: 'indexes the hidden rowid, which has no PostgreSQL counterpart' };
      const c = colTarget.get(p.name);
      if (!c) return { reason: `column ${p.name} is not migrated` };
      const desc = p.desc ? ' DESC' : '';
      if (isNocase(p.collation)) {
        // NOCASE: lower() is what applications query with; see IndexPlan.asciiFoldParts for the fallback.
        nocase = true;
        parts.push(`lower(${quoteIdent(c)})${desc}`);
        asciiFold.push(`lower((${quoteIdent(c)} COLLATE "C"))${desc}`);
      } else {
        parts.push(`${quoteIdent(c)}${desc}`);
        asciiFold.push(`${quoteIdent(c)}${desc}`);
      }
    } else {
      const tr = translateExpression(p.sql, exprCtx);
      if (!tr.ok) return { reason: `expression ${p.sql}: ${tr.reason}` };
      parts.push(`(${tr.sql})${p.desc ? ' DESC' : ''}`);
      asciiFold.push(`(${tr.sql})${p.desc ? ' DESC' : ''}`);
    }
  }
  let where: string | null = null;
  if (ix.where) {
    const tr = translateExpression(ix.where, exprCtx);
    if (!tr.ok) return { reason: `WHERE ${ix.where}: ${tr.reason}` };
    where = tr.sql;
  }
  // SQLite's automatic names (sqlite_autoindex_t_1) are meaningless in PostgreSQL.
  const wanted = ix.origin === 'u' ? ix.constraintName ?? `${target}_${ix.parts.map((p) => (p.kind === 'column' ? colTarget.get(p.name) ?? p.name : 'expr')).join('_')}_key` : ix.name;
  return { name: names.allocate(wanted), unique: ix.unique, parts, where, method: 'btree', origin: ix.origin === 'u' ? 'constraint' : 'index', ...(nocase && ix.unique ? { asciiFoldParts: asciiFold } : {}) };
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

/** Families of PostgreSQL types a foreign key can join on without an explicit cast. */
function keyFamily(pgType: string): string {
  const t = pgType.toLowerCase().replace(/\(.*\)/, '').trim();
  if (t === 'smallint' || t === 'integer' || t === 'bigint') return 'integer';
  if (t === 'text' || t === 'varchar' || t === 'character varying' || t === 'char' || t === 'character') return 'text';
  if (t === 'numeric' || t === 'decimal') return 'numeric';
  return t;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Resolve each foreign key to target names and check that PostgreSQL can have it: the
 * referenced columns must be the primary key or carry a unique constraint (SQLite only complains,
 * "foreign key mismatch", when foreign keys are enforced), and the column types must be joinable.
 * A key on a NOCASE unique column gets a plain unique constraint next to the lower() index
 * (implied by it, so it always builds). Anything else is listed, not left to fail at load time.
 */
function resolveForeignKeys(tables: TablePlan[], relationNames: NameAllocator, untranslated: Untranslated[], notes: string[]): TablePlan[] {
  const bySource = new Map(tables.map((t) => [t.source, t]));
  const find = (name: string): TablePlan | undefined => bySource.get(name) ?? tables.find((x) => x.source.toLowerCase() === name.toLowerCase());
  const extraIndexes = new Map<string, IndexPlan[]>();
  const out = tables.map((t) => {
    const foreignKeys: ForeignKeyPlan[] = [];
    for (const fk of t.foreignKeys) {
      const ref = find(fk.refTable)!;
      const object = `foreign key ${t.source}(${fk.columns.map((c) => t.columns.find((x) => x.target === c)?.source ?? c).join(', ')}) → ${ref.source}${fk.refColumns.length ? `(${fk.refColumns.join(', ')})` : ''}`;
      const fail = (reason: string): void => {
        untranslated.push({ object, kind: 'foreign-key', reason, sql: null });
      };
      let refCols: string[];
      if (fk.refColumns.length) {
        const found = fk.refColumns.map((c) => ref.columns.find((x) => x.source.toLowerCase() === c.toLowerCase()));
        if (found.some((c) => !c)) {
          fail(`${ref.source} has no column ${fk.refColumns.find((_, i) => !found[i])} (or it is skipped)`);
          continue;
        }
        refCols = found.map((c) => c!.target);
      } else if (ref.primaryKey) {
        refCols = [...ref.primaryKey.columns];
      } else {
        fail(`it references the primary key of ${ref.source}, which has none`);
        continue;
      }
      if (refCols.length !== fk.columns.length) {
        fail(`${fk.columns.length} referencing column(s) but ${refCols.length} referenced`);
        continue;
      }
      const mismatch = fk.columns.findIndex((c, i) => {
        const a = t.columns.find((x) => x.target === c)!;
        const b = ref.columns.find((x) => x.target === refCols[i])!;
        return keyFamily(a.pgType) !== keyFamily(b.pgType);
      });
      if (mismatch >= 0) {
        const a = t.columns.find((x) => x.target === fk.columns[mismatch])!;
        const b = ref.columns.find((x) => x.target === refCols[mismatch])!;
        fail(`${t.source}.${a.source} becomes ${a.pgType} but ${ref.source}.${b.source} becomes ${b.pgType}: PostgreSQL cannot compare them in a foreign key (map both to the same type)`);
        continue;
      }
      const plain = refCols.map((c) => quoteIdent(c));
      const unique = (ix: IndexPlan): boolean => ix.unique && ix.where === null && ix.method === 'btree';
      const allIndexes = [...ref.indexes, ...(extraIndexes.get(ref.source) ?? [])];
      // PostgreSQL accepts the primary key, a unique constraint, or a non-partial unique index on the plain columns.
      const keyed = (ref.primaryKey && sameSet(ref.primaryKey.columns, refCols)) || allIndexes.some((ix) => unique(ix) && sameSet(ix.parts, plain));
      if (!keyed) {
        const lowered = refCols.map((c) => `lower(${quoteIdent(c)})`);
        if (allIndexes.some((ix) => unique(ix) && sameSet(ix.parts, lowered))) {
          // Unique ignoring case implies unique; a plain unique constraint is what a foreign key needs.
          const name = relationNames.allocate(`${ref.target}_${refCols.join('_')}_exact_key`);
          extraIndexes.set(ref.source, [...(extraIndexes.get(ref.source) ?? []), { name, unique: true, parts: plain, where: null, method: 'btree', origin: 'constraint' }]);
          notes.push(`${object}: added unique constraint ${name} on ${ref.target}(${refCols.join(', ')}) for it to reference`);
        } else {
          fail(`${ref.source}(${refCols.join(', ')}) is neither the primary key nor unique: PostgreSQL requires a unique constraint on referenced columns (SQLite reports "foreign key mismatch" once foreign keys are enforced); add a UNIQUE constraint, or drop the reference`);
          continue;
        }
      }
      foreignKeys.push({ ...fk, refTable: ref.target, refColumns: refCols });
    }
    return { ...t, foreignKeys };
  });
  return out.map((t) => (extraIndexes.has(t.source) ? { ...t, indexes: [...t.indexes, ...extraIndexes.get(t.source)!] } : t));
}

function finalTablesHas(tables: readonly TablePlan[], name: string): TablePlan | undefined {
  return tables.find((t) => t.source === name);
}

/** Advice for a virtual table, by what it holds. */
function virtualTableReason(vt: VirtualTableInfo): string {
  const rows = vt.rowCount === null || vt.rowCount === undefined ? 'its rows could not be counted (module not available)' : `${vt.rowCount} row${vt.rowCount === 1 ? '' : 's'}`;
  if (/^fts/i.test(vt.module)) {
    const index = 'in PostgreSQL, index the text with a tsvector expression and a GIN index (mapping `indexes`, e.g. {"expression": "to_tsvector(\'simple\', body)", "method": "gin"}) and query it with @@';
    const c = vt.content;
    if (c?.kind === 'external') return `full-text index over table ${c.table} (content='${c.table}'): the text is migrated with ${c.table}; the index and its shadow tables are not copied (${rows}); ${index}`;
    if (c?.kind === 'none') return `contentless full-text index (content=''): it holds no text, only the index (${rows}); its shadow tables are not copied; ${index}`;
    return `full-text table holding its own text (${rows}) that exists nowhere else in the database: it is not copied, nor are its shadow tables; to keep the text, copy it into a plain table first (CREATE TABLE ${vt.name}_text AS SELECT rowid, * FROM ${vt.name}) and migrate again; ${index}`;
  }
  return `virtual table module ${vt.module} has no PostgreSQL counterpart (${rows}); not copied${/^rtree/i.test(vt.module) ? ': for spatial boxes use PostGIS, or a table with a GiST index on a box/range column' : ''}`;
}

export function buildPlan(catalog: Catalog, mappings: MappingSet, options: PlanOptions): Plan {
  const untranslated: Untranslated[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  const sink: Sink = { untranslated, notes };
  const relationNames = new NameAllocator();
  const tableTargets = new Map<string, string>();
  const included = catalog.tables.filter((t) => !mappings.get(t.name)?.mapping.skip);
  // PostgreSQL has at most 1600 columns per table: say so before anything touches the target.
  const tooWide = included
    .map((t) => ({ t, n: t.columns.filter((c) => !mappings.get(t.name)?.mapping.columns?.[c.name]?.skip).length }))
    .filter(({ n }) => n > MAX_PG_COLUMNS);
  if (tooWide.length) {
    throw new ConfigError(`${tooWide.length} table${tooWide.length > 1 ? 's have' : ' has'} more columns than PostgreSQL allows (${MAX_PG_COLUMNS}):`, {
      problems: tooWide.map(({ t, n }) => `table ${t.name} has ${n} columns; skip at least ${n - MAX_PG_COLUMNS} of them (mapping "columns": {"<name>": {"skip": true}}) or skip the table ("skip": true)`),
      hint: 'Split the table in SQLite, or skip columns or the table in its mapping file; nothing was changed in the target.',
    });
  }
  for (const t of included) {
    const wanted = mappings.get(t.name)?.mapping.target ?? foldName(t.name, options.fold);
    const name = relationNames.allocate(wanted);
    if (name !== wanted) warnings.push(`table ${t.name}: target name shortened or de-duplicated to ${name}`);
    tableTargets.set(t.name, name);
  }
  const tables = included.map((t) => planTable(t, mappings.get(t.name)?.mapping, options, tableTargets, sink, relationNames, mappings.typeRules?.rules));
  const resolved = resolveForeignKeys(tables, relationNames, untranslated, notes);
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
    if (tr.ok) {
      views.push({ source: v.name, target: relationNames.allocate(foldName(v.name, options.fold)), sql: tr.sql });
      for (const n of tr.notes) notes.push(`view ${v.name}: ${n}`);
    } else untranslated.push({ object: `view ${v.name}`, kind: 'view', reason: tr.reason, sql: v.sql });
  }
  const touched = new Map<string, TablePlan>();
  for (const tr of catalog.triggers) {
    const table = resolved.find((t) => t.source === tr.table) ?? resolved.find((t) => t.source.toLowerCase() === tr.table.toLowerCase());
    const touch = table && !table.touchColumn && !touched.has(table.source) ? translateTouchTrigger(tr.sql, table) : null;
    if (touch && table) {
      // Still a follow-up item, but a review, not a rewrite: the report names what was built.
      touched.set(table.source, { ...table, touchColumn: touch.column, touchSql: touch.sql });
      untranslated.push({
        object: `trigger ${tr.name} on ${tr.table}`,
        kind: 'trigger',
        reason: `translated: PostgreSQL trigger ${fitIdentifier(`${table.target}_touch`)} sets ${touch.column} = ${touch.sql} BEFORE each UPDATE (SQLite ran a second UPDATE after it); review it, and drop it if the application sets the column itself`,
        sql: tr.sql,
      });
      continue;
    }
    untranslated.push({ object: `trigger ${tr.name} on ${tr.table}`, kind: 'trigger', reason: 'SQLite triggers are not translated: re-create it as a PL/pgSQL trigger if the application relies on it', sql: tr.sql });
  }
  for (const vt of catalog.virtualTables) {
    const asTable = catalog.tables.find((t) => t.name === vt.name && t.fullText);
    if (asTable) {
      // Its text is migrated (and verified) as a plain table; the index is PostgreSQL's to rebuild.
      const planned = finalTablesHas(resolved, vt.name);
      const ftsIndex = planned?.indexes.some((ix) => ix.method === 'gin') === true;
      untranslated.push({
        object: `virtual table ${vt.name} (${vt.module})`,
        kind: 'virtual-table',
        reason: planned
          ? `full-text table holding its own text: its columns and rowid are migrated as the plain table ${planned.target} (read through ${vt.name}, never its shadow tables); ${ftsIndex ? 'the mapping\'s GIN index on a tsvector expression replaces the full-text index: query it with to_tsvector(...) @@ websearch_to_tsquery(...)' : 'the full-text index itself is not rebuilt: add a GIN index on a tsvector expression to the mapping (sqlite2pg plan proposes one)'}`
          : `full-text table holding its own text: skipped by its mapping, so its text is NOT migrated`,
        sql: vt.sql,
      });
      continue;
    }
    untranslated.push({ object: `virtual table ${vt.name} (${vt.module})`, kind: 'virtual-table', reason: virtualTableReason(vt), sql: vt.sql });
    // Data that lives only in a virtual table is not migrated: say so where it cannot be missed.
    const ownData = vt.content === null || vt.content === undefined || vt.content.kind === 'own';
    if (ownData && (vt.rowCount ?? 1) > 0) {
      warnings.push(`virtual table ${vt.name} (${vt.module}) holds ${vt.rowCount ?? 'an unknown number of'} row${vt.rowCount === 1 ? ' that exists' : 's that exist'} nowhere else in the database and are NOT migrated (see the manual follow-ups)`);
    }
  }
  const finalTables = resolved.map((t) => touched.get(t.source) ?? t);
  return { schema: options.schema, tables: finalTables, views, untranslated, warnings: [...warnings, ...notes] };
}
