/**
 * `sqlite2pg.config.json`: the settings otherwise passed as flags. Read once, validated against the
 * shipped `sqlite2pg.config.schema.json` (ajv), every problem reported at once as
 * `file: dot.path: message`, then frozen. Precedence, applied by the CLI: flag > this file >
 * DATABASE_URL / PG* > built-in default.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { ConfigError } from '../errors.js';
import { checkJsonSyntax } from '../mappings/check-json-syntax.js';
import { closestName } from '../mappings/closest-name.js';
import { ajv2020, findPackageRoot } from '../mappings/mapping-schema.js';
import { interpolateEnv } from './interpolate-env.js';

/** The file looked for in the current directory when --config is not given. */
export const CONFIG_FILE = 'sqlite2pg.config.json';
export const CONFIG_SCHEMA_FILE = 'sqlite2pg.config.schema.json';

/** Settings from the config file; absent keys are absent. Paths are absolute. */
export interface FileConfig {
  /** Absolute path of the file the settings came from. */
  readonly file: string;
  readonly target?: string;
  readonly schema?: string;
  readonly mappings?: string;
  readonly reports?: string;
  readonly lanes?: number;
  readonly chunkRows?: number;
  readonly allowQuarantine?: boolean;
  readonly orphans?: 'not-valid' | 'fail';
  readonly fold?: 'none' | 'snake' | 'lower';
  readonly diffLimit?: number;
  readonly snapshot?: { readonly enabled?: boolean; readonly dir?: string; readonly retentionDays?: number };
  /** Things worth saying that do not stop the run (a password written in clear). */
  readonly warnings: readonly string[];
}

export interface LoadConfigOptions {
  /** Whether the command connects to the target, so that `${VAR}` in it must resolve. */
  readonly needsTarget: boolean;
}

/** Keys people reach for that belong on the command line, with the reason. */
const PER_RUN_KEYS: Readonly<Record<string, string>> = {
  dryRun: 'a dry run is chosen per run: pass --dry-run on the command line',
  'dry-run': 'a dry run is chosen per run: pass --dry-run on the command line',
  keepStaging: 'keeping the staging schema is chosen per run: pass --keep-staging on the command line',
  resume: 'resuming is chosen per run: pass --resume on the command line',
  force: '--force is chosen per run, on the command line',
};

let cachedValidator: ValidateFunction | undefined;

/** Absolute path of the shipped config schema, at the package root. */
export function configSchemaPath(): string {
  return join(findPackageRoot(dirname(fileURLToPath(import.meta.url))), CONFIG_SCHEMA_FILE);
}

function validator(): ValidateFunction {
  cachedValidator ??= new (ajv2020())({ allErrors: true, verbose: true, strict: true }).compile(
    JSON.parse(readFileSync(configSchemaPath(), 'utf8')) as Record<string, unknown>,
  );
  return cachedValidator;
}

function dotPath(pointer: string): string {
  if (pointer === '') return '(top level)';
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  boolean: 'true or false',
  integer: 'a whole number',
  object: 'an object ({ ... })',
};

/** One ajv error as `path: message`. The target's value is never echoed: it may hold a password. */
function schemaMessage(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  const at = dotPath(e.instancePath);
  const shown = e.instancePath === '/target' ? 'this value' : describe(e.data);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const path = e.instancePath === '' ? key : `${at}.${key}`;
      const why = PER_RUN_KEYS[key];
      if (why !== undefined && e.instancePath === '') return `${path}: cannot be set in the config file: ${why}`;
      const allowed = Object.keys((e.parentSchema?.['properties'] as Record<string, unknown> | undefined) ?? {}).filter((k) => k !== '$schema');
      const close = closestName(key, allowed);
      return `${path}: unknown key (allowed: ${allowed.join(', ')})${close === null ? '' : `: did you mean ${JSON.stringify(close)}?`}`;
    }
    case 'type':
      return `${at}: must be ${TYPE_WORDS[String(params['type'])] ?? String(params['type'])}, not ${shown}`;
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String);
      const close = typeof e.data === 'string' ? closestName(e.data, allowed) : null;
      return `${at}: ${JSON.stringify(e.data)} is not one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}${close === null ? '' : ` (did you mean ${JSON.stringify(close)}?)`}`;
    }
    case 'minimum':
      return `${at}: must be ${String(params['limit'])} or more, not ${shown}`;
    case 'minLength':
      return `${at}: must not be empty`;
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

