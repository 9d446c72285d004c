/**
 * Which bytes the run reads: a fresh snapshot of the source (sha256 recorded), the snapshot of
 * the interrupted run being resumed (checked unchanged), or the source file itself; and whether
 * those bytes are sound (`PRAGMA quick_check`) before anything is loaded from them.
 */
import { rm, stat, statfs } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type pg from 'pg';
import { SourceError, UsageError } from '../../errors.js';
import { recordRunSnapshot, type RunRow } from '../../cutover/journal.js';
import { checkSnapshotDir, discardSnapshot, markSnapshotKept, pruneSnapshots, recordSnapshot, takeSnapshot } from '../../source/snapshot.js';
import { hashSqliteFile, type SqliteFileHashes } from '../../source/sqlite-file-hash.js';
import { quickCheck } from '../../source/sqlite-db.js';
import type { QuickCheckResult } from '../../source/content-hash-worker.js';
import type { StepLog } from '../step-log.js';

export interface SnapshotSettings {
  readonly enabled: boolean;
  readonly dir: string;
  readonly retentionDays: number;
  /** Keep the snapshot of a run that does not cut over (dry run, failure, quarantine stop). */
  readonly keep?: boolean;
}

export interface SourceBytes {
  /** The file every later phase reads. */
  readonly readPath: string;
  readonly sha256: string | null;
  /** Both hashes of the file read (sha256 and content hash), from the same read that gave sha256: the cutover records them as the fingerprint of what was migrated. */
  readonly hashes: SqliteFileHashes;
  readonly snapshotPath: string | null;
  /** True when this run took the snapshot (a resumed run reads the one its first attempt took). */
  readonly snapshotTaken: boolean;
}

export interface SourceOptions {
  readonly sourcePath: string;
  readonly snapshot: SnapshotSettings;
  /** Do not run `PRAGMA quick_check` (a huge file whose check the window cannot afford); reported as skipped. */
  readonly skipIntegrityCheck?: boolean;
  /** Runs on a fresh WAL snapshot before it is hashed (online mode: changelog position, capture removed). */
  readonly onSnapshot?: (copyPath: string) => void;
}

/** Pre-flight, before any work: a snapshot directory of its own, never the one holding the source. */
export async function checkSourceSettings(o: SourceOptions): Promise<void> {
  if (o.snapshot.enabled) await checkSnapshotDir(o.snapshot.dir, o.sourcePath);
}

/** The nearest directory of `path` that exists (the snapshot directory is created by the snapshot). */
async function existingDir(path: string): Promise<string> {
  let p = resolve(path);
  for (;;) {
    const s = await stat(p).catch(() => null);
    if (s?.isDirectory()) return p;
    const up = dirname(p);
    if (up === p) return p;
    p = up;
  }
}

const MiB = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

/**
 * Pre-flight: room in the snapshot directory for a copy of the source. A snapshot holds at most
 * the file's pages plus those in its -wal (VACUUM INTO drops free pages, so it is usually smaller).
 */
export async function checkSnapshotSpace(o: SourceOptions, sizeBytes: number): Promise<void> {
  if (!o.snapshot.enabled) return;
  const wal = (await stat(`${o.sourcePath}-wal`).catch(() => null))?.size ?? 0;
  const need = sizeBytes + wal;
  const dir = await existingDir(o.snapshot.dir);
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (free < need) {
    throw new UsageError(`The snapshot directory ${o.snapshot.dir} has ${MiB(free)} free; a snapshot of ${o.sourcePath} needs up to ${MiB(need)} (the file${wal ? ' and its -wal' : ''}).`, {
      hint: 'Free space there, or pass --snapshot-dir <a directory with room for a copy of the source>. Nothing was done.',
    });
  }
}

