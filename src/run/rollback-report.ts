/** Write the short report of a rollback next to the migration reports: `<YYYYMMDD-HHMMSS>-<schema>-rollback.md`. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderRollbackReport, type RollbackRecord } from '../report/render-rollback.js';

export async function writeRollbackReport(record: RollbackRecord, reportsDir: string): Promise<string> {
  const dir = resolve(reportsDir);
  await mkdir(dir, { recursive: true });
  const stamp = record.startedAt.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const path = join(dir, `${stamp}-${record.schema.replace(/[^\w.-]/g, '_')}-rollback.md`);
  await writeFile(path, renderRollbackReport(record));
  return path;
}
