/**
 * `sqlite2pg validate <source>`: the checks `migrate` runs before it touches anything, without a
 * target: the mapping files and type rules against their schemas and the SQLite catalog, then
 * the plan built from them (foreign keys PostgreSQL cannot have, too-wide tables, what is not
 * translated). Every problem at once, as a ConfigError (exit 3); the source is opened read-only.
 */
import { checkSqliteFile, openSqlite } from '../source/sqlite-db.js';
import { introspectSqlite } from '../source/introspect-sqlite.js';
import { loadMappings } from '../mappings/load-mappings.js';
import { validateMappings } from '../mappings/validate-mappings.js';
import { buildPlan, type PlanOptions } from '../plan/build-plan.js';
import { ConfigError, MigrateError } from '../errors.js';

export interface ValidateRunOptions {
  readonly sourcePath: string;
  readonly mappingsDir: string;
  readonly schema: string;
  readonly fold: PlanOptions['fold'];
}

export interface ValidateRunResult {
  /** Mapping files read (type rules included). */
  readonly files: number;
  readonly typeRules: boolean;
  readonly tables: number;
  /** Warnings of the mappings and the plan, then the objects a migration would not create. */
  readonly warnings: readonly string[];
  readonly notCreated: readonly string[];
}

export async function runValidate(o: ValidateRunOptions): Promise<ValidateRunResult> {
  const { sizeBytes } = await checkSqliteFile(o.sourcePath);
  const db = openSqlite(o.sourcePath);
  let catalog;
  try {
    catalog = introspectSqlite(db, o.sourcePath, sizeBytes);
  } finally {
    db.close();
  }
  const { mappings, problems } = await loadMappings(o.mappingsDir);
  const v = validateMappings(mappings, catalog);
  const errors = [...problems, ...v.errors];
  let plan;
  if (errors.length === 0) {
    try {
      plan = buildPlan(catalog, mappings, { schema: o.schema, fold: o.fold });
    } catch (e) {
      if (!(e instanceof MigrateError)) throw e;
      errors.push(...(e.problems.length ? e.problems : [e.message]));
    }
  }
  if (errors.length || !plan) {
    throw new ConfigError(`${errors.length} problem${errors.length === 1 ? '' : 's'} in the mapping files in ${o.mappingsDir}:`, {
      problems: errors,
      hint: 'Fix them and run sqlite2pg validate again (it reads the source only; nothing was connected to).',
    });
  }
  return {
    files: mappings.size + (mappings.typeRules ? 1 : 0),
    typeRules: mappings.typeRules !== undefined,
    tables: plan.tables.length,
    warnings: [...v.warnings, ...plan.warnings],
    notCreated: plan.untranslated.filter((u) => u.kind === 'foreign-key' || u.kind === 'table').map((u) => `${u.object}: ${u.reason}`),
  };
}
