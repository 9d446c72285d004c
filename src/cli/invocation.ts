/**
 * The command name hints use: what the user typed. `npx sqlite2pg` only when npx ran it (npm sets
 * npm_command=exec and npm_lifecycle_script to the command it ran, which children inherit: a
 * `npx vitest` that spawns us has a different script), else the basename of the script (`sqlite2pg` when installed with
 * `npm install -g`, `sqlite2pg.js` → `sqlite2pg`).
 */
import { hostname, userInfo } from 'node:os';
import { basename } from 'node:path';
import type { TargetSettings } from '../load/target.js';
import type { Invocation } from '../model/run-result.js';
import { shellQuote } from '../report/hints.js';

export function commandName(argv1: string | undefined = process.argv[1], env: NodeJS.ProcessEnv = process.env): string {
  // npm 11 single-quotes each word of the script (`'sqlite2pg'`), npm 10 did not.
  if (env['npm_command'] === 'exec' && /^'?sqlite2pg'?(\s|$)/.test(env['npm_lifecycle_script'] ?? '')) return 'npx sqlite2pg';
  const base = argv1 ? basename(argv1).replace(/\.(c|m)?js$/, '') : '';
  return base && base !== 'main' && base !== 'node' ? base : 'sqlite2pg';
}

/** Who ran the command and how, with every secret redacted by `redact`. */
export function invocationOf(o: {
  argv: readonly string[];
  redact: (text: string) => string;
  target: TargetSettings;
  embedded: boolean;
  targetFlag: boolean;
  configFlag: string | undefined;
  schema: string;
}): Invocation {
  const words: string[] = [];
  if (o.configFlag) words.push(`--config ${shellQuote(o.configFlag)}`);
  if (o.targetFlag) words.push(`--target ${shellQuote(o.target.display)}`);
  else if (o.target.source === 'DATABASE_URL') words.push('--target "$DATABASE_URL"');
  let user = process.env['USER'] ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container's arbitrary uid): keep $USER
  }
  return {
    command: commandName(),
    argv: o.argv.map((a) => o.redact(a)),
    targetArgs: words.join(' '),
    schemaArgs: o.schema === 'public' ? '' : `--schema ${shellQuote(o.schema)}`,
    user,
    host: hostname(),
  };
}
