/**
 * `sqlite2pg prune` (Flyway calls it `clean`, but this never touches the live schema): remove what
 * runs left behind — kept schemas (staging of dead runs, previous, rolled back) and kept snapshot
 * files — with a dry run that lists what would go and its size.
 *
 * What is kept, always: the staging schema and snapshot of a run that is working now (its target
 * schema's lock is held), and any schema that an object outside it still depends on (a live view
 * over a previous table). Kept unless `all`: the previous schema and the snapshot of the live
 * (cut-over) run, which are what its rollback and fallback need. `olderThanDays` keeps anything
 * whose run finished less than that many days ago.
 */
import { rm, stat } from 'node:fs/promises';
import { connectTarget, type TargetSettings } from '../load/target.js';
import { journalExists, keptSchemas, runSchemaName, type KeptSchema, type RunRow } from '../cutover/journal.js';
import { acquireTargetLock, releaseTargetLock } from '../cutover/target-lock.js';
import { allRuns, dropKeptSchema, outsideDependents } from '../cutover/prune-schemas.js';
import { LoadError, MigrateError } from '../errors.js';

export interface PruneOptions {
  readonly dryRun: boolean;
  /** Only what is at least this many days old (by its run's last event). */
  readonly olderThanDays: number | null;
  /** Also the live run's previous schema and snapshot. */
  readonly all: boolean;
  readonly now?: Date;
}

export interface PruneItem {
  readonly kind: 'staging' | 'previous' | 'rolledback' | 'snapshot';
  /** Schema name, or the snapshot file's path. */
  readonly name: string;
  readonly runId: string | null;
  readonly runStatus: string | null;
  readonly targetSchema: string | null;
  readonly bytes: number;
  /** Days since the run's last event (finished, cut over, rolled back), when known. */
  readonly ageDays: number | null;
}

export interface PruneResult {
  readonly dryRun: boolean;
  /** Dropped (or, in a dry run, what would be). */
  readonly dropped: readonly PruneItem[];
  readonly kept: readonly (PruneItem & { readonly why: string })[];
  readonly bytes: number;
}

const DAY_MS = 86_400_000;

function lastEvent(r: RunRow): Date {
  return [r.rolled_back_at, r.cutover_at, r.finished_at, r.started_at].filter((d): d is Date => d instanceof Date).reduce((a, b) => (a > b ? a : b));
}

/** The run a kept schema belongs to: by the journal's columns, or by the name runSchemaName gives it. */
function ownerOf(k: KeptSchema, runs: readonly RunRow[]): RunRow | null {
  return runs.find((r) => (k.kind === 'staging' && r.staging_schema === k.schema) || (k.kind === 'previous' && r.previous_schema === k.schema) || runSchemaName(k.kind, r.run_id) === k.schema) ?? null;
}

/** Age of a schema without a journal row, from the run id its name carries (sqlite2pg_<kind>_<yyyymmddthhmmss>_…). */
function ageFromName(schema: string, now: Date): number | null {
  const m = /_(\d{4})(\d{2})(\d{2})t(\d{2})(\d{2})(\d{2})_/.exec(schema);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return (now.getTime() - t) / DAY_MS;
}

export async function prune(target: TargetSettings, o: PruneOptions): Promise<PruneResult> {
  const now = o.now ?? new Date();
  const client = await connectTarget(target);
  const lock = await connectTarget(target);
  const locked: string[] = [];
  const busy = new Set<string>();
  try {
    if (!(await journalExists(client))) return { dryRun: o.dryRun, dropped: [], kept: [], bytes: 0 };
    const runs = await allRuns(client);
    const candidates: { item: PruneItem; why: string | null }[] = [];

    /** Whether a run is working on `schema` now: its lock is held. While pruning, we hold it ourselves. */
    const isBusy = async (schema: string): Promise<boolean> => {
      if (busy.has(schema)) return true;
      if (locked.includes(schema)) return false;
      try {
        await acquireTargetLock(lock, schema);
        locked.push(schema);
        return false;
      } catch (e) {
        if (e instanceof LoadError && e.code === 'E_TARGET_LOCKED') {
          busy.add(schema);
          return true;
        }
        throw e;
      }
    };
    const age = (r: RunRow | null, fallback: number | null): number | null => (r ? (now.getTime() - lastEvent(r).getTime()) / DAY_MS : fallback);
    const tooNew = (a: number | null): boolean => o.olderThanDays !== null && (a === null || a < o.olderThanDays);

    for (const k of await keptSchemas(client)) {
      const run = ownerOf(k, runs);
      const item: PruneItem = { kind: k.kind, name: k.schema, runId: run?.run_id ?? null, runStatus: run?.status ?? null, targetSchema: run?.target_schema ?? null, bytes: k.bytes, ageDays: age(run, ageFromName(k.schema, now)) };
      let why: string | null = null;
      if (run && (await isBusy(run.target_schema))) why = `a run is working on schema ${run.target_schema} now (its lock is held)`;
      else if (k.kind === 'previous' && run?.status === 'cut-over' && !o.all) why = `what rolling back the live run ${run.run_id} restores (--all to drop it too)`;
      else if (tooNew(item.ageDays)) why = `younger than ${o.olderThanDays} days`;
      else {
        const deps = await outsideDependents(client, k.schema);
        if (deps.length) why = `objects outside it depend on it: ${deps.join(', ')} (drop or change them first)`;
      }
      candidates.push({ item, why });
    }

    for (const run of runs) {
      if (!run.snapshot_path) continue;
      const size = await stat(run.snapshot_path).then((s) => (s.isFile() ? s.size : null), () => null);
      if (size === null) continue; // already gone, or on another machine
      const item: PruneItem = { kind: 'snapshot', name: run.snapshot_path, runId: run.run_id, runStatus: run.status, targetSchema: run.target_schema, bytes: size, ageDays: age(run, null) };
      let why: string | null = null;
      if (await isBusy(run.target_schema)) why = `a run is working on schema ${run.target_schema} now (its lock is held)`;
      else if (run.status === 'cut-over' && !o.all) why = `the bytes the live run ${run.run_id} migrated, what a fallback or an audit needs (--all to remove it too)`;
      else if (tooNew(item.ageDays)) why = `younger than ${o.olderThanDays} days`;
      candidates.push({ item, why });
    }

    const dropped: PruneItem[] = [];
    const kept: (PruneItem & { why: string })[] = [];
    for (const { item, why } of candidates) {
      if (why !== null) {
        kept.push({ ...item, why });
        continue;
      }
      if (!o.dryRun) {
        try {
          if (item.kind === 'snapshot') {
            await rm(item.name, { force: true });
            for (const side of ['-wal', '-shm', '-journal']) await rm(item.name + side, { force: true });
          } else {
            await dropKeptSchema(client, item.name);
          }
        } catch (e) {
          kept.push({ ...item, why: `could not be removed: ${(e as Error).message}` });
          continue;
        }
      }
      dropped.push(item);
    }
    return { dryRun: o.dryRun, dropped, kept, bytes: dropped.reduce((n, d) => n + d.bytes, 0) };
  } catch (e) {
    if (e instanceof MigrateError) throw e;
    throw new LoadError('E_PRUNE', `Prune failed: ${(e as Error).message}`, { cause: e, hint: 'What was listed before the failure is gone; fix the cause, then see what is left with prune --dry-run.' });
  } finally {
    for (const s of locked) await releaseTargetLock(lock, s).catch(() => undefined);
    await lock.end().catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
