/**
 * The content hash of a file in a thread of its own: the snapshot's copy hashes the bytes it
 * writes (sha256) on the main thread while this reads the same file (under the copy's SHARED lock,
 * so the same bytes) and computes the content hash, so the two sha256 passes of a large source
 * run on both cores instead of one after the other. https://nodejs.org/api/worker_threads.html
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hashSqliteContent } from './sqlite-file-hash.js';

export type ContentHashReply = { readonly ok: true; readonly contentSha256: string; readonly wal: boolean } | { readonly ok: false; readonly message: string };

if (parentPort) {
  const port = parentPort;
  hashSqliteContent((workerData as { path: string }).path).then(
    (h) => port.postMessage({ ok: true, ...h } satisfies ContentHashReply),
    (e: unknown) => port.postMessage({ ok: false, message: (e as Error)?.message ?? String(e) } satisfies ContentHashReply),
  );
}