export async function readSource(o: SourceOptions, runId: string, resumed: RunRow | null, log: StepLog): Promise<SourceBytes> {
  let bytes: SourceBytes;
  /** The quick_check the snapshot ran beside its copy, if it did. */
  let checked: QuickCheckResult | null = null;
  if (resumed) {
    // Resume from the very bytes the interrupted run read: its snapshot, or the unchanged source.
    const readPath = resumed.snapshot_path ?? o.sourcePath;
    const hashes = await hashSqliteFile(readPath).catch(() => null);
    const sha256 = hashes?.sha256 ?? null;
    if (hashes === null || sha256 !== resumed.source_sha256) {
      throw new UsageError(`Cannot resume run ${resumed.run_id}: ${resumed.snapshot_path ? `its snapshot ${resumed.snapshot_path} is missing or changed` : `the source changed since it started`} (sha256 ${resumed.source_sha256?.slice(0, 12)}… then).`, { hint: 'Start a new run without --resume.' });
    }
    bytes = { readPath, sha256, hashes, snapshotPath: resumed.snapshot_path, snapshotTaken: false };
  } else if (o.snapshot.enabled) {
    const snap = await log.timed('snapshot source', 'pre', () => takeSnapshot(o.sourcePath, o.snapshot.dir, runId, o.onSnapshot, { quickCheck: !o.skipIntegrityCheck }));
    try {
      await recordSnapshot(o.snapshot.dir, { file: basename(snap.path), runId, source: o.sourcePath, sha256: snap.sha256, sizeBytes: snap.sizeBytes, createdAt: new Date().toISOString(), kept: null });
    } catch (e) {
      // Unlisted, it could never be pruned: it goes now.
      await rm(snap.path, { force: true }).catch(() => undefined);
      const code = (e as NodeJS.ErrnoException).code;
      throw new SourceError('E_SNAPSHOT', `Could not record the snapshot of ${o.sourcePath} in the manifest of ${o.snapshot.dir} (${code ?? (e as Error).message}); the snapshot was deleted.`, { cause: e, hint: 'Check free disk space and permissions of the snapshot directory, and that its sqlite2pg-snapshots.json is a file sqlite2pg wrote.' });
    }
    // Only snapshots listed in the manifest, unchanged since, are ever deleted (never this run's).
    const pruned = await pruneSnapshots(o.snapshot.dir, o.snapshot.retentionDays, Date.now(), [basename(snap.path)]);
    if (pruned.removed.length) log.note([`pruned ${pruned.removed.length} snapshot${pruned.removed.length > 1 ? 's' : ''} older than ${o.snapshot.retentionDays} days from ${o.snapshot.dir}: ${pruned.removed.join(', ')}`]);
    for (const f of pruned.leftAlone) log.warn(`snapshot ${f} in ${o.snapshot.dir} no longer matches the manifest (size or sha256 changed): left alone and forgotten, delete it yourself if it is not needed`);
    bytes = { readPath: snap.path, sha256: snap.sha256, hashes: snap.hashes, snapshotPath: snap.path, snapshotTaken: true };
    checked = snap.integrity;
  } else {
    const hashes = await hashSqliteFile(o.sourcePath);
    bytes = { readPath: o.sourcePath, sha256: hashes.sha256, hashes, snapshotPath: null, snapshotTaken: false };
  }
  try {
    await checkIntegrity(o, bytes.readPath, log, checked);
  } catch (e) {
    // A corrupt source is not migrated: its snapshot is of no use to keep.
    if (bytes.snapshotTaken && bytes.snapshotPath && !o.snapshot.keep) await discardSnapshot(bytes.snapshotPath).catch(() => undefined);
    throw e;
  }
  return bytes;
}

/**
 * `PRAGMA quick_check` of the bytes the run reads. The checksums prove the copy of what was read;
 * a damaged page (a cell-pointer array out of order) reads rows twice or not at all, and only a
 * structural check sees that. Measured in the README (Verification). `checked`: the check the
 * snapshot already ran on those bytes beside its copy (source/content-hash-worker.ts), reported
 * as this step with its own duration, which overlapped the copy's.
 */
async function checkIntegrity(o: SourceOptions, readPath: string, log: StepLog, checked: QuickCheckResult | null): Promise<void> {
  const name = 'integrity check (quick_check)';
  if (o.skipIntegrityCheck) {
    log.step({ step: name, section: 'pre', status: 'skipped', startMs: Date.now() - log.t0, ms: 0 });
    log.warn('the integrity check of the source was skipped (--skip-integrity-check): a damaged page would not be noticed, and verification only proves the copy of what was read');
    return;
  }
  const run = async (): Promise<void> => {
    const problems = checked ? checked.problems : quickCheck(readPath);
    if (problems.length) {
      throw new SourceError('E_SOURCE_CORRUPT', `Source ${o.sourcePath} is corrupt: PRAGMA quick_check found ${problems.length === 20 ? 'at least 20' : problems.length} problem${problems.length > 1 ? 's' : ''}${readPath !== o.sourcePath ? ` (in its snapshot ${readPath})` : ''}.`, {
        problems,
        hint: `Nothing was loaded. Restore it from a backup, or recover what SQLite can read (sqlite3 ${o.sourcePath} ".recover" | sqlite3 recovered.db), check that, and migrate the recovered file.`,
      });
    }
  };
  await (checked ? log.ranBeside(name, 'pre', checked, run) : log.timed(name, 'pre', run));
}

/**
 * At the end of a run: a snapshot of a run that did not cut over is deleted, unless it was asked
 * for (`--keep-snapshot`) or `--resume` needs it (a failed run whose staging schema is kept).
 * A kept one is marked in the manifest; the journal's snapshot_path says whether it still exists.
 */
export async function settleSnapshot(admin: pg.ClientBase | null, runId: string, bytes: SourceBytes, o: { cutOver: boolean; keep: boolean; resumable: boolean }, log: StepLog): Promise<void> {
  const path = bytes.snapshotPath;
  if (!path || o.cutOver) return;
  if (o.keep || o.resumable) {
    const reason = o.keep ? '--keep-snapshot' : 'resume';
    await markSnapshotKept(path, reason).catch(() => undefined);
    log.note([`snapshot ${path} kept (${o.keep ? '--keep-snapshot' : 'for --resume of this run'}); it is pruned with the others after the retention period`]);
    return;
  }
  const removed = await discardSnapshot(path).catch(() => false);
  if (!removed) return;
  if (admin) await recordRunSnapshot(admin, runId, null).catch(() => undefined);
  log.note([`snapshot ${path} deleted: the run did not cut over (--keep-snapshot keeps it); ${dirname(path)} keeps the others`]);
}
