/**
 * One migration run: snapshot → catalog → mappings → plan → staging load → post-load → verify →
 * cutover (or dry-run cleanup) → report. Pre-flight problems (usage, config, source, connection)
 * throw before anything touches the target. After that, every outcome is recorded in the
 * RunResult and the journal; the live schema changes only in the cutover transaction.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { ConfigError, ExitCode, LoadError, MigrateError, UsageError, VerifyError, type ExitCodeValue } from '../errors.js';
import type { Catalog } from '../model/catalog.js';
import type { Plan } from '../model/plan.js';
import type { CastSample, Mode, Outcome, RunResult, StepResult, TableResult, ObjectCounts } from '../model/run-result.js';
import { RUN_RESULT_VERSION } from '../model/run-result.js';
import { buildPlan } from '../plan/build-plan.js';
import { createSchemaSql, createTableSql } from '../plan/ddl.js';
import { qualify, quoteIdent } from '../plan/identifiers.js';
import { checkSqliteFile, openSqlite } from '../source/sqlite-db.js';
import { firstValue } from '../source/read-rows.js';
import { CastFailure, converterFor, type SqliteValue } from '../plan/casts/index.js';
import { excerpt } from '../load/row-encoder.js';
import { introspectSqlite } from '../source/introspect-sqlite.js';
import { sha256File, takeSnapshot, pruneSnapshots } from '../source/snapshot.js';
import { loadMappings } from '../mappings/load-mappings.js';
import { validateMappings } from '../mappings/validate-mappings.js';
import { connectTarget, type TargetSettings } from '../load/target.js';
import { loadTables, type TableLoad } from '../load/load-tables.js';
import { interruptedError } from '../load/copy-chunk.js';
import { buildPostLoad } from '../load/post-load.js';
import { QuarantineDir } from '../load/quarantine-files.js';
import { verifyTables, type TableVerification } from '../verify/verify-tables.js';
import { clearQuarantine, ensureJournal, insertRun, journalExists, markRunning, quarantinedKeys, recordQuarantine, recordTable, resumableRun, runSchemaName, setRunStatus, tableStates, type RunRow } from '../cutover/journal.js';
import { resetStaging } from '../load/reset-staging.js';
import { ChecksumAccumulator } from '../verify/checksum.js';
import { readQuarantineFile } from '../load/read-quarantine.js';
import type { QuarantineRecord } from '../load/quarantine-files.js';
import { pinpointDifferences } from '../verify/pinpoint.js';
import { acquireTargetLock, releaseTargetLock } from '../cutover/target-lock.js';
import { swapIn } from '../cutover/swap.js';
import { installCapture } from '../cutover/pg-capture.js';
import { hashSqliteFile } from '../verify/sqlite-file-hash.js';
import { reportStem, writeReports } from './write-report.js';
import { NO_CUTOVER, NO_OBJECTS, targetFacts } from './run-result-parts.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';

export interface RunEvents {
  phase?(name: string, status: 'start' | 'done' | 'failed' | 'skipped', detail?: string): void;
  tableStart?(table: string, totalRows: number): void;
  tableRows?(table: string, rows: number): void;
  tableDone?(load: TableLoad): void;
  step?(s: StepResult): void;
  warn?(message: string): void;
  sql?(sql: string): void;
}

export interface MigrateOptions {
  readonly sourcePath: string;
  readonly target: TargetSettings;
  readonly embedded: boolean;
  readonly schema: string;
  readonly mappingsDir: string;
  readonly mode: 'cutover' | 'dry-run';
  readonly keepStaging: boolean;
  readonly lanes: number;
  readonly chunkRows: number;
  readonly reportsDir: string;
  readonly allowQuarantine: boolean;
  /** Differing rows listed per table when verification fails. */
  readonly diffLimit: number;
  readonly orphans: 'not-valid' | 'fail';
  readonly fold: 'none' | 'snake' | 'lower';
  readonly snapshot: { readonly enabled: boolean; readonly dir: string; readonly retentionDays: number };
  /** Continue the newest interrupted run of this schema instead of starting a new one. */
  readonly resume: boolean;
  /** Install the fallback capture triggers in the cutover transaction (default true; `--no-fallback-capture`). */
  readonly fallbackCapture?: boolean;
  readonly events?: RunEvents;
  readonly signal?: AbortSignal;
}

