/** The pure decision behind verify's "source changed" warning (run/verify-run.ts). */
import { describe, expect, it } from 'vitest';
import { sourceChangeWarning, type SourceChangeFacts } from '../../../src/run/verify-run.js';

const base: SourceChangeFacts = {
  runId: 'R1',
  sourcePath: '/data/app.db',
  recordedSha256: 'a'.repeat(64),
  sha256: 'b'.repeat(64),
  wal: true,
  mappingsChanged: false,
  tables: [
    { table: 'items', recorded: '3:10', now: '3:10' },
    { table: 'tags', recorded: '2:5', now: '2:5' },
  ],
};

describe('sourceChangeWarning', () => {
  it('equal bytes: unchanged, whatever else', () => {
    expect(sourceChangeWarning({ ...base, sha256: base.recordedSha256!, mappingsChanged: true })).toBeNull();
  });

  it('WAL source, other bytes, every table as recorded: no warning', () => {
    expect(sourceChangeWarning(base)).toBeNull();
  });

  it('rollback-journal source, other bytes, every table as recorded: a note that the change is outside the mappings', () => {
    expect(sourceChangeWarning({ ...base, wal: false })).toBe(
      'the source /data/app.db is not byte for byte the file run R1 read (sha256 aaaaaaaaaaaa… then, bbbbbbbbbbbb… now), but every table holds the rows the run migrated: the change is outside what the mappings carry (a table or object not migrated, a VACUUM, or bytes a cast drops); the result is not affected',
    );
  });

  it('a changed, an added and a removed table are each named with recorded and current checksums', () => {
    const w = sourceChangeWarning({
      ...base,
      tables: [
        { table: 'items', recorded: '3:10', now: '4:12' },
        { table: 'tags', recorded: '2:5', now: '2:5' },
        { table: 'fresh', recorded: undefined, now: '1:1' },
        { table: 'old', recorded: '5:5', now: null },
      ],
    });
    expect(w).toBe(
      'the source /data/app.db changed since run R1 migrated it: the rows of 3 tables differ from the ones the run read (count:checksum): items (3:10 recorded, 4:12 now), fresh (not migrated by the run, 1:1 now), old (5:5 recorded, no longer in the source). Differences verify finds in these tables may be writes made to SQLite after the migration, not rows the migration lost',
    );
  });

  it('other mapping files: cannot tell, and says why', () => {
    expect(sourceChangeWarning({ ...base, mappingsChanged: true })).toMatch(/^cannot tell whether the source \/data\/app\.db changed since run R1 migrated it: the mapping files differ/);
  });

  it('no recorded sha256 (an old journal) and rows as recorded: no warning', () => {
    expect(sourceChangeWarning({ ...base, recordedSha256: null, wal: false })).toBeNull();
  });
});
