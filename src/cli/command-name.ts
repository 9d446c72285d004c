/**
 * The command name hints use: what the user typed. `npx sqlite2pg` only when npx ran it (npm sets
 * npm_command=exec and npm_lifecycle_script to the command it ran, which children inherit: a
 * `npx vitest` that spawns us has a different script), else the basename of the script (`sqlite2pg` when installed with
 * `npm install -g`, `sqlite2pg.js` → `sqlite2pg`).
 */
import { basename } from 'node:path';

export function commandName(argv1: string | undefined = process.argv[1], env: NodeJS.ProcessEnv = process.env): string {
  if (env['npm_command'] === 'exec' && /^sqlite2pg(\s|$)/.test(env['npm_lifecycle_script'] ?? '')) return 'npx sqlite2pg';
  const base = argv1 ? basename(argv1).replace(/\.(c|m)?js$/, '') : '';
  return base && base !== 'main' && base !== 'node' ? base : 'sqlite2pg';
}