/**
 * Validate parsed JSON and turn it into settings. Pure apart from the cached schema: `env` is
 * only read for `${VAR}` in the target. Throws one ConfigError listing every problem.
 */
export function parseConfig(file: string, data: unknown, env: NodeJS.ProcessEnv, options: LoadConfigOptions = { needsTarget: true }): FileConfig {
  const validate = validator();
  const problems: string[] = [];
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    // A value of the wrong type fails its other keywords too: the type error says it all.
    const typed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
    for (const e of errors) {
      if (typed.has(e.instancePath) && e.keyword !== 'type') continue;
      const line = `${file}: ${schemaMessage(e)}`;
      if (!problems.includes(line)) problems.push(line);
    }
  }
  const raw = (typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {}) as Record<string, unknown>;
  const warnings: string[] = [];
  let target: string | undefined;
  // A command that never connects (plan) does not need the target's variables to be set.
  if (options.needsTarget && typeof raw['target'] === 'string' && raw['target'] !== '') {
    const t = interpolateEnv(raw['target'], env);
    for (const p of t.problems) problems.push(`${file}: target: ${p}`);
    target = t.value;
    if (t.clearPassword) warnings.push(`${file}: target: holds a password in clear; write it as \${SOME_VARIABLE} (e.g. postgres://app:\${DB_PASSWORD}@host/db) and keep the value out of the file`);
  }
  if (problems.length > 0) {
    throw new ConfigError(`${problems.length} problem${problems.length > 1 ? 's' : ''} in the config file ${file}:`, {
      problems,
      hint: `Fix them and run again; nothing was changed. The keys are described in ${CONFIG_SCHEMA_FILE}.`,
    });
  }
  const base = dirname(file);
  const path = (v: unknown): string | undefined => (typeof v === 'string' ? resolve(base, v) : undefined);
  const snap = raw['snapshot'] as Record<string, unknown> | undefined;
  const config: Record<string, unknown> = {
    file,
    target,
    schema: raw['schema'],
    mappings: path(raw['mappings']),
    reports: path(raw['reports']),
    lanes: raw['lanes'],
    chunkRows: raw['chunkRows'],
    allowQuarantine: raw['allowQuarantine'],
    orphans: raw['orphans'],
    fold: raw['fold'],
    diffLimit: raw['diffLimit'],
    snapshot: snap === undefined ? undefined : Object.freeze(dropUndefined({ enabled: snap['enabled'], dir: path(snap['dir']), retentionDays: snap['retentionDays'] })),
    warnings: Object.freeze(warnings),
  };
  return Object.freeze(dropUndefined(config)) as unknown as FileConfig;
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The config of this run: `explicit` (from --config) must exist; otherwise `sqlite2pg.config.json`
 * in `cwd` is used when present. Returns null when there is none.
 */
export async function loadConfig(explicit: string | undefined, cwd: string, env: NodeJS.ProcessEnv, options: LoadConfigOptions = { needsTarget: true }): Promise<FileConfig | null> {
  const file = resolve(cwd, explicit ?? CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && explicit === undefined) return null;
    const why = code === 'ENOENT' ? 'the file does not exist' : code === 'EISDIR' ? 'it is a directory, not a file' : `cannot read it (${code ?? String(e)})`;
    throw new ConfigError(`Cannot use the config file ${file}: ${why}.`, { problems: [`${file}: ${why}`], hint: 'Check the path given to --config (it is relative to the current directory).' });
  }
  // Editors on Windows may write a byte order mark; JSON.parse rejects it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const syntax = checkJsonSyntax(text);
  if (syntax.length > 0) {
    throw new ConfigError(`The config file ${file} is not valid JSON:`, {
      problems: syntax.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`),
      hint: 'Fix it and run again; nothing was changed.',
    });
  }
  return parseConfig(file, JSON.parse(text) as unknown, env, options);
}
