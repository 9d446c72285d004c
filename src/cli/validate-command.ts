/**
 * `sqlite2pg validate <source>`: registered by main.ts; prints what runValidate found.
 */
import { Option, type Command } from 'commander';
import { ExitCode } from '../errors.js';
import type { Output } from './output.js';

export const VALIDATE_EXIT_CODES_HELP = `
Exit codes:
  0  the mapping files are valid (warnings are printed)
  1  internal error (a bug: please report it with the stack trace)
  2  usage error (bad command line)
  3  mapping files invalid: every problem is listed
  4  source unreadable (missing, not SQLite, corrupt)`;

/** Options of the command, added to `cmd`. */
export function validateOptions(cmd: Command): Command {
  return cmd
    .description('check the mapping files and type rules against their schemas and the SQLite source, without a target (for CI)')
    .argument('<source>', 'SQLite database file (opened read-only)')
    .option('-m, --mappings <dir>', 'directory of mapping files', 'mappings')
    .option('-s, --schema <name>', 'live target schema (as migrate --schema)', 'public')
    .addOption(new Option('--fold <mode>', 'identifier case folding (as migrate --fold)').choices(['none', 'snake', 'lower']).default('none'));
}

/** Run it and print the result; returns the exit code. */
export async function validateAction(out: Output, o: { sourcePath: string; mappingsDir: string; schema: string; fold: 'none' | 'snake' | 'lower' }): Promise<number> {
  const { runValidate } = await import('../run/validate-run.js');
  const r = await runValidate(o);
  for (const w of r.warnings) out.warn(w);
  for (const n of r.notCreated) out.warn(`not created: ${n}`);
  out.result(`The mapping files in ${o.mappingsDir} are valid for ${o.sourcePath}: ${r.files} file${r.files === 1 ? '' : 's'}${r.typeRules ? ' (type rules included)' : ''}, ${r.tables} table${r.tables === 1 ? '' : 's'} planned.`);
  if (out.options.json) out.json({ exitCode: ExitCode.ok, mappings: o.mappingsDir, ...r });
  return ExitCode.ok;
}
