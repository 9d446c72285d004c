/**
 * `sqlite2pg plan`: profile every table, propose mapping files and type rules from the evidence,
 * write them (or, with --check, only say what would change), and write schema.sql, the DDL a
 * migration with these files runs, built by the same buildPlan and ddl.ts functions. Hand-edited
 * files are never overwritten without --force; new tables and columns are merged in.
 */
import { join } from 'node:path';
import { checkSqliteFile, openSqlite } from '../source/sqlite-db.js';
import { introspectSqlite } from '../source/introspect-sqlite.js';
import { profileTable, type TableProfile } from '../source/profile-columns.js';
import { proposeMapping, proposeTypeRules, type ProfiledTable } from '../plan/propose-mappings.js';
import { buildPlan, type PlanOptions } from '../plan/build-plan.js';
import { schemaPreviewSql } from '../plan/ddl.js';
import { loadMappings } from '../mappings/load-mappings.js';
import { validateMappings } from '../mappings/validate-mappings.js';
import { writeGeneratedFile, writeMappings, writeTypeRules, type WriteMappingsResult } from '../mappings/write-mappings.js';
import { ConfigError, MigrateError } from '../errors.js';
import { TYPE_RULES_FILE, type ColumnMapping, type MappingSet, type TableMapping, type TypeRulesFile } from '../model/mapping.js';
import type { Catalog } from '../model/catalog.js';

/** File name of the schema preview, next to the mapping files. */
export const SCHEMA_PREVIEW_FILE = 'schema.sql';

export interface PlanRunOptions {
  readonly sourcePath: string;
  readonly mappingsDir: string;
  readonly sample: number | null;
  readonly check: boolean;
  readonly force: boolean;
  /** Live schema and identifier folding the preview is written for (as `migrate --schema/--fold`). */
  readonly schema?: string;
  readonly fold?: PlanOptions['fold'];
  readonly onTable?: (table: string, rows: number) => void;
}

export interface TablePlanSummary {
  readonly table: string;
  readonly rows: number;
  readonly proposed: readonly { readonly column: string; readonly rule: string }[];
  readonly notes: readonly string[];
  readonly profile: TableProfile;
}

/** What the schema preview found: the file, and what a migration would not create or would warn about. */
export interface SchemaPreviewSummary {
  readonly file: string;
  /** written / unchanged / would-change (with --check) / not-written (the mappings have errors). */
  readonly state: 'written' | 'unchanged' | 'would-change' | 'not-written';
  /** Problems the dry run would otherwise find first: foreign keys PostgreSQL cannot have, objects not translated. */
  readonly flags: readonly string[];
  /** Mapping problems that keep the preview from being built (a migration would stop with exit 3). */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

export interface PlanRunResult {
  readonly tables: readonly TablePlanSummary[];
  readonly files: WriteMappingsResult;
  /** Type rules proposed this run (declared type → rule words, and how many columns without data it reaches). */
  readonly typeRules: readonly { readonly type: string; readonly rule: string; readonly columns: number }[];
  readonly typeRuleNotes: readonly string[];
  readonly preview: SchemaPreviewSummary;
}

function describeRule(m: ColumnMapping): string {
  const bits = [m.cast ?? m.type ?? 'default'];
  if (m.format) bits.push(m.format);
  if (m.timeZone) bits.push(m.timeZone);
  return bits.join(' ');
}

function mergeResults(a: WriteMappingsResult, b: WriteMappingsResult): WriteMappingsResult {
  return { written: [...a.written, ...b.written], unchanged: [...a.unchanged, ...b.unchanged], skippedHandEdited: [...a.skippedHandEdited, ...b.skippedHandEdited], wouldChange: [...a.wouldChange, ...b.wouldChange] };
}

/** Add column rules (type rule companions) a mapping does not have yet, in table column order. */
function withColumns(mapping: TableMapping, extra: Readonly<Record<string, ColumnMapping>> | undefined, order: readonly string[]): TableMapping {
  if (!extra || mapping.skip === true) return mapping;
  const merged: Record<string, ColumnMapping> = { ...(mapping.columns ?? {}), ...extra };
  const position = new Map(order.map((c, i) => [c, i]));
  const columns = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (position.get(a) ?? Infinity) - (position.get(b) ?? Infinity)));
  return { ...mapping, columns };
}

