/** What the run needs to know of the target before it writes anything there. */
import type pg from 'pg';
import { LoadError, UsageError } from '../../errors.js';
import { journalExists, resumableRun, type RunRow } from '../../cutover/journal.js';

/** The interrupted run `--resume` continues, or a usage error when there is none. */
export async function findResumable(c: pg.ClientBase, schema: string): Promise<RunRow> {
  let resumed: RunRow | null = null;
  if (await journalExists(c)) resumed = await resumableRun(c, schema);
  if (!resumed) throw new UsageError(`Nothing to resume: no interrupted run with a staging schema is recorded for schema ${schema}.`, { hint: 'Run without --resume to start a new run (sqlite2pg status lists the runs).' });
  return resumed;
}

/** Server version, database encoding and the privilege to create schemas; returns the version string for the report. */
export async function checkServer(admin: pg.ClientBase, database: string): Promise<string> {
  // Privileges (CREATE on the database and schema, read-only sessions) are checkTargetWritable's.
  const sv = await admin.query<{ v: string; n: string; enc: string }>(
    `SELECT version() AS v, current_setting('server_version_num') AS n, pg_encoding_to_char(encoding) AS enc
     FROM pg_database WHERE datname = current_database()`,
  );
  const serverVersion = sv.rows[0]!.v.split(' on ')[0]!;
  if (Number(sv.rows[0]!.n) < 130000) throw new LoadError('E_TARGET_VERSION', `${serverVersion} is too old: sqlite2pg needs PostgreSQL 13 or later.`, { hint: 'Upgrade the target, or migrate into another server.' });
  if (sv.rows[0]!.enc !== 'UTF8') throw new LoadError('E_TARGET_ENCODING', `Database ${database} uses encoding ${sv.rows[0]!.enc}; SQLite text is Unicode and needs UTF8.`, { hint: `Create the database with ENCODING 'UTF8' (createdb -E UTF8 -T template0 ...).` });
  return serverVersion;
}
