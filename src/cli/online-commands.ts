/**
 * `sync` and `cutover`: online migration (see src/run/sync-run.ts and src/run/online-cutover.ts).
 * Registered by main.ts; uses its flag and setup helpers so the commands behave like the others.
 */
import { Command, Option } from 'commander';
import { ExitCode } from '../errors.js';
import type { SyncOptions } from '../run/sync-run.js';
import { renderJson } from '../report/render-json.js';
import { progressEvents, renderSummary } from './progress.js';
import type { Output } from './output.js';
import type { TargetSettings } from '../load/target.js';
import type { FileConfig } from '../config/load-config.js';
import type { Invocation } from '../model/run-result.js';

export interface OnlineCliHelpers {
  addCommon(cmd: Command): Command;
  setUp(flags: Record<string, unknown>): Promise<{ out: Output; config: FileConfig | null }>;
  target(flag: string | undefined, config: FileConfig | null, out: Output): Promise<{ target: TargetSettings; embedded: boolean }>;
  setting<T>(cmd: Command, key: string, fromConfig: T | undefined): T;
  /** --schema, refused up front (exit 2) when reserved. */
  schemaSetting(cmd: Command, fromConfig: string | undefined): string;
  /** --mappings; one named explicitly must exist (exit 3). */
  mappingsSetting(cmd: Command, fromConfig: string | undefined): Promise<string>;
  positiveInt(name: string): (v: string) => number;
  setExit(code: number): void;
  /** Who ran it and how (cli/invocation.ts), remembered for the hints as every command does. */
  invocation(out: Output, source: string, o: { target: TargetSettings; embedded: boolean; flags: Record<string, unknown>; schema: string }): Invocation;
  targetHelp: string;
  exitCodesHelp: string;
}

const ONLINE_EXIT = `
  11 online capture broken or the source schema changed during a sync (cutover refused)`;

