/**
 * sqlite2pg command line. The only module that reads argv, prints, and decides the exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, MigrateError, UsageError, type ExitCodeValue } from '../errors.js';
import { DEFAULT_EMBEDDED_DIR, readEmbeddedState, isEmbeddedRunning, startEmbedded, stopEmbedded } from '../embedded/embedded-server.js';
import { resolveTarget, targetFromUrl, type TargetSettings } from '../load/target.js';
import { migrate, type MigrateOptions } from '../run/migrate.js';
import { TOOL_VERSION } from '../version.js';
import { Output } from './output.js';
import { renderSummary, progressEvents, renderPlanSummary } from './progress.js';
import { runPlan } from '../run/plan-run.js';
import { verifyTarget } from '../run/verify-run.js';
import { runRollback, runStatus } from './admin-commands.js';

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  internal error (a bug: please report it with the stack trace)
  2  usage error (bad command line)
  3  mapping or config invalid (nothing was changed)
  4  source unreadable (missing, not SQLite, corrupt)
  5  load failed (the live schema is unchanged)
  6  verification mismatch (no cutover was done)
  7  rollback needs a human
  8  completed with quarantined rows (see the report; --allow-quarantine to accept)`;

interface CommonFlags {
  quiet?: boolean;
  json?: boolean;
  verbose?: boolean;
}

function output(flags: CommonFlags): Output {
  return new Output({ quiet: Boolean(flags.quiet), json: Boolean(flags.json), verbose: Boolean(flags.verbose) });
}

function addCommon(cmd: Command): Command {
  return cmd
    .option('-q, --quiet', 'print only the result and errors')
    .option('--json', 'print one machine-readable JSON summary on stdout (everything else on stderr)')
    .option('-v, --verbose', 'show the SQL issued (passwords redacted)');
}

function positiveInt(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number ≥ 1, not "${v}".`);
    return n;
  };
}

/** Resolve the target, starting the embedded server when none is configured. */
export async function targetOrEmbedded(flag: string | undefined, out: Output): Promise<{ target: TargetSettings; embedded: boolean }> {
  const t = resolveTarget(flag, process.env);
  if (t) {
    out.addSecrets(t.secrets);
    return { target: t, embedded: false };
  }
  out.info('No target given (--target, DATABASE_URL or PG* variables): using the embedded PostgreSQL in ./.sqlite2pg');
  const { server, startedNow } = await startEmbedded(DEFAULT_EMBEDDED_DIR);
  out.addSecrets([server.password]);
  if (startedNow) out.info(`Started embedded PostgreSQL on 127.0.0.1:${server.port}`);
  return { target: targetFromUrl(server.url, 'embedded'), embedded: true };
}

