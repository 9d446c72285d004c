/**
 * Writing proposed mappings to `<dir>/<table>.json`, without ever clobbering a person's edits.
 * The schema forbids bookkeeping keys, so hand edits are detected by content: a file is
 * rewritten only when the new content keeps everything the file says (the tool only adds),
 * unless `force`. Callers pass proposals already merged with the existing files
 * (proposeMapping(..., existing)), so in the normal flow hand edits are kept and only new
 * columns are added.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { makeDirectory } from '../make-directory.js';
import { join, relative, resolve, sep } from 'node:path';
import { TYPE_RULES_FILE, type TableMapping, type TypeRulesFile } from '../model/mapping.js';
import { mappingFileName } from './mapping-file-name.js';
import { mappingSchemaPath, typeRulesSchemaPath } from './mapping-schema.js';

/** What writeMappings did (or, with `check`, would do), as file paths. */
export interface WriteMappingsResult {
  /** Created or updated (empty with `check`). */
  readonly written: string[];
  /** Already holding exactly this content (key order aside). */
  readonly unchanged: string[];
  /** Differing from the proposal by more than additions: left alone (no `force`). */
  readonly skippedHandEdited: string[];
  /** With `check`: the files a real run would create or update. */
  readonly wouldChange: string[];
}

const TABLE_KEYS = ['$schema', 'table', 'target', 'skip', 'primaryKey', 'comment', 'columns', 'indexes', 'checks', 'touchOnUpdate'];
const COLUMN_KEYS = ['target', 'skip', 'cast', 'type', 'format', 'timeZone', 'onError', 'nul', 'invalidUtf8', 'comment', 'evidence'];
const INDEX_KEYS = ['name', 'columns', 'expression', 'method', 'unique', 'where'];
const CHECK_KEYS = ['name', 'sql'];

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Known keys in documentation order, then any others in their original order. */
function ordered(o: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k) && v !== undefined) out[k] = v;
  return out;
}

/** The stable key order files are written in (column entries keep their order). */
function canonical(mapping: Json): Json {
  const m = ordered(mapping, TABLE_KEYS);
  if (isRecord(m['columns'])) {
    m['columns'] = Object.fromEntries(Object.entries(m['columns']).map(([name, rule]) => [name, isRecord(rule) ? ordered(rule, COLUMN_KEYS) : rule]));
  }
  if (Array.isArray(m['indexes'])) m['indexes'] = m['indexes'].map((ix: unknown) => (isRecord(ix) ? ordered(ix, INDEX_KEYS) : ix));
  if (Array.isArray(m['checks'])) m['checks'] = m['checks'].map((c: unknown) => (isRecord(c) ? ordered(c, CHECK_KEYS) : c));
  return m;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Whether `b` keeps everything `a` says: same values, objects may gain keys (arrays must be equal). */
function onlyAdds(a: unknown, b: unknown): boolean {
  if (isRecord(a) && isRecord(b)) return Object.keys(a).every((k) => Object.hasOwn(b, k) && onlyAdds(a[k], b[k]));
  return deepEqual(a, b);
}

/** `$schema` as a path relative to the mappings directory, with forward slashes (JSON Schema wants a URI reference). */
export function schemaReference(dir: string, schema: string = mappingSchemaPath()): string {
  const rel = relative(resolve(dir), schema).split(sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** Write to a temporary file and rename, so a crash never leaves half a mapping file. */
async function writeAtomically(file: string, dir: string, name: string, text: string): Promise<void> {
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** One file to write: its name in the directory, and its content given the `$schema` it should carry. */
interface FileToWrite {
  readonly name: string;
  readonly content: (schemaRef: string) => Json;
  readonly schemaRef: () => string;
}

/**
 * Write each file as pretty JSON to `<dir>/<name>`, `$schema` first (an existing file's own
 * `$schema` is kept). An existing file is: left alone when its content already equals the new
 * one; rewritten when the new content only adds to it; otherwise reported as hand-edited and left
 * alone unless `force`. With `check`, nothing is written and `wouldChange` lists what would be.
 */
async function writeFiles(dir: string, files: readonly FileToWrite[], options: { readonly force: boolean; readonly check: boolean }): Promise<WriteMappingsResult> {
  const result: WriteMappingsResult = { written: [], unchanged: [], skippedHandEdited: [], wouldChange: [] };
  let madeDir = false;
  for (const { name, content, schemaRef } of files) {
    const file = join(dir, name);
    let current: unknown;
    let exists = true;
    try {
      const text = await readFile(file, 'utf8');
      try {
        current = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      } catch {
        current = undefined; // unparsable: certainly not what the tool wrote
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      exists = false;
    }

    const existingSchema = isRecord(current) && typeof current['$schema'] === 'string' ? current['$schema'] : undefined;
    const desired = content(existingSchema ?? schemaRef());

    if (exists) {
      if (deepEqual(current, desired)) {
        result.unchanged.push(file);
        continue;
      }
      if (!onlyAdds(current, desired) && !options.force) {
        result.skippedHandEdited.push(file);
        continue;
      }
    }
    if (options.check) {
      result.wouldChange.push(file);
      continue;
    }
    if (!madeDir) {
      await makeDirectory(dir);
      madeDir = true;
    }
    await writeAtomically(file, dir, name, `${JSON.stringify(desired, null, 2)}\n`);
    result.written.push(file);
  }
  return result;
}

/**
 * Write each proposal to `<dir>/<mappingFileName(table)>` (see writeFiles), with `$schema` a
 * relative path to the shipped schema. Callers pass proposals merged with the existing files.
 */
export async function writeMappings(
  dir: string,
  proposals: readonly { readonly table: string; readonly mapping: TableMapping }[],
  options: { readonly force: boolean; readonly check: boolean },
): Promise<WriteMappingsResult> {
  let schemaRef: string | undefined;
  return writeFiles(
    dir,
    proposals.map(({ table, mapping }) => ({
      name: mappingFileName(table),
      schemaRef: () => (schemaRef ??= schemaReference(dir)),
      content: (ref) => canonical({ ...(mapping as unknown as Json), $schema: ref, table }),
    })),
    options,
  );
}

/** Write the type rules to `<dir>/types.rules.json` (see writeFiles); `$schema` points to the shipped type-rules.schema.json. */
export async function writeTypeRules(dir: string, rules: TypeRulesFile, options: { readonly force: boolean; readonly check: boolean }): Promise<WriteMappingsResult> {
  return writeFiles(
    dir,
    [
      {
        name: TYPE_RULES_FILE,
        schemaRef: () => schemaReference(dir, typeRulesSchemaPath()),
        content: (ref) => {
          const m = ordered({ ...(rules as unknown as Json), $schema: ref }, ['$schema', 'comment', 'types']);
          m['types'] = Object.fromEntries(Object.entries(rules.types).map(([k, rule]) => [k, ordered(rule as unknown as Json, COLUMN_KEYS)]));
          return m;
        },
      },
    ],
    options,
  );
}

/** Write a generated text file (schema.sql) next to the mappings: never hand-edited, so rewritten whenever it differs. */
export async function writeGeneratedFile(dir: string, name: string, text: string, options: { readonly check: boolean }): Promise<'written' | 'unchanged' | 'would-change'> {
  const file = join(dir, name);
  let current: string | null = null;
  try {
    current = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (current === text) return 'unchanged';
  if (options.check) return 'would-change';
  await makeDirectory(dir);
  await writeAtomically(file, dir, name, text);
  return 'written';
}
