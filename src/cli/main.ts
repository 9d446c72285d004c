/**
 * sqlite2pg command line. The only module that reads argv, prints, and decides the exit code.
 */
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, MigrateError, UsageError, type ExitCodeValue } from '../errors.js';
import { reservedSchemaProblem } from '../plan/check-names.js';
import type { TargetSettings } from '../load/target.js';
import type { MigrateOptions, RunOutcome } from '../run/migrate.js';
import { renderJson } from '../report/render-json.js';
import { TOOL_VERSION } from '../version.js';
import { CONFIG_FILE, CONFIG_SCHEMA_FILE, loadConfig, type FileConfig } from '../config/load-config.js';
import type { Output } from './output.js';
import { commandName, invocationOf } from './invocation.js';
import { personalizeHint, shellQuote } from '../report/hints.js';
import type { Invocation } from '../model/run-result.js';
import { renderSummary, progressEvents, renderPlanSummary } from './progress.js';
import { VALIDATE_EXIT_CODES_HELP, validateAction, validateOptions } from './validate-command.js';
import { addFallbackCommand } from './fallback-command.js';
import { registerOnlineCommands } from './online-commands.js';

// What a command runs is imported when it runs (`await import` in its action): `--version`,
// `--help` and a usage error then load commander and the help texts only, and a command loads
// its own stages, not every other command's (pg, better-sqlite3, ajv, listr2, the embedded server).

/** Output (chalk, and the target's redaction in load/target.js, which loads pg). */
async function newOutput(options: ConstructorParameters<typeof Output>[0]): Promise<Output> {
  const { Output } = await import('./output.js');
  return new Output(options);
}

const EXIT_CODE_TEXT: Record<number, string> = {
  0: 'success',
  1: 'internal error (a bug: please report it with the stack trace)',
  2: 'usage error (bad command line, or no target to read)',
  3: 'mapping or config invalid (nothing was changed)',
  4: 'source unreadable (missing, not SQLite, truncated, corrupt, locked, needs recovery)',
  5: 'target unreachable, or load failed (the live schema is unchanged)',
  6: 'verification mismatch (no cutover was done)',
  7: 'rollback needs a human',
  8: 'NOT CUT OVER: rows were quarantined (read the quarantine files; --allow-quarantine to accept)',
  9: 'the cutover IS done, but the report could not be written',
  10: 'fallback refused: a PostgreSQL value cannot go back into SQLite exactly',
  11: 'the source schema changed during the run (or online capture broke): no cutover',
};

/** The "Exit codes:" block of a command's --help: only the codes that command can return. */
export function exitCodesHelp(codes: readonly number[]): string {
  return `\nExit codes:\n${codes.map((c) => `  ${String(c).padEnd(2)} ${EXIT_CODE_TEXT[c]}`).join('\n')}`;
}