/** The preview: what migrate would build from `mappings`; mapping errors stop it as they stop migrate. */
function preview(catalog: Catalog, mappings: MappingSet, options: PlanOptions, problems: readonly string[]): { sql: string | null; flags: string[]; errors: string[]; warnings: string[] } {
  const v = validateMappings(mappings, catalog);
  const errors = [...problems, ...v.errors];
  if (errors.length) return { sql: null, flags: [], errors, warnings: v.warnings };
  try {
    const plan = buildPlan(catalog, mappings, options);
    const flags = [
      ...plan.untranslated.filter((u) => u.kind === 'foreign-key').map((u) => `${u.object}: not created: ${u.reason}`),
      ...plan.warnings.filter((w) => w.startsWith('virtual table')),
    ];
    const header = [
      `sqlite2pg plan: the DDL \`sqlite2pg migrate\` runs with these mapping files (schema ${JSON.stringify(options.schema)}, --fold ${options.fold}).`,
      'Generated: do not edit; edit the mapping files and run plan again. Tables are built in a staging schema and moved here at cutover.',
    ];
    return { sql: schemaPreviewSql(plan, header), flags, errors: [], warnings: [...v.warnings, ...plan.warnings] };
  } catch (e) {
    if (e instanceof MigrateError) return { sql: null, flags: [], errors: [e.message, ...((e as ConfigError).problems ?? [])], warnings: v.warnings };
    throw e;
  }
}

export async function runPlan(o: PlanRunOptions): Promise<PlanRunResult> {
  const { sizeBytes } = await checkSqliteFile(o.sourcePath);
  const db = openSqlite(o.sourcePath);
  let catalog: Catalog;
  const summaries: TablePlanSummary[] = [];
  const profiled: ProfiledTable[] = [];
  let existingRules: TypeRulesFile | undefined;
  try {
    catalog = introspectSqlite(db, o.sourcePath, sizeBytes);
    const existing = await loadMappings(o.mappingsDir);
    if (existing.problems.length) {
      throw new ConfigError(`The existing mapping files in ${o.mappingsDir} cannot be read:`, { problems: existing.problems, hint: 'Fix them (or move them away) and run plan again.' });
    }
    existingRules = existing.mappings.typeRules?.rules;
    for (const t of catalog.tables) {
      o.onTable?.(t.name, t.rowCount);
      const profile = profileTable(db, t, o.sample ? { sample: o.sample } : {});
      const prev = existing.mappings.get(t.name)?.mapping;
      const { mapping, notes } = proposeMapping(t, profile, prev);
      profiled.push({ table: t, profile, mapping });
      summaries.push({ table: t.name, rows: t.rowCount, proposed: [], notes, profile });
    }
  } finally {
    db.close();
  }

  const rules = proposeTypeRules(profiled, existingRules);
  const proposals = profiled.map(({ table, mapping }) => ({ table: table.name, mapping: withColumns(mapping, rules.columns.get(table.name), table.columns.map((c) => c.name)) }));
  const tables = summaries.map((s, i) => ({ ...s, proposed: Object.entries(proposals[i]!.mapping.columns ?? {}).map(([column, m]) => ({ column, rule: describeRule(m) })) }));
  const options = { force: o.force, check: o.check };
  let files = await writeMappings(o.mappingsDir, proposals, options);
  if (rules.rules) files = mergeResults(files, await writeTypeRules(o.mappingsDir, rules.rules, options));

  // The preview reads what migrate will read: the files on disk, or with --check the proposals.
  const planOptions: PlanOptions = { schema: o.schema ?? 'public', fold: o.fold ?? 'none' };
  let mappings: MappingSet;
  let problems: string[] = [];
  if (o.check) {
    const set: Map<string, { file: string; mapping: TableMapping }> & { typeRules?: MappingSet['typeRules'] } = new Map(proposals.map((p) => [p.table, { file: join(o.mappingsDir, `${p.table}.json`), mapping: p.mapping }]));
    if (rules.rules) set.typeRules = { file: join(o.mappingsDir, TYPE_RULES_FILE), rules: rules.rules };
    mappings = set;
  } else {
    const loaded = await loadMappings(o.mappingsDir);
    mappings = loaded.mappings;
    problems = loaded.problems;
  }
  const p = preview(catalog, mappings, planOptions, problems);
  const file = join(o.mappingsDir, SCHEMA_PREVIEW_FILE);
  const state = p.sql === null ? 'not-written' : await writeGeneratedFile(o.mappingsDir, SCHEMA_PREVIEW_FILE, p.sql, { check: o.check });
  if (state === 'written') files = { ...files, written: [...files.written, file] };
  if (state === 'unchanged') files = { ...files, unchanged: [...files.unchanged, file] };
  if (state === 'would-change') files = { ...files, wouldChange: [...files.wouldChange, file] };
  return {
    tables,
    files,
    typeRules: rules.proposed.map((r) => ({ type: r.type, rule: describeRule(r.rule), columns: r.columns.length })),
    typeRuleNotes: rules.notes,
    preview: { file, state, flags: p.flags, errors: p.errors, warnings: p.warnings },
  };
}
