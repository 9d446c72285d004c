/** Write the short report of a rollback next to the migration reports: `<YYYYMMDD-HHMMSS-mmm>-<schema>-rollback.md` (run/write-report.ts). */
import { renderRollbackReport, type RollbackRecord } from '../report/render-rollback.js';
import { commandReportStem, writeReportFiles } from './write-report.js';

export async function writeRollbackReport(record: RollbackRecord, reportsDir: string): Promise<string> {
  const [path] = await writeReportFiles(reportsDir, commandReportStem(new Date(record.startedAt), record.schema, 'rollback'), [{ ext: '.md', text: renderRollbackReport(record) }]);
  return path!;
}