export function buildProgram(setExit: (code: ExitCodeValue) => void): Command {
  const program = new Command('sqlite2pg')
    .description("Move an application's SQLite database into PostgreSQL in one maintenance window, and prove nothing was lost.")
    .version(TOOL_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Examples:
  $ sqlite2pg migrate app.db                                    # into the embedded PostgreSQL (zero setup)
  $ sqlite2pg plan app.db                                       # profile the data, write mappings/<table>.json
  $ sqlite2pg migrate app.db --target postgres://u@db/app --dry-run
  $ sqlite2pg migrate app.db --target postgres://u@db/app       # load, verify, cut over
  $ sqlite2pg rollback --target postgres://u@db/app             # undo the last cutover
${EXIT_CODES_HELP}`);

  addCommon(
    program
      .command('migrate')
      .description('load the SQLite database into a staging schema, verify it, then cut over atomically')
      .argument('<source>', 'SQLite database file')
      .option('-t, --target <url>', 'PostgreSQL URL (default: $DATABASE_URL, then PG* variables, then the embedded server)')
      .option('-s, --schema <name>', 'live target schema', 'public')
      .option('-m, --mappings <dir>', 'directory of mapping files', 'mappings')
      .option('--dry-run', 'do everything but the cutover: load, verify and report, then drop the staging schema')
      .option('--keep-staging', 'with --dry-run (or a failed run): keep the staging schema for inspection')
      .option('--resume', 'continue the newest interrupted run of this schema: completed tables are kept, the rest reloaded')
      .option('--allow-quarantine', 'cut over and exit 0 even when rows were quarantined')
      .addOption(new Option('--orphans <policy>', 'foreign keys whose rows reference nothing').choices(['not-valid', 'fail']).default('not-valid'))
      .addOption(new Option('--fold <mode>', 'identifier case folding for names without a mapping').choices(['none', 'snake', 'lower']).default('none'))
      .option('--lanes <n>', 'parallel COPY connections', positiveInt('lanes'), 2)
      .option('--chunk-rows <n>', 'rows per range when splitting big tables across lanes', positiveInt('chunk-rows'), 250_000)
      .option('--reports <dir>', 'where reports and quarantine files go', 'reports')
      .option('--diff-limit <n>', 'differing rows listed per table when verification fails', positiveInt('diff-limit'), 100)
      .option('--no-snapshot', 'read the source directly instead of a consistent snapshot')
      .option('--snapshot-dir <dir>', 'where source snapshots are kept', '.sqlite2pg/snapshots')
      .option('--snapshot-retention-days <n>', 'delete snapshots older than this', positiveInt('snapshot-retention-days'), 30)
      .addHelpText('after', `
Examples:
  $ sqlite2pg migrate examples/shop.db --mappings examples/shop-mappings
  $ sqlite2pg migrate app.db --target postgres://app@db.internal/app --dry-run --keep-staging
${EXIT_CODES_HELP}`),
  ).action(async (source: string, flags: CommonFlags & Record<string, unknown>) => {
    const out = output(flags);
    const { target, embedded } = await targetOrEmbedded(flags['target'] as string | undefined, out);
    const controller = new AbortController();
    const onSignal = (sig: string): void => {
      out.warn(`${sig} received: stopping after the current batch; the live schema is not touched.`);
      controller.abort();
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    const opts: MigrateOptions = {
      sourcePath: source,
      target,
      embedded,
      schema: flags['schema'] as string,
      mappingsDir: flags['mappings'] as string,
      mode: flags['dryRun'] ? 'dry-run' : 'cutover',
      keepStaging: Boolean(flags['keepStaging']),
      resume: Boolean(flags['resume']),
      lanes: flags['lanes'] as number,
      chunkRows: flags['chunkRows'] as number,
      reportsDir: flags['reports'] as string,
      allowQuarantine: Boolean(flags['allowQuarantine']),
      diffLimit: flags['diffLimit'] as number,
      orphans: flags['orphans'] as 'not-valid' | 'fail',
      fold: flags['fold'] as 'none' | 'snake' | 'lower',
      snapshot: { enabled: flags['snapshot'] !== false, dir: flags['snapshotDir'] as string, retentionDays: flags['snapshotRetentionDays'] as number },
      events: progressEvents(out),
      signal: controller.signal,
    };
    const r = await migrate(opts);
    renderSummary(out, r, embedded);
    if (flags.json) out.json({ exitCode: r.exitCode, report: r.reportPath, reportJson: r.jsonPath, ...r.result });
    setExit(r.exitCode);
  });

  addCommon(
    program
      .command('plan')
      .description('profile the data and write (or --check) one mapping file per table with proposed casts and the evidence')
      .argument('<source>', 'SQLite database file')
      .option('-m, --mappings <dir>', 'directory of mapping files', 'mappings')
      .option('--sample <n>', 'profile only the first N rows of each table', positiveInt('sample'))
      .option('--check', 'write nothing; exit 3 if the files differ from what plan would write')
      .option('--force', 'overwrite hand-edited mapping files')
      .addHelpText('after', `
Examples:
  $ sqlite2pg plan app.db                      # writes mappings/<table>.json
  $ sqlite2pg plan app.db --check              # in CI: are the mapping files up to date?
`),
  ).action(async (source: string, flags: CommonFlags & { mappings: string; sample?: number; check?: boolean; force?: boolean }) => {
    const out = output(flags);
    const r = await runPlan({ sourcePath: source, mappingsDir: flags.mappings, sample: flags.sample ?? null, check: Boolean(flags.check), force: Boolean(flags.force), onTable: (t, n) => out.verbose(`profiling ${t} (${n} rows)`) });
    renderPlanSummary(out, r, flags.mappings, Boolean(flags.check));
    if (flags.json) out.json({ tables: r.tables.map(({ profile: _p, ...t }) => t), files: r.files });
    if (flags.check && r.files.wouldChange.length) setExit(ExitCode.config);
  });

  addCommon(
    program
      .command('verify')
      .description('compare an already-migrated target with the source: row counts, checksums, differing rows')
      .argument('<source>', 'SQLite database file')
      .option('-t, --target <url>', 'PostgreSQL URL (default: $DATABASE_URL, then PG* variables, then the embedded server)')
      .option('-s, --schema <name>', 'live target schema', 'public')
      .option('-m, --mappings <dir>', 'directory of mapping files (the ones used for the migration)', 'mappings')
      .addOption(new Option('--fold <mode>', 'identifier case folding used for the migration').choices(['none', 'snake', 'lower']).default('none'))
      .option('--reports <dir>', 'where the verification report goes', 'reports')
      .option('--diff-limit <n>', 'differing rows listed per table', positiveInt('diff-limit'), 100)
      .addHelpText('after', `
Examples:
  $ sqlite2pg verify app.db --target postgres://app@db.internal/app
${EXIT_CODES_HELP}`),
  ).action(async (source: string, flags: CommonFlags & Record<string, unknown>) => {
    const out = output(flags);
    const { target, embedded } = await targetOrEmbedded(flags['target'] as string | undefined, out);
    const r = await verifyTarget({
      sourcePath: source,
      target,
      embedded,
      schema: flags['schema'] as string,
      mappingsDir: flags['mappings'] as string,
      fold: flags['fold'] as 'none' | 'snake' | 'lower',
      reportsDir: flags['reports'] as string,
      diffLimit: flags['diffLimit'] as number,
      onTable: (t, ok) => out.info(`  ${ok ? '✔' : out.color.red('✖')} ${t}`),
    });
    renderSummary(out, r, false);
    if (flags.json) out.json({ exitCode: r.exitCode, report: r.reportPath, reportJson: r.jsonPath, ...r.result });
    setExit(r.exitCode);
  });

  addCommon(
    program
      .command('status')
      .description('list runs recorded in the target and what state the live schema is in')
      .option('-t, --target <url>', 'PostgreSQL URL (default: $DATABASE_URL, PG* variables, embedded)')
      .option('-s, --schema <name>', 'live target schema'),
  ).action(async (flags: CommonFlags & { target?: string; schema?: string }) => {
    const out = output(flags);
    const { target } = await targetOrEmbedded(flags.target, out);
    setExit(await runStatus(out, target, flags.schema));
  });

  addCommon(
    program
      .command('rollback')
      .description('restore the state before a cutover, in one transaction')
      .option('-t, --target <url>', 'PostgreSQL URL (default: $DATABASE_URL, PG* variables, embedded)')
      .option('-s, --schema <name>', 'live target schema', 'public')
      .option('--run <id>', 'the run to roll back (default: the last cutover of the schema)')
      .option('--force', 'roll back even though the migrated tables were written to after the cutover'),
  ).action(async (flags: CommonFlags & { target?: string; schema: string; run?: string; force?: boolean }) => {
    const out = output(flags);
    const { target } = await targetOrEmbedded(flags.target, out);
    setExit(await runRollback(out, target, { schema: flags.schema, runId: flags.run ?? null, force: Boolean(flags.force) }));
  });

  const embedded = program.command('embedded').description('manage the embedded PostgreSQL in ./.sqlite2pg (the default target)');
  embedded
    .command('start')
    .description('start it in the background (initialising it on first use)')
    .action(async () => {
      const { server, startedNow } = await startEmbedded(DEFAULT_EMBEDDED_DIR);
      process.stdout.write(`${startedNow ? 'Started' : 'Already running'}: embedded PostgreSQL on 127.0.0.1:${server.port} (data in ${server.dataDir}).\nConnection URL: npx sqlite2pg embedded url\n`);
    });
  embedded
    .command('stop')
    .description('stop it')
    .action(async () => {
      const stopped = await stopEmbedded(DEFAULT_EMBEDDED_DIR);
      process.stdout.write(stopped ? 'Stopped the embedded PostgreSQL.\n' : 'The embedded PostgreSQL was not running.\n');
    });
  embedded
    .command('url')
    .description('print its connection URL (includes the password: it is a local throwaway server)')
    .action(async () => {
      const s = await readEmbeddedState(DEFAULT_EMBEDDED_DIR);
      if (!s) throw new UsageError('There is no embedded PostgreSQL here yet.', { hint: 'Run: npx sqlite2pg embedded start' });
      process.stdout.write(`${s.url}\n`);
    });
  embedded
    .command('status')
    .description('say whether it is running')
    .action(async () => {
      const s = await readEmbeddedState(DEFAULT_EMBEDDED_DIR);
      const running = s ? await isEmbeddedRunning(s) : false;
      process.stdout.write(s ? `${running ? 'running' : 'stopped'}: 127.0.0.1:${s.port}, data in ${s.dataDir}\n` : 'not initialised (npx sqlite2pg embedded start)\n');
    });
  return program;
}

/** Run the CLI; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  let exit: ExitCodeValue = ExitCode.ok;
  const program = buildProgram((c) => (exit = c));
  program.exitOverride();
  program.commands.forEach(function deep(c: Command): void {
    c.exitOverride();
    c.commands.forEach(deep);
  });
  const out = new Output({ quiet: false, json: false, verbose: false });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; commander's parse errors (its default is 1) are usage errors.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    if (e instanceof MigrateError) {
      out.error(out.color.red(`error: ${e.message}`));
      for (const p of e.problems) out.error(`  - ${p}`);
      if (e.hint) out.error(`  ${e.hint}`);
      return e.exitCode;
    }
    out.error(out.color.red(`internal error: ${(e as Error)?.stack ?? String(e)}`));
    out.error('This is a bug in sqlite2pg: please report it with the lines above.');
    return ExitCode.internal;
  }
}
