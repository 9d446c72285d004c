/**
 * The shipped JSON Schema for mapping files, `<package root>/mappings/mapping.schema.json`: the
 * single source of truth for their shape (editors use it through `$schema`, validate-mappings.ts
 * through ajv). Read once, synchronously, on first use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** File name of the schema, inside the package's `mappings/` directory (and skipped by the loader). */
export const MAPPING_SCHEMA_FILE = 'mapping.schema.json';

/**
 * The nearest directory at or above `from` that holds a package.json. The code runs from
 * `src/mappings/` under vitest and from `dist/src/mappings/` once compiled, while the schema
 * stays at the package root, so a fixed relative path would be wrong in one of the two.
 */
export function findPackageRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json found at or above ${from}`);
    dir = parent;
  }
}

let cachedPath: string | undefined;
let cachedSchema: Record<string, unknown> | undefined;

/** Absolute path of the shipped mapping schema. */
export function mappingSchemaPath(): string {
  cachedPath ??= join(findPackageRoot(dirname(fileURLToPath(import.meta.url))), 'mappings', MAPPING_SCHEMA_FILE);
  return cachedPath;
}

/** The parsed schema (cached; callers must not mutate it). */
export function mappingSchema(): Record<string, unknown> {
  cachedSchema ??= JSON.parse(readFileSync(mappingSchemaPath(), 'utf8')) as Record<string, unknown>;
  return cachedSchema;
}
