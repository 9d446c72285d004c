/**
 * The shipped JSON Schema for mapping files, `<package root>/mappings/mapping.schema.json`: the
 * single source of truth for their shape (editors use it through `$schema`; validate-mappings.ts
 * through the validators generated from it, shipped-validators.ts). Where it and the type rules'
 * schema are, and ajv for the config file's schema.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv2020 } from 'ajv/dist/2020.js';

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

/** The type rules' schema, next to the mapping schema (it refers to its column rule). */
export const TYPE_RULES_SCHEMA_FILE = 'type-rules.schema.json';

let cachedPath: string | undefined;

/** Absolute path of the shipped mapping schema. */
export function mappingSchemaPath(): string {
  cachedPath ??= join(findPackageRoot(dirname(fileURLToPath(import.meta.url))), 'mappings', MAPPING_SCHEMA_FILE);
  return cachedPath;
}

/**
 * ajv's JSON Schema 2020-12 class, loaded on first use rather than when this module is imported:
 * loading ajv costs ~50 ms of CPU, which a command that reads no mapping or config file (--help,
 * --version, a run without mapping files) does not need to spend. (A synchronous require, as
 * validation is synchronous; ajv is a CommonJS package.)
 */
export function ajv2020(): typeof Ajv2020 {
  return (createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020;
}

/** Absolute path of the shipped type rules schema. */
export function typeRulesSchemaPath(): string {
  return join(dirname(mappingSchemaPath()), TYPE_RULES_SCHEMA_FILE);
}
