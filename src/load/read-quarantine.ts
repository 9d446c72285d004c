/** Read back a quarantine file (JSON lines) in a streaming way. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { QuarantineRecord } from './quarantine-files.js';

export async function* readQuarantineFile(path: string): AsyncGenerator<QuarantineRecord> {
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim()) yield JSON.parse(line) as QuarantineRecord;
  }
}