export interface RunOutcome {
  readonly result: RunResult;
  readonly reportPath: string;
  readonly jsonPath: string;
  readonly exitCode: ExitCodeValue;
}

export function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/** Everything that can go wrong before the target is touched: source, mappings, plan. */
export async function prepare(o: Pick<MigrateOptions, 'sourcePath' | 'mappingsDir' | 'schema' | 'fold'>, readPath: string, sizeBytes: number): Promise<{ catalog: Catalog; plan: Plan; mappingHash: string; warnings: string[] }> {
  const db = openSqlite(readPath);
  let catalog: Catalog;
  try {
    catalog = introspectSqlite(db, o.sourcePath, sizeBytes);
  } finally {
    db.close();
  }
  const { mappings, problems } = await loadMappings(o.mappingsDir);
  const v = validateMappings(mappings, catalog);
  const errors = [...problems, ...v.errors];
  if (errors.length) {
    throw new ConfigError(`${errors.length} problem${errors.length > 1 ? 's' : ''} in the mapping files in ${o.mappingsDir}:`, { problems: errors, hint: 'Fix them and run again; nothing was changed in the target.' });
  }
  const plan = buildPlan(catalog, mappings, { schema: o.schema, fold: o.fold });
  const mappingHash = createHash('sha256')
    .update(JSON.stringify([...mappings.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, m]) => [k, m.mapping])))
    .digest('hex');
  return { catalog, plan, mappingHash, warnings: [...v.warnings, ...plan.warnings] };
}

function castLabel(c: Plan['tables'][number]['columns'][number]): string {
  const cast = c.cast;
  switch (cast.kind) {
    case 'datetime':
      return `${typeof cast.format === 'string' ? cast.format : cast.format.pattern} (${cast.timeZone}) → ${cast.target}`;
    case 'json':
      return `json → ${cast.target}`;
    case 'integer':
      return `integer → ${c.pgType}`;
    default:
      return `${cast.kind} → ${c.pgType}`;
  }
}

/** One real "before → after" per mapped cast, for the report: the first non-NULL value of the column. */
function castSamples(readPath: string, plan: Plan): CastSample[] {
  const mapped = plan.tables.flatMap((t) => t.columns.filter((c) => c.reason.startsWith('mapping')).map((c) => ({ t, c })));
  if (mapped.length === 0) return [];
  let db: ReturnType<typeof openSqlite> | null = null;
  try {
    db = openSqlite(readPath);
    return mapped.map(({ t, c }) => {
      const raw = firstValue(db!, t.source, c.source) as SqliteValue;
      const out = raw === undefined ? null : converterFor(c.cast, { nul: c.nul })(raw);
      return {
        table: t.source,
        column: c.source,
        cast: castLabel(c),
        pgType: c.pgType,
        before: raw === undefined ? '' : excerpt(raw),
        after: out === null || out instanceof CastFailure ? '' : out.length > 120 ? `${out.slice(0, 120)}…` : out,
      };
    });
  } catch {
    return mapped.map(({ t, c }) => ({ table: t.source, column: c.source, cast: castLabel(c), pgType: c.pgType, before: '', after: '' }));
  } finally {
    db?.close();
  }
}