export const EXIT_CODES_HELP = exitCodesHelp([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

const CONFIG_HELP = `
Configuration:
  Flags can also be set in ${CONFIG_FILE} in the current directory (or --config <file>),
  checked against ${CONFIG_SCHEMA_FILE}: target, schema, mappings, reports, lanes,
  chunkRows, allowQuarantine, orphans, fold, diffLimit, snapshot.{enabled,dir,retentionDays}.
  A flag wins over the file. Target: --target, then the file's "target", then $DATABASE_URL,
  then the PG* variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), then the embedded
  PostgreSQL. Keep passwords out of the file: "target": "postgres://app:\${DB_PASSWORD}@db/app".`;

const OUTPUT_HELP = `
Output:
  Progress goes to stderr: a live task list on a terminal; plain timestamped lines when stderr
  is not a terminal or CI is set (no colours with NO_COLOR). The result goes to stdout; with
  --json, stdout holds exactly one JSON object (also on failure: {"exitCode", "error"}).`;

const TARGET_FLAG_HELP = 'PostgreSQL URL (default: the config file\'s "target", then $DATABASE_URL, then PG* variables, then the embedded server)';

interface CommonFlags {
  quiet?: boolean;
  json?: boolean;
  verbose?: boolean;
  config?: string;
}

/** What main() needs back from an action: the exit code, and the Output that knows the secrets. */
class CliState {
  exit: ExitCodeValue = ExitCode.ok;
  out: Output | null = null;
  /** The arguments as given, for the report's record of the command line. */
  argv: readonly string[] = [];
  /** How the command was run, and its source file: what error hints build their commands from. */
  invocation: Invocation | null = null;
  source: string | null = null;
}

function addCommon(cmd: Command): Command {
  return cmd
    .option('-q, --quiet', 'print only the result, warnings and errors')
    .option('--json', 'print one machine-readable JSON object on stdout (everything else on stderr)')
    .option('-v, --verbose', 'show the SQL issued (passwords redacted); progress as plain lines')
    .option('-c, --config <file>', `config file (default: ./${CONFIG_FILE} when it exists)`);
}

function positiveInt(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number ≥ 1, not "${v}".`);
    return n;
  };
}

/** A setting: the flag when it was given on the command line, else the config file, else the flag's default. */
function setting<T>(cmd: Command, key: string, fromConfig: T | undefined): T {
  if (cmd.getOptionValueSource(key) === 'cli' || fromConfig === undefined) return cmd.getOptionValue(key) as T;
  return fromConfig;
}

/** The live schema: refused up front (exit 2) when sqlite2pg or PostgreSQL keeps that name for itself. */
function schemaSetting<T extends string | undefined>(cmd: Command, fromConfig: string | undefined, o: { readOnly?: boolean } = {}): T {
  const schema = setting<T>(cmd, 'schema', fromConfig as T);
  const problem = schema === undefined ? null : reservedSchemaProblem(schema, o);
  if (problem) throw new UsageError(`--schema ${JSON.stringify(schema)} cannot be used: ${problem}.`, { hint: 'Pass the schema the application uses (default: public).' });
  return schema;
}

/** The mappings directory; one named on the command line or in the config file must exist (exit 3). */
async function mappingsSetting(cmd: Command, fromConfig: string | undefined): Promise<string> {
  const dir = setting<string>(cmd, 'mappings', fromConfig);
  if (cmd.getOptionValueSource('mappings') === 'cli' || fromConfig !== undefined) await (await import('../mappings/load-mappings.js')).requireMappingsDir(dir);
  return dir;
}

/** Output for a command, the config file (if any), and its warnings said once. */
async function setUp(flags: CommonFlags, state: CliState, needsTarget = true): Promise<{ out: Output; config: FileConfig | null }> {
  const out = await newOutput({ quiet: Boolean(flags.quiet), json: Boolean(flags.json), verbose: Boolean(flags.verbose) });
  state.out = out;
  const config = await loadConfig(flags.config, process.cwd(), process.env, { needsTarget });
  if (config) {
    out.verbose(`config: ${config.file}`);
    for (const w of config.warnings) out.warn(w);
  }
  return { out, config };
}

/**
 * Resolve the target (flag → config file → DATABASE_URL → PG*), starting the embedded server when
 * none is configured.
 */
export async function targetOrEmbedded(flag: string | undefined, config: FileConfig | null, out: Output, existing: { command: string; args?: string } | null = null): Promise<{ target: TargetSettings; embedded: boolean }> {
  const { resolveTarget, targetFromUrl } = await import('../load/target.js');
  const t = flag ? targetFromUrl(flag, 'flag') : config?.target ? targetFromUrl(config.target, 'flag') : resolveTarget(undefined, process.env);
  if (t) {
    out.addSecrets(t.secrets);
    out.verbose(`target: ${t.display} (from ${flag ? '--target' : config?.target ? config.file : t.source})`);
    return { target: t, embedded: false };
  }
  const { DEFAULT_EMBEDDED_DIR, readEmbeddedState, startEmbedded } = await import('../embedded/embedded-server.js');
  if (existing && !(await readEmbeddedState(DEFAULT_EMBEDDED_DIR))) {
    // Commands that read what a migration left must not start a new, empty server and find nothing there.
    throw new UsageError(`No target given, and there is no embedded PostgreSQL in this folder (${resolve(DEFAULT_EMBEDDED_DIR)}): ${existing.command} needs the database a migration went into.`, {
      hint: `Pass it: ${commandName()} ${existing.command}${existing.args ? ` ${existing.args}` : ''} --target 'postgres://user:***@host:5432/db' (or set DATABASE_URL, the PG* variables, or "target" in ${CONFIG_FILE}), or run it from the folder where you ran migrate with the embedded server.`,
    });
  }
  out.info('No target given (--target, config file, DATABASE_URL or PG* variables): using the embedded PostgreSQL in ./.sqlite2pg');
  const { server, startedNow } = await startEmbedded(DEFAULT_EMBEDDED_DIR);
  out.addSecrets([server.password]);
  if (startedNow) out.info(`Started embedded PostgreSQL on 127.0.0.1:${server.port}`);
  return { target: targetFromUrl(server.url, 'embedded'), embedded: true };
}

/** Record how this command was run (for the report and for copy-paste-ready hints in errors). */
function remember(state: CliState, out: Output, source: string | null, o: { target: TargetSettings; embedded: boolean; flags: CommonFlags & { target?: unknown }; schema: string }): Invocation {
  const inv = invocationOf({ argv: state.argv, redact: (t) => out.redact(t), target: o.target, embedded: o.embedded, targetFlag: typeof o.flags.target === 'string', configFlag: o.flags.config, schema: o.schema });
  state.invocation = inv;
  state.source = source;
  return inv;
}

/** The --json object of a run: its exit code, report paths, and the report JSON itself (same key order). */
function runJson(r: RunOutcome): Record<string, unknown> {
  return { exitCode: r.exitCode, report: r.reportPath, reportJson: r.jsonPath, ...(JSON.parse(renderJson(r.result)) as Record<string, unknown>) };
}

export function buildProgram(state: CliState = new CliState()): Command {
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
  $ sqlite2pg verify app.db --target postgres://u@db/app        # compare again, e.g. the morning after
  $ sqlite2pg status --target postgres://u@db/app               # runs recorded in the target
  $ sqlite2pg rollback --target postgres://u@db/app             # undo the last cutover
  $ sqlite2pg migrate app.db --json | jq .outcome               # for scripts

Run sqlite2pg <command> --help for the flags of a command.
${CONFIG_HELP}
${OUTPUT_HELP}
${EXIT_CODES_HELP}`);

  addCommon(
    program
      .command('migrate')
      .description('load the SQLite database into a staging schema, verify it, then cut over atomically')
      .argument('<source>', 'SQLite database file')
      .option('-t, --target <url>', TARGET_FLAG_HELP)
      .option('-s, --schema <name>', 'live target schema', 'public')
      .option('-m, --mappings <dir>', 'directory of mapping files', 'mappings')
      .option('--dry-run', 'do everything but the cutover: load, verify and report, then drop the staging schema')
      .option('--keep-staging', 'with --dry-run (or a failed run): keep the staging schema for inspection')
      .option('--resume', 'continue the newest interrupted run of this schema: completed tables are kept, the rest reloaded')
      .option('--allow-quarantine', 'cut over and exit 0 even when rows were quarantined')
      .addOption(new Option('--orphans <policy>', 'foreign keys whose rows reference nothing').choices(['not-valid', 'fail']).default('not-valid'))
      .addOption(new Option('--fold <mode>', 'identifier case folding for names without a mapping').choices(['none', 'snake', 'lower']).default('none'))
      .option('--lanes <n>', 'parallel COPY connections', positiveInt('lanes'), 2)
      .option('--chunk-rows <n>', 'rows per range when splitting big tables across lanes', positiveInt('chunk-rows'), 100_000)
      .option('--reports <dir>', 'where reports and quarantine files go', 'reports')
      .option('--diff-limit <n>', 'differing rows listed per table when verification fails', positiveInt('diff-limit'), 100)
      .option('--no-snapshot', 'read the source directly instead of a consistent snapshot')
      .option('--snapshot-dir <dir>', 'where source snapshots are kept', '.sqlite2pg/snapshots')
      .option('--snapshot-retention-days <n>', 'delete snapshots older than this (only those sqlite2pg listed in its manifest)', positiveInt('snapshot-retention-days'), 30)
      .option('--keep-snapshot', 'keep the snapshot even when the run does not cut over (dry run, failure, quarantine stop)')
      .option('--skip-integrity-check', 'do not run PRAGMA quick_check on the source before loading (huge files; reported as skipped)')
      .option('--no-fallback-capture', 'do not install the key-capture triggers at cutover (then rollback needs --force and fallback is impossible)')
      .addHelpText('after', `
Examples:
  $ sqlite2pg migrate examples/shop.db --mappings examples/shop-mappings
  $ sqlite2pg migrate app.db --target postgres://app@db.internal/app --dry-run --keep-staging
  $ PGPASSWORD=… sqlite2pg migrate app.db --target postgres://app@db.internal/app --lanes 4
  $ sqlite2pg migrate app.db --config deploy/sqlite2pg.config.json --json > result.json
${CONFIG_HELP}
${OUTPUT_HELP}
${exitCodesHelp([0, 1, 2, 3, 4, 5, 6, 8, 9, 11])}`),
  ).action(async (source: string, flags: CommonFlags & Record<string, unknown>, cmd: Command) => {
    const { out, config } = await setUp(flags, state);
    const { target, embedded } = await targetOrEmbedded(flags['target'] as string | undefined, config, out);
    const invocation = remember(state, out, source, { target, embedded, flags, schema: setting(cmd, 'schema', config?.schema) });
    const controller = new AbortController();
    const onSignal = (sig: NodeJS.Signals): void => {
      if (controller.signal.aborted) {
        // A second interrupt: stop now. The cutover is one transaction, so the live schema is
        // either untouched or fully switched; the journal says which (sqlite2pg status).
        out.error(`${sig} received again: exiting now. ${personalizeHint('Check with: sqlite2pg status; continue with: sqlite2pg migrate <source> --resume', invocation, source)}`);
        process.exit(130);
      }
      out.warn(`${sig} received: stopping after the current batch; the live schema is not touched. Press Ctrl-C again to exit at once.`);
      controller.abort();
    };
    // `on` for the whole run, not `once`: the live display's cursor handling (signal-exit) kills
    // the process on a signal that no other listener is left to handle, and a `once` listener is
    // removed before the others run.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // The live task list needs a terminal; --verbose streams SQL, which reads better as plain lines.
    // (A terminal too narrow to draw on, e.g. a pty of 0 columns, also gets the plain lines.)
    const live = out.tty && (process.stderr.columns ?? 0) >= 40 && !flags.quiet && !flags.verbose ? new (await import('./live-progress.js')).LiveProgress(out) : null;
    const snap = config?.snapshot;
    const opts: MigrateOptions = {
      sourcePath: source,
      target,
      embedded,
      schema: schemaSetting<string>(cmd, config?.schema),
      mappingsDir: await mappingsSetting(cmd, config?.mappings),
      mode: flags['dryRun'] ? 'dry-run' : 'cutover',
      keepStaging: Boolean(flags['keepStaging']),
      resume: Boolean(flags['resume']),
      lanes: setting(cmd, 'lanes', config?.lanes),
      chunkRows: setting(cmd, 'chunkRows', config?.chunkRows),
      reportsDir: setting(cmd, 'reports', config?.reports),
      allowQuarantine: Boolean(setting(cmd, 'allowQuarantine', config?.allowQuarantine)),
      diffLimit: setting(cmd, 'diffLimit', config?.diffLimit),
      orphans: setting(cmd, 'orphans', config?.orphans),
      fold: setting(cmd, 'fold', config?.fold),
      snapshot: {
        enabled: setting(cmd, 'snapshot', snap?.enabled) !== false,
        dir: setting(cmd, 'snapshotDir', snap?.dir),
        retentionDays: setting(cmd, 'snapshotRetentionDays', snap?.retentionDays),
        keep: Boolean(flags['keepSnapshot']),
      },
      skipIntegrityCheck: Boolean(flags['skipIntegrityCheck']),
      fallbackCapture: flags['fallbackCapture'] !== false,
      events: live ? live.events : progressEvents(out),
      signal: controller.signal,
      invocation,
    };
    live?.start();
    let r: RunOutcome;
    try {
      r = await (await import('../run/migrate.js')).migrate(opts);
    } catch (e) {
      await live?.finish(e);
      throw e;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await live?.finish();
    renderSummary(out, r, embedded);
    if (r.reportError) {
      const done = r.result.cutover.performed;
      out.error(out.color.red(`error: the report could not be written to ${r.reportPath} (${r.reportError}).`));
      if (done) {
        out.error(out.color.bold('The cutover IS done: the live schema now holds the migrated, verified tables. Nothing needs to be rerun.'));
        if (r.result.cutover.rollbackCommand) out.error(`  to undo it: ${r.result.cutover.rollbackCommand}`);
        out.error('  Keep this output (the summary is on stdout; sqlite2pg status lists the run as cut-over) as the record of the run, and free space in the reports directory.');
      } else {
        out.error('  No cutover was done: the live schema is unchanged. Free space in the reports directory and run again.');
      }
    }
    if (flags.json) out.json(runJson(r));
    state.exit = r.exitCode;
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
      .option('-s, --schema <name>', 'live target schema the schema.sql preview is written for', 'public')
      .addOption(new Option('--fold <mode>', 'identifier case folding the preview uses (as migrate --fold)').choices(['none', 'snake', 'lower']).default('none'))
      .addHelpText('after', `
Examples:
  $ sqlite2pg plan app.db                      # writes mappings/<table>.json, types.rules.json, schema.sql
  $ sqlite2pg plan app.db --sample 100000      # faster on a big database
  $ sqlite2pg plan app.db --check              # in CI: are the mapping files up to date?
${CONFIG_HELP}
${exitCodesHelp([0, 1, 2, 3, 4])}`),
  ).action(async (source: string, flags: CommonFlags & { sample?: number; check?: boolean; force?: boolean }, cmd: Command) => {
    const { out, config } = await setUp(flags, state, false);
    const mappings = setting<string>(cmd, 'mappings', config?.mappings);
    const { runPlan } = await import('../run/plan-run.js');
    const r = await runPlan({ sourcePath: source, mappingsDir: mappings, sample: flags.sample ?? null, check: Boolean(flags.check), force: Boolean(flags.force), schema: setting(cmd, 'schema', config?.schema), fold: setting(cmd, 'fold', config?.fold), onTable: (t, n) => out.verbose(`profiling ${t} (${n === 1 ? '1 row' : `${n} rows`})`) });
    renderPlanSummary(out, r, mappings, Boolean(flags.check), source);
    const exit = flags.check && r.files.wouldChange.length ? ExitCode.config : ExitCode.ok;
    if (flags.json) out.json({ exitCode: exit, mappings, tables: r.tables.map(({ profile: _p, ...t }) => t), typeRules: r.typeRules, typeRuleNotes: r.typeRuleNotes, preview: r.preview, files: r.files });
    state.exit = exit;
  });

  addCommon(
    validateOptions(program.command('validate')).addHelpText('after', `
Examples:
  $ sqlite2pg validate app.db                  # in CI, after editing mappings/: exit 3 lists every problem
  $ sqlite2pg validate app.db -m db/mappings --json
${CONFIG_HELP}
${VALIDATE_EXIT_CODES_HELP}`),
  ).action(async (source: string, flags: CommonFlags, cmd: Command) => {
    const { out, config } = await setUp(flags, state, false);
    state.exit = (await validateAction(out, {
      sourcePath: source,
      mappingsDir: setting<string>(cmd, 'mappings', config?.mappings),
      schema: setting<string>(cmd, 'schema', config?.schema),
      fold: setting(cmd, 'fold', config?.fold),
    })) as ExitCodeValue;
  });

  addCommon(
    program
      .command('verify')
      .description('compare an already-migrated target with the source: row counts, checksums, differing rows')
      .argument('<source>', 'SQLite database file')
      .option('-t, --target <url>', TARGET_FLAG_HELP)
      .option('-s, --schema <name>', 'live target schema', 'public')
      .option('-m, --mappings <dir>', 'directory of mapping files (the ones used for the migration)', 'mappings')
      .addOption(new Option('--fold <mode>', 'identifier case folding used for the migration').choices(['none', 'snake', 'lower']).default('none'))
      .option('--reports <dir>', 'where the verification report goes', 'reports')
      .option('--diff-limit <n>', 'differing rows listed per table', positiveInt('diff-limit'), 100)
      .addHelpText('after', `
Examples:
  $ sqlite2pg verify app.db --target postgres://app@db.internal/app
  $ sqlite2pg verify app.db --schema app --diff-limit 10 --json | jq '.tables[] | select(.checksum.match == false)'
${CONFIG_HELP}
${exitCodesHelp([0, 1, 2, 3, 4, 5, 6])}`),
  ).action(async (source: string, flags: CommonFlags & Record<string, unknown>, cmd: Command) => {
    const { out, config } = await setUp(flags, state);
    const { target, embedded } = await targetOrEmbedded(flags['target'] as string | undefined, config, out, { command: 'verify', args: shellQuote(source) });
    const invocation = remember(state, out, source, { target, embedded, flags, schema: setting(cmd, 'schema', config?.schema) });
    const { verifyTarget } = await import('../run/verify-run.js');
    const r = await verifyTarget({
      invocation,
      sourcePath: source,
      target,
      embedded,
      schema: schemaSetting<string>(cmd, config?.schema, { readOnly: true }),
      mappingsDir: await mappingsSetting(cmd, config?.mappings),
      fold: setting(cmd, 'fold', config?.fold),
      reportsDir: setting(cmd, 'reports', config?.reports),
      diffLimit: setting(cmd, 'diffLimit', config?.diffLimit),
      onTable: (t, ok) => out.info(`  ${ok ? out.color.green('✔') : out.color.red('✖')} ${t}${ok ? '' : ': differs'}`),
    });
    renderSummary(out, r, false);
    if (flags.json) out.json(runJson(r));
    state.exit = r.exitCode;
  });

  addCommon(
    program
      .command('status')
      .description('list runs recorded in the target and what state the live schema is in')
      .option('-t, --target <url>', TARGET_FLAG_HELP)
      .option('-s, --schema <name>', 'only the runs of this live schema (default: all)')
      .addHelpText('after', `
Examples:
  $ sqlite2pg status --target postgres://app@db.internal/app
  $ sqlite2pg status --schema public --json | jq '.runs[0]'
${CONFIG_HELP}
${exitCodesHelp([0, 1, 2, 5])}`),
  ).action(async (flags: CommonFlags & { target?: string }, cmd: Command) => {
    const { out, config } = await setUp(flags, state);
    const { target, embedded } = await targetOrEmbedded(flags.target, config, out, { command: 'status' });
    const invocation = remember(state, out, null, { target, embedded, flags, schema: 'public' });
    state.exit = await (await import('./admin-commands.js')).runStatus(out, target, schemaSetting<string | undefined>(cmd, config?.schema), invocation);
  });

  addCommon(
    program
      .command('rollback')
      .description('restore the state before a cutover, in one transaction')
      .option('-t, --target <url>', TARGET_FLAG_HELP)
      .option('-s, --schema <name>', 'live target schema', 'public')
      .option('--run <id>', 'the run to roll back (default: the last cutover of the schema)')
      .option('--force', 'roll back even though the migrated tables were written to after the cutover')
      .option('--reports <dir>', 'where the rollback report goes', 'reports')
      .addHelpText('after', `
Examples:
  $ sqlite2pg rollback --target postgres://app@db.internal/app                 # the last cutover of public
  $ sqlite2pg rollback --run 20240501T100000Z-a1b2c3 --schema app              # the run named in the report
${CONFIG_HELP}
${exitCodesHelp([0, 1, 2, 5, 7])}`),
  ).action(async (flags: CommonFlags & { target?: string; run?: string; force?: boolean; reports?: string }, cmd: Command) => {
    const { out, config } = await setUp(flags, state);
    const { target, embedded } = await targetOrEmbedded(flags.target, config, out, { command: 'rollback' });
    const schema = schemaSetting<string>(cmd, config?.schema);
    const invocation = remember(state, out, null, { target, embedded, flags, schema });
    state.exit = await (await import('./admin-commands.js')).runRollback(out, target, { schema, runId: flags.run ?? null, force: Boolean(flags.force), reportsDir: setting<string>(cmd, 'reports', config?.reports), invocation });
  });

  addCommon(
    program
      .command('prune')
      .alias('clean')
      .description("remove what runs left behind: kept schemas (staging of dead runs, previous, rolled back) and kept snapshots; never the live schema (Flyway's clean, minus the live data)")
      .option('-t, --target <url>', TARGET_FLAG_HELP)
      .option('--dry-run', 'list what would be removed, and its size; change nothing')
      .option('--older-than <days>', 'only what runs finished at least this many days ago', positiveInt('older-than'))
      .option('--all', "also the live run's previous schema and snapshot (what its rollback and fallback need)")
      .addHelpText('after', `
Examples:
  $ sqlite2pg prune --dry-run --target postgres://app@db.internal/app        # what would go, with sizes
  $ sqlite2pg prune --older-than 7 --target postgres://app@db.internal/app   # what is a week old
  $ sqlite2pg prune --all --target postgres://app@db.internal/app            # once the migration is accepted
${CONFIG_HELP}
${exitCodesHelp([0, 1, 2, 5])}`),
  ).action(async (flags: CommonFlags & { target?: string; dryRun?: boolean; olderThan?: number; all?: boolean }) => {
    const { out, config } = await setUp(flags, state);
    const { target } = await targetOrEmbedded(flags.target, config, out, { command: 'prune' });
    state.exit = await (await import('./prune-command.js')).runPrune(out, target, { dryRun: Boolean(flags.dryRun), olderThanDays: flags.olderThan ?? null, all: Boolean(flags.all) });
  });

  addFallbackCommand(program, { addCommon, setUp: (f) => setUp(f, state), targetOrEmbedded, setExit: (c) => (state.exit = c), help: `${CONFIG_HELP}\n${exitCodesHelp([0, 1, 2, 4, 5, 7, 10])}` });

  registerOnlineCommands(program, {
    addCommon,
    setUp: (flags) => setUp(flags as CommonFlags, state),
    target: targetOrEmbedded,
    setting,
    schemaSetting: (cmd, fromConfig) => schemaSetting<string>(cmd, fromConfig),
    mappingsSetting,
    positiveInt,
    setExit: (code) => (state.exit = code as ExitCodeValue),
    invocation: (out, source, o) => remember(state, out, source, { ...o, flags: o.flags as CommonFlags & { target?: unknown } }),
    targetHelp: TARGET_FLAG_HELP,
    exitCodesHelp: exitCodesHelp([0, 1, 2, 3, 4, 5, 6, 8, 11]),
  });

  const embedded = program
    .command('embedded')
    .description('manage the embedded PostgreSQL in ./.sqlite2pg (the default target)')
    .addHelpText('after', `
Examples:
  $ sqlite2pg embedded start
  $ psql "$(sqlite2pg embedded url)"
  $ sqlite2pg embedded stop
${exitCodesHelp([0, 1, 2])}`);
  const jsonFlag = (c: Command): Command => c.option('--json', 'print one JSON object on stdout');
  const say = (flags: { json?: boolean }, text: string, value: Record<string, unknown>): void => {
    process.stdout.write(flags.json ? `${JSON.stringify({ exitCode: 0, ...value }, null, 2)}\n` : `${text}\n`);
  };
  jsonFlag(embedded.command('start').description('start it in the background (initialising it on first use)')).action(async (flags: { json?: boolean }) => {
    const { DEFAULT_EMBEDDED_DIR, startEmbedded } = await import('../embedded/embedded-server.js');
    const { server, startedNow } = await startEmbedded(DEFAULT_EMBEDDED_DIR);
    say(flags, `${startedNow ? 'Started' : 'Already running'}: embedded PostgreSQL on 127.0.0.1:${server.port} (data in ${server.dataDir}).\nConnection URL: ${commandName()} embedded url`, { running: true, startedNow, port: server.port, dataDir: server.dataDir });
  });
  jsonFlag(embedded.command('stop').description('stop it')).action(async (flags: { json?: boolean }) => {
    const { DEFAULT_EMBEDDED_DIR, stopEmbedded } = await import('../embedded/embedded-server.js');
    const stopped = await stopEmbedded(DEFAULT_EMBEDDED_DIR);
    say(flags, stopped ? 'Stopped the embedded PostgreSQL.' : 'The embedded PostgreSQL was not running.', { stopped });
  });
  jsonFlag(embedded.command('url').description('print its connection URL (includes the password: it is a local throwaway server)')).action(async (flags: { json?: boolean }) => {
    const { DEFAULT_EMBEDDED_DIR, readEmbeddedState } = await import('../embedded/embedded-server.js');
    const s = await readEmbeddedState(DEFAULT_EMBEDDED_DIR);
    if (!s) throw new UsageError('There is no embedded PostgreSQL here yet.', { hint: `Run: ${commandName()} embedded start` });
    say(flags, s.url, { url: s.url });
  });
  jsonFlag(embedded.command('status').description('say whether it is running')).action(async (flags: { json?: boolean }) => {
    const { DEFAULT_EMBEDDED_DIR, isEmbeddedRunning, readEmbeddedState } = await import('../embedded/embedded-server.js');
    const s = await readEmbeddedState(DEFAULT_EMBEDDED_DIR);
    const running = s ? await isEmbeddedRunning(s) : false;
    say(flags, s ? `${running ? 'running' : 'stopped'}: 127.0.0.1:${s.port}, data in ${s.dataDir}` : `not initialised (${commandName()} embedded start)`, {
      initialised: Boolean(s),
      running,
      port: s?.port ?? null,
      dataDir: s?.dataDir ?? null,
    });
  });
  return program;
}

/** Whether --json was asked for (before a `--`), known even when parsing fails. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/** Run the CLI; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  const state = new CliState();
  const program = buildProgram(state);
  program.exitOverride();
  program.commands.forEach(function deep(c: Command): void {
    c.exitOverride();
    c.commands.forEach(deep);
  });
  const json = wantsJson(argv);
  state.argv = argv;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.exit;
  } catch (caught) {
    // A target condition (read-only, privilege, disk full) is exit 5 wherever it surfaces, never a bug.
    // (commander's own errors are never target conditions: their codes are commander.*, so
    // load/target.js, and pg with it, is not loaded for --help, --version or a usage error.)
    const e = caught instanceof MigrateError || caught instanceof CommanderError ? caught : (await import('../load/target.js')).targetError(caught) ?? caught;
    // The command's Output knows the target's secrets; before one exists there are none to know.
    // (Made only when something is printed: --help and --version print nothing more.)
    const output = async (): Promise<Output> => state.out ?? (await newOutput({ quiet: false, json, verbose: false }));
    const fail = async (exitCode: ExitCodeValue, error: { code: string; message: string; hint: string | null; problems: readonly string[] }): Promise<number> => {
      if (json) (await output()).json({ exitCode, error });
      return exitCode;
    };
    if (e instanceof CommanderError) {
      // help and version exit 0; commander's parse errors (its default is 1) are usage errors.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.ok;
      return fail(ExitCode.usage, { code: 'E_USAGE', message: e.message.replace(/^error: /, ''), hint: 'run with --help for usage', problems: [] });
    }
    const out = await output();
    if (e instanceof MigrateError) {
      out.error(out.color.red(`error: ${e.message}`));
      for (const p of e.problems) out.error(`  - ${p}`);
      if (e.hint) out.error(`  ${state.invocation ? personalizeHint(e.hint, state.invocation, state.source) : e.hint}`);
      return fail(e.exitCode, { code: e.code, message: e.message, hint: e.hint ?? null, problems: e.problems });
    }
    out.error(out.color.red(`internal error: ${(e as Error)?.stack ?? String(e)}`));
    out.error('This is a bug in sqlite2pg: please report it with the lines above.');
    return fail(ExitCode.internal, { code: 'E_INTERNAL', message: (e as Error)?.message ?? String(e), hint: 'This is a bug in sqlite2pg: please report it with the stack trace printed on stderr.', problems: [] });
  }
}
