/**
 * The advisory lock key of a target schema, shared by the lock itself (target-lock.ts) and by the
 * journal listing, which tells a run that is still working from one whose process died.
 */

/** SQL for the bigint advisory lock key of the schema named by the SQL expression `schema`. */
export function lockKeySql(schema = '$1'): string {
  return `hashtextextended('sqlite2pg:' || ${schema}, 0)`;
}

/**
 * SQL that is true while some session of this database holds the target lock of `schema`. A
 * single-bigint advisory lock shows in pg_locks as classid = high 32 bits, objid = low 32 bits,
 * objsubid = 1 (https://www.postgresql.org/docs/current/view-pg-locks.html).
 */
export function lockHeldSql(schema = '$1'): string {
  return `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND ((l.classid::bigint << 32) | l.objid::bigint) = ${lockKeySql(schema)})`;
}
