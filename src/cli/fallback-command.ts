/**
 * `sqlite2pg fallback app.db`: bring the application's writes since the cutover back into the
 * SQLite file, then move the migrated tables aside (run/fallback-run.ts). `--forget` removes the
 * capture once the migration is accepted.
 */
import { Option, type Command } from 'commander';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import type { TargetSettings } from '../load/target.js';
import type { FileConfig } from '../config/load-config.js';
import type { FallbackOutcome } from '../run/fallback-run.js';
import type { Output } from './output.js';

interface Flags {
  target?: string;
  run?: string;
  dryRun?: boolean;
  forget?: boolean;
  inexact: 'fail' | 'nearest';
  lockTimeout: string;
  reports: string;
  quiet?: boolean;
  json?: boolean;
  verbose?: boolean;
  config?: string;
}

export interface FallbackCommandDeps {
  addCommon(cmd: Command): Command;
  setUp(flags: Flags): Promise<{ out: Output; config: FileConfig | null }>;
  targetOrEmbedded(flag: string | undefined, config: FileConfig | null, out: Output): Promise<{ target: TargetSettings; embedded: boolean }>;
  setExit(code: ExitCodeValue): void;
  help: string;
}

export function addFallbackCommand(program: Command, deps: FallbackCommandDeps): void {
  deps
    .addCommon(
      program
        .command('fallback')
        .description('write every change made in PostgreSQL since the cutover back into the SQLite file, prove it, then move the migrated tables aside')
        .argument('[source]', 'the SQLite database file that was migrated')
        .option('-t, --target <url>', 'PostgreSQL URL (as for migrate)')
        .option('-s, --schema <name>', 'live target schema', 'public')
        .option('--run <id>', 'the run to fall back from (default: the live cutover of the schema)')
        .option('--dry-run', 'read and convert everything and list what cannot go back exactly; write nothing')
        .option('--forget', 'the migration is accepted: remove the capture triggers and the recorded changes (fallback is then impossible)')
        .addOption(new Option('--inexact <policy>', 'a value the SQLite format cannot hold exactly: refuse (exit 10) or write the nearest value and list it').choices(['fail', 'nearest']).default('fail'))
        .option('--lock-timeout <ms>', 'how long the fence waits for write transactions of the application in PostgreSQL', '10000')
        .option('--reports <dir>', 'where the fallback report goes', 'reports')
        .addHelpText('after', `
Stop the application first: fallback takes SQLite's write lock on the file and a lock in PostgreSQL
that blocks writes to the migrated tables (reads continue) for its whole duration.

Examples:
  $ sqlite2pg fallback app.db --target "$DATABASE_URL" --dry-run
  $ sqlite2pg fallback app.db --target "$DATABASE_URL"
  $ sqlite2pg fallback --forget --target "$DATABASE_URL"
${deps.help}`),
    )
    .action(async (source: string | undefined, flags: Flags) => {
      const { out, config } = await deps.setUp(flags);
      const { target } = await deps.targetOrEmbedded(flags.target, config, out);
      const schema = flags['schema' as keyof Flags] as string;
      if (flags.forget) {
        const { forgetCapture } = await import('../run/fallback-run.js');
        const r = await forgetCapture(target, schema, flags.run ?? null, (s) => out.verbose(s));
        out.result(`Capture of run ${r.runId} removed: ${r.triggers} triggers dropped, ${r.changes} recorded changes deleted. Fallback to SQLite is no longer possible for this run; rollback needs --force.`);
        if (out.options.json) out.json({ exitCode: ExitCode.ok, runId: r.runId, triggers: r.triggers, changes: r.changes });
        deps.setExit(ExitCode.ok);
        return;
      }
      if (!source) throw new UsageError('fallback needs the SQLite file to write back into: sqlite2pg fallback <app.db>.', { hint: 'Pass the database file that was migrated.' });
      const lockTimeoutMs = Number(flags.lockTimeout);
      if (!Number.isInteger(lockTimeoutMs) || lockTimeoutMs < 1) throw new UsageError(`--lock-timeout must be a whole number of milliseconds ≥ 1, not "${flags.lockTimeout}".`);
      const { runFallback } = await import('../run/fallback-run.js');
      const r = await runFallback({ sourcePath: source, target, schema, runId: flags.run ?? null, dryRun: Boolean(flags.dryRun), inexact: flags.inexact, lockTimeoutMs, busyMs: 2000, log: (s) => out.verbose(s) });
      const reportPath = await writeFallbackReport(flags.reports, r).catch((e: Error) => {
        out.warn(`the fallback report could not be written (${e.message}); the summary below is complete`);
        return null;
      });
      out.result(await renderFallback(r, reportPath));
      const code = r.dryRun && r.inexactCount > 0 ? ExitCode.fallbackLossy : ExitCode.ok;
      if (out.options.json) out.json({ exitCode: code, report: reportPath, ...r });
      deps.setExit(code);
    });
}

/** The per-table summary, as printed and as in the report. */
export async function renderFallback(r: FallbackOutcome, reportPath: string | null): Promise<string> {
  const { describeInexact } = await import('../run/fallback-run.js');
  const lines: string[] = [];
  lines.push(r.dryRun ? `DRY RUN: fallback of run ${r.runId} into ${r.sourcePath} (nothing was written)` : `Fallback of run ${r.runId}: the changes are in ${r.sourcePath}, proven, and the migrated tables were moved to ${r.aside}.`);
  lines.push('', 'table | mode | changed keys | inserted | updated | deleted | unchanged | proven | ms');
  for (const t of r.tables) lines.push(`${t.table} | ${t.mode} | ${t.changedKeys} | ${t.inserted} | ${t.updated} | ${t.deleted} | ${t.unchanged} | ${t.proven} | ${t.ms}`);
  if (r.tables.length === 0) lines.push('(no table was written to in PostgreSQL since the cutover)');
  lines.push('', `fence ${r.fenceMs} ms, write-back and proof ${r.writeMs} ms, total ${r.ms} ms`);
  for (const s of r.sequencesRaised) lines.push(s);
  if (r.fenceTriggersDropped.length) lines.push(`online cutover fence triggers dropped from the file: ${r.fenceTriggersDropped.join(', ')}`);
  if (r.tables.some((t) => t.mode === 'rewrite')) lines.push('Tables marked "rewrite" were truncated in PostgreSQL (or have no key): they were emptied and rewritten from PostgreSQL, proven by count and checksum.');
  if (r.tables.length) lines.push('jsonb values are written back in jsonb\'s own text form: equivalent JSON, but key order, duplicate keys and whitespace of the original text are not kept.');
  if (r.inexactCount) {
    lines.push('', `${r.inexactCount} value(s) cannot go back exactly${r.inexact.length < r.inexactCount ? ` (first ${r.inexact.length} listed)` : ''}:`);
    for (const v of r.inexact) lines.push(`  - ${describeInexact(v)}`);
  }
  if (reportPath) lines.push('', `report: ${reportPath}`);
  return lines.join('\n');
}

/** The fallback's report, `<YYYYMMDD-HHMMSS-mmm>-<db>-fallback[-dry-run].json`, written as every report is (never over another). */
export async function writeFallbackReport(dir: string, r: FallbackOutcome): Promise<string> {
  const { commandReportStem, writeReportFiles } = await import('../run/write-report.js');
  const [path] = await writeReportFiles(dir, commandReportStem(new Date(r.startedAt), r.sourcePath, 'fallback', r.dryRun), [{ ext: '.json', text: `${JSON.stringify(r, null, 2)}\n` }]);
  return path!;
}
