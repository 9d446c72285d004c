/**
 * The content hash of a file in a thread of its own: the snapshot's copy hashes the bytes it
 * writes (sha256) on the main thread while this reads the same file (under the copy's SHARED lock,
 * so the same bytes) and computes the content hash, so the two sha256 passes of a large source
 * run on both cores instead of one after the other. https://nodejs.org/api/worker_threads.html
 *
 * With `quickCheck`, it then runs `PRAGMA quick_check` on the same file, still under the copy's
 * lock (the copy waits for this reply before it ends its read transaction): the check of the
 * bytes the run reads, done while the main thread is still copying them (1.33 s of a 5M-row
 * run's 8.1 s pre phase, 2026-12-08). A check that cannot run at all (not a problem list) is
 * reported as not done: the caller then checks the snapshot itself and reports what fails.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hashSqliteContent } from './sqlite-file-hash.js';
import { quickCheck } from './sqlite-db.js';

/** The result of a quick_check run beside the copy: the problems it found ([] when ok), when it started (epoch ms) and how long it took. */
export interface QuickCheckResult {
  readonly problems: readonly string[];
  readonly startedAt: number;
  readonly ms: number;
}

export type ContentHashReply =
  | { readonly ok: true; readonly contentSha256: string; readonly wal: boolean; readonly integrity: QuickCheckResult | null }
  | { readonly ok: false; readonly message: string };

function checkBeside(path: string): QuickCheckResult | null {
  const start = Date.now();
  try {
    return { problems: quickCheck(path), startedAt: start, ms: Date.now() - start };
  } catch {
    return null;
  }
}

if (parentPort) {
  const port = parentPort;
  const data = workerData as { path: string; quickCheck?: boolean };
  hashSqliteContent(data.path).then(
    (h) => port.postMessage({ ok: true, ...h, integrity: data.quickCheck ? checkBeside(data.path) : null } satisfies ContentHashReply),
    (e: unknown) => port.postMessage({ ok: false, message: (e as Error)?.message ?? String(e) } satisfies ContentHashReply),
  );
}
