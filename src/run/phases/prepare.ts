/**
 * Pre-flight, pure of the target: the source's catalog, the mapping files validated against it
 * (every problem at once), and the Plan. Everything that can go wrong here throws before the
 * target is touched.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { Catalog } from '../../model/catalog.js';
import type { Plan } from '../../model/plan.js';
import type { MappingFile } from '../../model/run-result.js';
import { buildPlan } from '../../plan/build-plan.js';
import { targetNameProblems } from '../../plan/check-names.js';
import { mappingFileName } from '../../mappings/mapping-file-name.js';
import { openSqlite } from '../../source/sqlite-db.js';
import { introspectSqlite } from '../../source/introspect-sqlite.js';
import { loadMappings } from '../../mappings/load-mappings.js';
import { validateMappings } from '../../mappings/validate-mappings.js';

export interface PrepareOptions {
  readonly sourcePath: string;
  readonly mappingsDir: string;
  readonly schema: string;
  readonly fold: 'none' | 'snake' | 'lower';
}

export interface Prepared {
  readonly catalog: Catalog;
  readonly plan: Plan;
  /** sha256 of the mapping files' content: a resumed run must use the same rules. */
  readonly mappingHash: string;
  /** sha256 of the source's schema (sqlite_schema rows): the pre-flight read and the snapshot must agree. */
  readonly schemaHash: string;
  /** Each mapping file read, with the sha256 of its bytes (the change ticket's record). */
  readonly mappingFiles: MappingFile[];
  readonly warnings: string[];
}

export function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/** What the mapping hash covers: the table mappings (as before type rules existed), and the type rules when there are any. */
function mappingHashInput(mappings: Awaited<ReturnType<typeof loadMappings>>['mappings']): unknown {
  const tables = [...mappings.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, m]) => [k, m.mapping]);
  return mappings.typeRules ? { tables, typeRules: mappings.typeRules.rules } : tables;
}

/** Catalog of the file at `readPath` (the snapshot, or the source itself), mappings, plan. */
export async function prepare(o: PrepareOptions, readPath: string, sizeBytes: number): Promise<Prepared> {
  const db = openSqlite(readPath);
  let catalog: Catalog;
  let schemaHash: string;
  try {
    catalog = introspectSqlite(db, o.sourcePath, sizeBytes);
    const rows = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name').all();
    schemaHash = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
  } finally {
    db.close();
  }
  const { mappings, problems } = await loadMappings(o.mappingsDir);
  const v = validateMappings(mappings, catalog);
  const errors = [...problems, ...v.errors];
  if (errors.length) {
    throw new ConfigError(`${errors.length} problem${errors.length > 1 ? 's' : ''} in the mapping files in ${o.mappingsDir}:`, { problems: errors, hint: 'Fix them and run again; nothing was changed in the target.' });
  }
  const plan = buildPlan(catalog, mappings, { schema: o.schema, fold: o.fold });
  const names = targetNameProblems(plan, (t) => join(o.mappingsDir, mappingFileName(t)));
  if (names.length) throw new ConfigError(`${names.length} name${names.length > 1 ? 's' : ''} PostgreSQL cannot take:`, { problems: names, hint: 'Rename them in the mapping files and run again; nothing was changed in the target.' });
  // Every file that decides a cast, type rules included, as the report's record of what was used.
  const files = [...[...mappings.values()].map((m) => m.file), ...(mappings.typeRules ? [mappings.typeRules.file] : [])].sort();
  const mappingFiles: MappingFile[] = [];
  for (const file of files) mappingFiles.push({ file: resolve(file), sha256: createHash('sha256').update(await readFile(file)).digest('hex') });
  const mappingHash = createHash('sha256')
    .update(JSON.stringify(mappingHashInput(mappings)))
    .digest('hex');
  return { catalog, plan, mappingHash, schemaHash, mappingFiles, warnings: [...v.warnings, ...plan.warnings] };
}