export function registerOnlineCommands(program: Command, h: OnlineCliHelpers): void {
  h.addCommon(
    program
      .command('sync')
      .description('online migration: install change capture in the SQLite file, load and verify a snapshot, then keep applying the application\'s writes to the staging schema')
      .argument('<source>', 'SQLite database file (WAL journal mode); the application may keep writing')
      .option('-t, --target <url>', h.targetHelp)
      .option('-s, --schema <name>', 'live target schema', 'public')
      .option('-m, --mappings <dir>', 'directory of mapping files', 'mappings')
      .option('--once', 'catch up once, print the lag and exit (scripts, cron, CI)')
      .option('--abort', 'give up: remove everything sync added to the SQLite file and the staging schema')
      .option('--interval <ms>', 'pause between rounds when caught up', h.positiveInt('interval'), 1000)
      .option('--reconnect-for <s>', 'when the target goes away (server restart), keep reconnecting this long before giving up (exit 5; not with --once)', h.positiveInt('reconnect-for'), 60)
      .addOption(new Option('--orphans <policy>', 'foreign keys whose rows reference nothing').choices(['not-valid', 'fail']).default('not-valid'))
      .addOption(new Option('--fold <mode>', 'identifier case folding for names without a mapping').choices(['none', 'snake', 'lower']).default('none'))
      .option('--lanes <n>', 'parallel COPY connections for the snapshot', h.positiveInt('lanes'), 2)
      .option('--chunk-rows <n>', 'rows per range when splitting big tables across lanes', h.positiveInt('chunk-rows'), 100_000)
      .option('--reports <dir>', 'where reports and quarantine files go', 'reports')
      .option('--diff-limit <n>', 'differing rows listed per table when verification fails', h.positiveInt('diff-limit'), 100)
      .option('--snapshot-dir <dir>', 'where source snapshots are kept', '.sqlite2pg/snapshots')
      .addHelpText('after', `
Examples:
  $ sqlite2pg sync app.db --target "$DATABASE_URL"          # app keeps running; Ctrl-C and run again to continue
  $ sqlite2pg sync app.db --target "$DATABASE_URL" --once   # catch up and exit; prints the lag
  $ sqlite2pg cutover app.db --target "$DATABASE_URL"       # the window: seconds
  $ sqlite2pg sync app.db --target "$DATABASE_URL" --abort  # remove capture from app.db and the staging schema
${h.exitCodesHelp}${ONLINE_EXIT}`),
  ).action(async (source: string, flags: Record<string, unknown>, cmd: Command) => {
    const { out, config } = await h.setUp(flags);
    const { target } = await h.target(flags['target'] as string | undefined, config, out);
    const schema = h.schemaSetting(cmd, config?.schema);
    const { abortSync, sync } = await import('../run/sync-run.js');
    if (flags['abort']) {
      const r = await abortSync({ sourcePath: source, target, schema });
      out.result(
        r.runId
          ? `Aborted online run ${r.runId}: ${r.objectsRemoved} capture objects removed from ${source}${r.stagingDropped ? `, staging schema ${r.stagingDropped} dropped` : ''}.`
          : `Nothing to abort: ${source} holds no sqlite2pg capture${r.objectsRemoved ? ` (removed ${r.objectsRemoved} stray objects)` : ''}.`,
      );
      if (flags['json']) out.json({ exitCode: ExitCode.ok, ...r });
      h.setExit(ExitCode.ok);
      return;
    }
    const controller = new AbortController();
    const onSignal = (sig: NodeJS.Signals): void => {
      if (controller.signal.aborted) process.exit(130);
      out.warn(`${sig} received: stopping after the current round; run sync again to continue.`);
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const snap = config?.snapshot;
    const o: SyncOptions = {
      sourcePath: source,
      target,
      schema,
      mappingsDir: await h.mappingsSetting(cmd, config?.mappings),
      lanes: h.setting(cmd, 'lanes', config?.lanes),
      chunkRows: h.setting(cmd, 'chunkRows', config?.chunkRows),
      reportsDir: h.setting(cmd, 'reports', config?.reports),
      diffLimit: h.setting(cmd, 'diffLimit', config?.diffLimit),
      orphans: h.setting(cmd, 'orphans', config?.orphans),
      fold: h.setting(cmd, 'fold', config?.fold),
      snapshot: { enabled: true, dir: h.setting(cmd, 'snapshotDir', snap?.dir), retentionDays: snap?.retentionDays ?? 30 },
      once: Boolean(flags['once']),
      intervalMs: flags['interval'] as number,
      reconnectForMs: (flags['reconnectFor'] as number) * 1000,
      events: progressEvents(out),
      onRound: (p) => {
        if (p.round) out.info(`  round: ${p.round.tables.reduce((n, t) => n + t.keys, 0)} keys in ${p.round.ms} ms; applied up to change ${p.appliedSeq}, lag ${p.lagChanges} changes / ${p.lagMs} ms`);
      },
      signal: controller.signal,
    };
    try {
      const r = await sync(o);
      out.result(`Run ${r.runId}: ${r.started ? 'snapshot loaded and verified; ' : ''}caught up to change ${r.appliedSeq} of ${r.headSeq} (${r.changesApplied} changes in ${r.rounds} rounds this call). Next: sqlite2pg cutover ${source}${flags['target'] ? ' --target …' : ''}`);
      if (flags['json']) out.json(r);
      h.setExit(r.exitCode);
    } catch (e) {
      if (controller.signal.aborted && (e as { code?: string }).code === 'E_ABORTED') {
        out.result('Stopped; the journal holds the applied position: run sync again to continue.');
        h.setExit(ExitCode.ok);
        return;
      }
      throw e;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });

  h.addCommon(
    program
      .command('cutover')
      .description('the window of an online migration: lock app.db for writes, apply the last changes, prove them, swap staging in, fence app.db')
      .argument('<source>', 'the SQLite database file being synced')
      .option('-t, --target <url>', h.targetHelp)
      .option('-s, --schema <name>', 'live target schema', 'public')
      .option('-m, --mappings <dir>', 'directory of mapping files (the ones sync used)', 'mappings')
      .addOption(new Option('--fold <mode>', 'identifier case folding used by sync').choices(['none', 'snake', 'lower']).default('none'))
      .option('--reports <dir>', 'where the report goes', 'reports')
      .option('--allow-quarantine', 'cut over even when rows were quarantined')
      .option('--lock-timeout <ms>', 'how long the swap waits for locks on the live tables, per attempt', h.positiveInt('lock-timeout'), 2000)
      .option('--swap-attempts <n>', 'attempts of the swap when its lock times out', h.positiveInt('swap-attempts'), 3)
      .addHelpText('after', `
After the cutover, any write to a migrated table in the SQLite file fails with
"migrated to PostgreSQL by sqlite2pg run …". Check it once more, without downtime:
  $ sqlite2pg verify app.db --target "$DATABASE_URL"
${h.exitCodesHelp}${ONLINE_EXIT}`),
  ).action(async (source: string, flags: Record<string, unknown>, cmd: Command) => {
    const { out, config } = await h.setUp(flags);
    const { target, embedded } = await h.target(flags['target'] as string | undefined, config, out);
    const schema = h.schemaSetting(cmd, config?.schema);
    const { onlineCutover } = await import('../run/online-cutover.js');
    const r = await onlineCutover({
      sourcePath: source,
      target,
      embedded,
      schema,
      mappingsDir: await h.mappingsSetting(cmd, config?.mappings),
      fold: h.setting(cmd, 'fold', config?.fold),
      reportsDir: h.setting(cmd, 'reports', config?.reports),
      allowQuarantine: Boolean(h.setting(cmd, 'allowQuarantine', config?.allowQuarantine)),
      lockTimeoutMs: flags['lockTimeout'] as number,
      swapAttempts: flags['swapAttempts'] as number,
      events: progressEvents(out),
      invocation: h.invocation(out, source, { target, embedded, flags, schema }),
    });
    if (r.notice) {
      out.result(r.notice);
      if (flags['json']) out.json({ exitCode: r.exitCode, notice: r.notice });
      h.setExit(r.exitCode);
      return;
    }
    renderSummary(out, r, embedded);
    if (r.downtimeMs !== null) out.result(`Downtime: ${r.downtimeMs} ms (SQLite write lock → swap committed and checked), ${r.changesInWindow} changes applied in the window. Writes to ${source} now fail; verify without downtime: sqlite2pg verify ${source}`);
    if (flags['json']) out.json({ exitCode: r.exitCode, report: r.reportPath, reportJson: r.jsonPath, downtimeMs: r.downtimeMs, changesInWindow: r.changesInWindow, ...(JSON.parse(renderJson(r.result)) as Record<string, unknown>) });
    h.setExit(r.exitCode);
  });
}