/** After the swap: every identity's next value must be past max(id), or the application's first INSERT fails. */
async function identitySmokeTest(client: pg.ClientBase, schema: string, plan: Plan): Promise<string[]> {
  const problems: string[] = [];
  for (const t of plan.tables) {
    for (const c of t.columns.filter((x) => x.identity)) {
      const table = qualify(schema, t.target);
      // pg_sequences shows NULL after setval(..., false): read last_value and is_called from the sequence.
      const seq = await client.query<{ nspname: string; relname: string }>(
        `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = pg_get_serial_sequence($1, $2)::regclass`,
        [table, c.target],
      );
      const sq = seq.rows[0];
      const r = sq
        ? await client.query<{ ok: boolean; next: string; max: string | null }>(
            `SELECT (CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END) > coalesce(m.max, 0) AS ok,
                    (CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END)::text AS next, m.max::text AS max
             FROM ${qualify(sq.nspname, sq.relname)} s, (SELECT max(${quoteIdent(c.target)}) AS max FROM ${table}) m`,
          )
        : { rows: [] as { ok: boolean; next: string; max: string | null }[] };
      const row = r.rows[0];
      if (!row?.ok) problems.push(`identity ${t.target}.${c.target}: next value ${row?.next ?? '?'} is not past max ${row?.max ?? '?'}; fix it with setval before the application writes`);
    }
  }
  return problems;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interruptedError();
}

/** Record a loaded table and its quarantined rows in the journal. */
async function journalTable(client: pg.ClientBase, runId: string, l: TableLoad): Promise<void> {
  if (l.quarantineFile) {
    let batch: QuarantineRecord[] = [];
    for await (const q of readQuarantineFile(l.quarantineFile)) {
      if (q.action !== 'quarantined') continue;
      batch.push(q);
      if (batch.length >= 1000) {
        await recordQuarantine(client, runId, batch);
        batch = [];
      }
    }
    await recordQuarantine(client, runId, batch);
  }
  await recordTable(client, runId, { source: l.table.source, target: l.table.target, state: 'loaded', rowsRead: l.rowsRead, rowsLoaded: l.rowsLoaded, rowsQuarantined: l.rowsQuarantined, count: l.checksum.count, sum: l.checksum.sum });
}

