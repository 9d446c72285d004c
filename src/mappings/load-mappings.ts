/**
 * Reading a mappings directory: every `*.json` except the schema, parsed, keyed by source table.
 * Only syntax is checked here (with `file:line:col` positions); shape and meaning are
 * validate-mappings.ts's job, so that all problems of all files are reported together.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { TYPE_RULES_FILE, type MappingSet, type TableMapping, type TypeRulesFile } from '../model/mapping.js';
import { checkJsonSyntax } from './check-json-syntax.js';
import { MAPPING_SCHEMA_FILE } from './mapping-schema.js';
import { tableNameFromFileName } from './mapping-file-name.js';

/** What loadMappings found: the parsed files, and the problems that kept files out of the set. */
export interface LoadedMappings {
  readonly mappings: MappingSet;
  /** `file:line:col: message` for syntax errors; `file: message` for unreadable files and clashes. */
  readonly problems: string[];
}

/** Schemas shipped next to mapping files (a table's file name never has a dot before `.json`). */
function isSchemaFile(name: string): boolean {
  return name === MAPPING_SCHEMA_FILE || name.endsWith('.schema.json');
}

/** Read and syntax-check one JSON file; the parsed value, or problems. */
async function readJson(file: string, problems: string[]): Promise<{ value: unknown } | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    problems.push(`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    return null;
  }
  // Editors on Windows may write a byte order mark; JSON.parse rejects it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const syntax = checkJsonSyntax(text);
  if (syntax.length > 0) {
    for (const p of syntax) problems.push(`${file}:${p.line}:${p.column}: ${p.message}`);
    return null;
  }
  return { value: JSON.parse(text) as unknown };
}

/**
 * A mappings directory named on the command line or in the config file must exist: a typo there
 * would otherwise run silently on the built-in defaults. (The default `mappings` directory may be
 * absent: loadMappings then returns an empty set.) Throws ConfigError (exit 3).
 */
export async function requireMappingsDir(dir: string): Promise<void> {
  const s = await stat(dir).catch((e: NodeJS.ErrnoException) => e);
  if (s instanceof Error) {
    if (s.code === 'ENOENT' || s.code === 'ENOTDIR') {
      throw new ConfigError(`The mappings directory ${dir} does not exist.`, { hint: `Run sqlite2pg plan <source.db> --mappings ${dir} first (it writes one file per table there), or pass the directory that holds the mapping files.` });
    }
    throw new ConfigError(`The mappings directory ${dir} cannot be read (${s.code ?? s.message}).`, { hint: 'Check its permissions.' });
  }
  if (!s.isDirectory()) throw new ConfigError(`The mappings path ${dir} is a file, not a directory.`, { hint: 'Pass the directory that holds the mapping files (sqlite2pg plan writes them there).' });
}

/**
 * Load every mapping file of `dir` (not recursive), in file-name order, and its type rules
 * (types.rules.json) as `mappings.typeRules`. A missing directory is an empty set (see
 * requireMappingsDir for one the user named): the built-in defaults apply. Files with syntax
 * errors are left out and reported; the rest are returned unvalidated (validateMappings checks them).
 */
export async function loadMappings(dir: string): Promise<LoadedMappings> {
  const tables = new Map<string, { file: string; mapping: TableMapping }>();
  const mappings: Map<string, { file: string; mapping: TableMapping }> & { typeRules?: { file: string; rules: TypeRulesFile } } = tables;
  const problems: string[] = [];
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.json') && !isSchemaFile(e.name))
      .map((e) => e.name)
      .sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { mappings, problems };
    if (code === 'ENOTDIR') return { mappings, problems: [`${dir}: is a file, not a directory: pass the directory that holds the mapping files`] };
    return { mappings, problems: [`${dir}: cannot read the mappings directory (${code ?? String(e)})`] };
  }

  for (const name of names) {
    const file = join(dir, name);
    const read = await readJson(file, problems);
    if (read === null) continue;
    if (name === TYPE_RULES_FILE) {
      mappings.typeRules = { file, rules: read.value as TypeRulesFile };
      continue;
    }
    const mapping = read.value as TableMapping;
    const declared = typeof mapping === 'object' && mapping !== null && !Array.isArray(mapping) ? (mapping as { table?: unknown }).table : undefined;
    const table = typeof declared === 'string' && declared !== '' ? declared : tableNameFromFileName(name);
    const previous = mappings.get(table);
    if (previous) {
      problems.push(`${file}: table: table ${JSON.stringify(table)} is already mapped by ${previous.file}: keep one file per table`);
      continue;
    }
    mappings.set(table, { file, mapping });
  }
  return { mappings, problems };
}
