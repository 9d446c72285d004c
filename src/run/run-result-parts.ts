/** Pieces of a RunResult that migrate and verify build the same way. */
import type { ObjectCounts, RunResult } from '../model/run-result.js';
import type { TargetSettings } from '../load/target.js';

export const NO_OBJECTS: ObjectCounts = Object.freeze({ tables: 0, primaryKeys: 0, uniqueIndexes: 0, indexes: 0, foreignKeys: 0, checks: 0, triggers: 0, identityResets: 0, views: 0 });

export const NO_CUTOVER: RunResult['cutover'] = Object.freeze({ performed: false, ms: null, previousSchema: null, rollbackCommand: null, rollbackDescription: null });

/** The target as the report shows it: the URL with its password redacted, never the password. */
export function targetFacts(target: TargetSettings, schema: string, serverVersion: string | null, embedded: boolean): RunResult['target'] {
  return { url: target.display, host: target.host, port: target.port, database: target.database, schema, serverVersion, embedded };
}