export async function migrate(o: MigrateOptions): Promise<RunOutcome> {
  const startedAt = new Date();
  const t0 = startedAt.getTime();
  let runId = newRunId(startedAt);
  const ev = o.events ?? {};
  const steps: StepResult[] = [];
  const warnings: string[] = [];
  const step = (s: StepResult): void => {
    steps.push(s);
    ev.step?.(s);
  };
  const timed = async <T>(name: string, section: StepResult['section'], fn: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    ev.phase?.(name, 'start');
    try {
      const out = await fn();
      step({ step: name, section, status: 'ok', startMs: start - t0, ms: Date.now() - start });
      ev.phase?.(name, 'done');
      return out;
    } catch (e) {
      // A cutover that failed was undone by its own transaction: say so, not just "failed".
      const status = e instanceof MigrateError && e.code === 'E_CUTOVER' ? 'rolled-back' : 'failed';
      step({ step: name, section, status, startMs: start - t0, ms: Date.now() - start, error: (e as Error).message });
      ev.phase?.(name, 'failed', (e as Error).message);
      throw e;
    }
  };

  // --- Pre-flight: nothing touches the target until all of this passed. ---
  const { sizeBytes } = await checkSqliteFile(o.sourcePath);
  let resumed: RunRow | null = null;
  if (o.resume) {
    const c = await connectTarget(o.target);
    try {
      if (await journalExists(c)) resumed = await resumableRun(c, o.schema);
    } finally {
      await c.end();
    }
    if (!resumed) throw new UsageError(`Nothing to resume: no interrupted run with a staging schema is recorded for schema ${o.schema}.`, { hint: 'Run without --resume to start a new run (sqlite2pg status lists the runs).' });
    runId = resumed.run_id;
  }
  let readPath = o.sourcePath;
  let sha256: string | null = null;
  let snapshotPath: string | null = null;
  if (resumed) {
    // Resume from the very bytes the interrupted run read: its snapshot, or the unchanged source.
    readPath = resumed.snapshot_path ?? o.sourcePath;
    snapshotPath = resumed.snapshot_path;
    sha256 = await sha256File(readPath).catch(() => null);
    if (sha256 === null || sha256 !== resumed.source_sha256) {
      throw new UsageError(`Cannot resume run ${resumed.run_id}: ${resumed.snapshot_path ? `its snapshot ${resumed.snapshot_path} is missing or changed` : `the source changed since it started`} (sha256 ${resumed.source_sha256?.slice(0, 12)}… then).`, { hint: 'Start a new run without --resume.' });
    }
  } else if (o.snapshot.enabled) {
    const snap = await timed('snapshot source', 'pre', () => takeSnapshot(o.sourcePath, o.snapshot.dir, runId));
    readPath = snap.path;
    snapshotPath = snap.path;
    sha256 = snap.sha256;
    await pruneSnapshots(o.snapshot.dir, o.snapshot.retentionDays, Date.now());
  } else {
    sha256 = await sha256File(o.sourcePath);
  }
  const { plan, mappingHash, warnings: planWarnings } = await timed('read catalog and plan', 'pre', () => prepare(o, readPath, sizeBytes));
  warnings.push(...planWarnings);
  for (const w of planWarnings) ev.warn?.(w);
  if (resumed && resumed.mapping_hash !== null && resumed.mapping_hash !== mappingHash) {
    // Kept tables were loaded under the old rules: mixing them with new ones would prove nothing.
    throw new UsageError(`Cannot resume run ${resumed.run_id}: the mapping files changed since it started.`, { hint: 'Start a new run without --resume (or restore the mapping files it used).' });
  }

  const admin = await connectTarget(o.target);
  const lock = await connectTarget(o.target);
  const staging = resumed?.staging_schema ?? runSchemaName('staging', runId);
  const previous = runSchemaName('previous', runId);
  const reportBase = reportStem(startedAt, o.sourcePath, o.mode);
  const reportsDir = resolve(o.reportsDir);
  const quarantine = new QuarantineDir(join(reportsDir, reportBase, 'quarantine'));
  let serverVersion: string | null = null;
  let loads: TableLoad[] = [];
  /** Tables whose load finished, so a failed run still reports what it did. */
  const completed: TableLoad[] = [];
  const verifications = new Map<string, TableVerification>();
  let objects: ObjectCounts = NO_OBJECTS;
  let cutover: RunResult['cutover'] = NO_CUTOVER;
  let error: MigrateError | null = null;
  let locked = false;
  let journaled = false;
  let outcome: Outcome = 'passed';
  let exitCode: ExitCodeValue = ExitCode.ok;

  try {
    const sv = await admin.query<{ v: string; n: string; enc: string }>(`SELECT version() AS v, current_setting('server_version_num') AS n, pg_encoding_to_char(encoding) AS enc FROM pg_database WHERE datname = current_database()`);
    serverVersion = sv.rows[0]!.v.split(' on ')[0]!;
    if (Number(sv.rows[0]!.n) < 130000) throw new LoadError('E_TARGET_VERSION', `${serverVersion} is too old: sqlite2pg needs PostgreSQL 13 or later.`, { hint: 'Upgrade the target, or migrate into another server.' });
    if (sv.rows[0]!.enc !== 'UTF8') throw new LoadError('E_TARGET_ENCODING', `Database ${o.target.database} uses encoding ${sv.rows[0]!.enc}; SQLite text is Unicode and needs UTF8.`, { hint: `Create the database with ENCODING 'UTF8' (createdb -E UTF8 -T template0 ...).` });
    await acquireTargetLock(lock, o.schema);
    locked = true;
    await ensureJournal(admin);
    const kept: TableLoad[] = [];
    if (resumed) {
      await markRunning(admin, runId);
      // Tables whose load completed (and was journaled) keep their rows and source checksums.
      const states = new Map((await tableStates(admin, runId)).filter((x) => x.state === 'loaded').map((x) => [x.source_table, x]));
      for (const t of plan.tables) {
        const st = states.get(t.source);
        if (!st || st.target_table !== t.target) continue;
        kept.push({
          table: t,
          rowsRead: Number(st.rows_read),
          rowsLoaded: Number(st.rows_loaded),
          rowsQuarantined: Number(st.rows_quarantined),
          valuesNulled: 0,
          bytes: 0,
          startMs: 0,
          ms: 0,
          checksum: ChecksumAccumulator.fromJSON({ count: Number(st.checksum_count), sum: st.checksum_sum }),
          quarantineFile: null,
          quarantineSample: [],
        });
      }
      warnings.push(`resumed run ${runId}: ${kept.length} of ${plan.tables.length} tables were already loaded and were kept`);
    } else {
      await insertRun(admin, { runId, mode: o.mode, schema: o.schema, staging, sourcePath: resolve(o.sourcePath), snapshotPath, sha256, size: sizeBytes, mappingHash, version: TOOL_VERSION });
    }
    journaled = true;
    const keptNames = new Set(kept.map((k) => k.table.source));
    const toLoad = plan.tables.filter((t) => !keptNames.has(t.source));

    await timed(resumed ? 'reset staging tables' : 'create staging tables', 'pre', async () => {
      if (resumed) {
        await resetStaging(admin, staging, ev.sql);
        await clearQuarantine(admin, runId, toLoad.map((t) => t.source));
      } else {
        await admin.query(createSchemaSql(staging));
      }
      for (const t of toLoad) {
        // A partially loaded table is reloaded from scratch.
        if (resumed) await admin.query(`DROP TABLE IF EXISTS ${qualify(staging, t.target)}`);
        const sql = createTableSql(staging, t);
        ev.sql?.(sql);
        await admin.query(sql);
      }
    });

    const connectLane = async (): Promise<pg.Client> => connectTarget(o.target);
    const loaded = await timed('load data', 'data', () =>
      loadTables({ ...plan, tables: toLoad }, {
        sourcePath: readPath,
        schema: staging,
        lanes: o.lanes,
        chunkRows: o.chunkRows,
        quarantine,
        connect: connectLane,
        target: o.target,
        onTableStart: (t) => ev.tableStart?.(t.source, t.rowCount),
        onRows: (t, n) => ev.tableRows?.(t.source, n),
        onTableDone: async (r) => {
          completed.push(r);
          step({ step: 'copy', section: 'data', table: r.table.target, status: 'ok', startMs: r.startMs, ms: r.ms, rows: r.rowsLoaded, bytes: r.bytes });
          // Journal each table as soon as it is complete: a crash after this point keeps it.
          await journalTable(admin, runId, r);
          ev.tableDone?.(r);
        },
        ...(o.signal ? { signal: o.signal } : {}),
      }, t0),
    );
    loads = [...kept, ...loaded];
    throwIfAborted(o.signal);

    const post = await timed('build keys, indexes, constraints', 'post', () => buildPostLoad(admin, plan, { schema: staging, liveSchema: o.schema, t0, orphans: o.orphans, onStep: step, ...(ev.sql ? { log: ev.sql } : {}) }));
    throwIfAborted(o.signal);
    objects = post.objects;
    warnings.push(...post.warnings);
    for (const w of post.warnings) ev.warn?.(w);

    await timed('verify', 'verify', async () => {
      // One connection per lane: PostgreSQL computes checksums on as many backends (cores) at once.
      const extra = await Promise.all(Array.from({ length: Math.max(0, o.lanes - 1) }, () => connectTarget(o.target)));
      try {
        const results = await verifyTables([admin, ...extra], staging, loads.map((l) => ({ table: l.table, source: { rowsLoaded: l.rowsLoaded, count: l.checksum.count, sum: l.checksum.sum } })), o.chunkRows, (v) =>
          step({ step: 'checksum', section: 'verify', table: v.table.target, status: v.match ? 'ok' : 'failed', startMs: Date.now() - t0 - v.ms, ms: v.ms, rows: v.targetRows }),
        );
        // Read once, and only when some table differs: the keys of every quarantined row of the run.
        let skip: Map<string, Set<string>> | null = null;
        for (const l of loads) {
          let v = results.get(l.table.source)!;
          if (!v.match) {
            // Find the rows: a second read of the snapshot, only for a table that differs.
            const db = openSqlite(readPath);
            try {
              skip ??= await quarantinedKeys(admin, runId);
              const p = await pinpointDifferences(admin, db, staging, l.table, { limit: o.diffLimit, skipKeys: skip.get(l.table.source) ?? new Set() });
              v = { ...v, differingRows: p.rows };
              if (p.note) warnings.push(`${l.table.source}: ${p.note}`);
            } finally {
              db.close();
            }
          }
          verifications.set(l.table.source, v);
        }
      } finally {
        await Promise.all(extra.map((c) => c.end().catch(() => undefined)));
      }
    });
    throwIfAborted(o.signal);
    const mismatched = [...verifications.values()].filter((v) => !v.match);
    if (mismatched.length) {
      throw new VerifyError(`Verification failed for ${mismatched.length} table${mismatched.length > 1 ? 's' : ''}: ${mismatched.map((m) => m.table.target).join(', ')}.`, {
        hint: `No cutover was done. The staging schema ${staging} was kept for inspection.`,
      });
    }
    const quarantined = loads.reduce((n, l) => n + l.rowsQuarantined, 0);
    if (quarantined > 0 && !o.allowQuarantine) {
      outcome = 'passed-with-quarantine';
      exitCode = ExitCode.quarantined;
    }

    if (o.mode === 'cutover' && exitCode === ExitCode.ok) {
      cutover = await timed('cutover', 'cutover', async () => {
        let swap: Awaited<ReturnType<typeof swapIn>>;
        // --- fallback capture (issue #14, #12 defect 5): the fingerprint of what was migrated, read before the transaction.
        const capture = o.fallbackCapture !== false;
        const fingerprint = capture ? await hashSqliteFile(readPath) : null;
        // --- end fallback capture
        await admin.query('BEGIN');
        try {
          // Fail fast rather than queue behind a long transaction of the application.
          await admin.query(`SET LOCAL lock_timeout = '10s'`);
          swap = await swapIn(admin, { live: o.schema, staging, previous, runId, ...(ev.sql ? { log: ev.sql } : {}) });
          // --- fallback capture (issue #14, #12 defect 5): key-capture triggers and the forward casts, in
          // the swap transaction, so no write after the commit escapes and a crash after it keeps both.
          if (capture) {
            const moved = new Set(swap.moved.tables);
            await installCapture(admin, {
              live: o.schema,
              runId,
              tables: plan.tables.filter((t) => moved.has(t.target)),
              source: { path: resolve(o.sourcePath), sha256: fingerprint!.sha256, contentSha256: fingerprint!.contentSha256 },
              ...(ev.sql ? { log: ev.sql } : {}),
            });
          }
          // --- end fallback capture
          await admin.query('COMMIT');
          // Fault injection for the e2e tests: a crash right after the cutover committed.
          if (process.env['SQLITE2PG_TEST_CRASH'] === 'after-cutover-commit') process.kill(process.pid, 'SIGKILL');
        } catch (e) {
          await admin.query('ROLLBACK').catch(() => undefined);
          throw new LoadError('E_CUTOVER', `Cutover failed and was rolled back: ${(e as Error).message}`, { cause: e, hint: `The live schema is unchanged; the loaded data is still in ${staging}.` });
        }
        for (const d of swap.dependents) warnings.push(`${d}: it still reads the previous table, now in ${previous}; re-create it if it should read the new data`);
        warnings.push(...(await identitySmokeTest(admin, o.schema, plan)));
        return {
          performed: true,
          ms: swap.ms,
          previousSchema: swap.moved.previous.length ? previous : null,
          rollbackCommand: `npx sqlite2pg rollback --run ${runId} --schema ${o.schema}${o.embedded ? '' : ' --target <same target>'}`,
          rollbackDescription: swap.moved.previous.length
            ? `moves the ${swap.moved.tables.length} migrated tables out of ${o.schema} into a new schema sqlite2pg_rolledback_…, and moves the ${swap.moved.previous.length} previous objects back from ${previous}, in one transaction`
            : `moves the ${swap.moved.tables.length} migrated tables out of ${o.schema} into a new schema sqlite2pg_rolledback_… (kept, not dropped), in one transaction; ${o.schema} had no tables of these names before`,
        };
      });
    } else if (o.mode === 'dry-run' || exitCode !== ExitCode.ok) {
      if (!o.keepStaging) {
        await timed('drop staging schema', 'cutover', async () => {
          await admin.query(`DROP SCHEMA ${quoteIdent(staging)} CASCADE`); // ours alone: created by this run
        });
      }
    }
    await setRunStatus(admin, runId, o.mode === 'cutover' && cutover.performed ? 'cut-over' : o.mode === 'dry-run' ? 'dry-run' : 'failed');
  } catch (e) {
    if (loads.length === 0) loads = [...completed];
    error = e instanceof MigrateError ? e : new MigrateError('E_INTERNAL', ExitCode.internal, (e as Error).message, { cause: e });
    outcome = error.exitCode === ExitCode.verify ? 'verify-mismatch' : 'failed';
    exitCode = error.exitCode;
    if (journaled) await setRunStatus(admin, runId, 'failed', { error: error.message }).catch(() => undefined);
  } finally {
    if (locked) await releaseTargetLock(lock, o.schema).catch(() => undefined);
    await lock.end().catch(() => undefined);
    await admin.end().catch(() => undefined);
  }

  const finishedAt = new Date();
  const tables: TableResult[] = loads.map((l) => {
    const v = verifications.get(l.table.source);
    return {
      source: l.table.source,
      target: l.table.target,
      rowsRead: l.rowsRead,
      rowsLoaded: l.rowsLoaded,
      rowsQuarantined: l.rowsQuarantined,
      bytes: l.bytes,
      ms: l.ms,
      targetRows: v?.targetRows ?? null,
      checksum: { source: `${l.checksum.count}:${l.checksum.sum}`, target: v ? `${v.targetRows}:${v.targetSum}` : null, match: v ? v.match : null },
      differingRows: v?.differingRows ?? [],
      verifyMs: v?.ms ?? null,
      quarantineSample: l.quarantineSample,
      quarantineFile: l.quarantineFile,
    };
  });
  const casts: CastSample[] = castSamples(readPath, plan);
  const result: RunResult = {
    version: RUN_RESULT_VERSION,
    runId,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    mode: o.mode as Mode,
    outcome,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    ms: finishedAt.getTime() - t0,
    source: { path: resolve(o.sourcePath), sizeBytes, sha256, snapshotPath },
    target: targetFacts(o.target, o.schema, serverVersion, o.embedded),
    tables,
    steps,
    objects,
    casts,
    untranslated: plan.untranslated,
    warnings,
    quarantineDir: tables.some((t) => t.quarantineFile) ? quarantine.dir : null,
    cutover,
    error: error ? { code: error.code, message: error.message, hint: error.hint ?? null } : null,
  };
  const { reportPath, jsonPath } = await writeReports(result, reportsDir, reportBase);
  return { result, reportPath, jsonPath, exitCode };
}
