/**
 * Which bytes the run reads: a fresh snapshot of the source (sha256 recorded), the snapshot of
 * the interrupted run being resumed (checked unchanged), or the source file itself.
 */
import { UsageError } from '../../errors.js';
import type { RunRow } from '../../cutover/journal.js';
import { sha256File, takeSnapshot, pruneSnapshots } from '../../source/snapshot.js';
import type { StepLog } from '../step-log.js';

export interface SnapshotSettings {
  readonly enabled: boolean;
  readonly dir: string;
  readonly retentionDays: number;
}

export interface SourceBytes {
  /** The file every later phase reads. */
  readonly readPath: string;
  readonly sha256: string | null;
  readonly snapshotPath: string | null;
}

/** `onSnapshot`: runs on a fresh WAL snapshot before it is hashed (online mode: changelog position, capture removed). */
export async function readSource(o: { sourcePath: string; snapshot: SnapshotSettings; onSnapshot?: (copyPath: string) => void }, runId: string, resumed: RunRow | null, log: StepLog): Promise<SourceBytes> {
  if (resumed) {
    // Resume from the very bytes the interrupted run read: its snapshot, or the unchanged source.
    const readPath = resumed.snapshot_path ?? o.sourcePath;
    const sha256 = await sha256File(readPath).catch(() => null);
    if (sha256 === null || sha256 !== resumed.source_sha256) {
      throw new UsageError(`Cannot resume run ${resumed.run_id}: ${resumed.snapshot_path ? `its snapshot ${resumed.snapshot_path} is missing or changed` : `the source changed since it started`} (sha256 ${resumed.source_sha256?.slice(0, 12)}… then).`, { hint: 'Start a new run without --resume.' });
    }
    return { readPath, sha256, snapshotPath: resumed.snapshot_path };
  }
  if (o.snapshot.enabled) {
    const snap = await log.timed('snapshot source', 'pre', () => takeSnapshot(o.sourcePath, o.snapshot.dir, runId, o.onSnapshot));
    await pruneSnapshots(o.snapshot.dir, o.snapshot.retentionDays, Date.now());
    return { readPath: snap.path, sha256: snap.sha256, snapshotPath: snap.path };
  }
  return { readPath: o.sourcePath, sha256: await sha256File(o.sourcePath), snapshotPath: null };
}
