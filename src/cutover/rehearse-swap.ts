/**
 * The cutover swap, rehearsed read-only: what it would move aside, what depends on those live
 * objects (and so would follow them out of the live schema: SET SCHEMA keeps OIDs), and whether
 * this role may do the swap at all (ownership, CREATE privileges, names free in the live schema).
 * The dry run and the pre-load check of a real run call it before anything is loaded; swapIn
 * reads the same dependents again inside its transaction, so what it acts on is the live state.
 */
import type pg from 'pg';
import type { Plan, TablePlan } from '../model/plan.js';
import { MAX_IDENTIFIER_BYTES, fitIdentifier, qualify, quoteIdent } from '../plan/identifiers.js';
import { JOURNAL_SCHEMA } from './journal.js';

export type DependentKind = 'foreign-key' | 'view' | 'materialized-view' | 'rule' | 'function' | 'column-default' | 'trigger' | 'policy' | 'grant';

/** An object that is not moved but depends on a live object the cutover moves aside. */
export interface SwapDependent {
  readonly kind: DependentKind;
  /** The object, qualified: `public.audit.audit_user_id_fkey`, `public.user_emails`, `public.log_user()`. */
  readonly object: string;
  /** The live table or view (unqualified, in the live schema) it depends on. */
  readonly on: string;
  /** What happens to it, and what to do by hand (nothing for a foreign key: the cutover re-points it). */
  readonly action: string;
}

/** A foreign key of a table outside the migration referencing a live table the cutover moves aside. */
export interface OutsideForeignKey {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly match: 'SIMPLE' | 'FULL' | 'PARTIAL';
  readonly onUpdate: string;
  readonly onDelete: string;
  /** `ON DELETE SET NULL (cols)` / `SET DEFAULT (cols)` (PostgreSQL 15+), else null. */
  readonly deleteSetColumns: readonly string[] | null;
  readonly deferrable: boolean;
  readonly deferred: boolean;
  /** False when the application created it NOT VALID: it is re-pointed NOT VALID again. */
  readonly validated: boolean;
}

export interface LiveDependents {
  readonly foreignKeys: readonly OutsideForeignKey[];
  /** Everything, foreign keys included, for the report. */
  readonly dependents: readonly SwapDependent[];
}

const ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };
const MATCH: Record<string, OutsideForeignKey['match']> = { s: 'SIMPLE', f: 'FULL', p: 'PARTIAL' };

/** `public.audit.audit_user_fk` */
export function foreignKeyLabel(fk: OutsideForeignKey): string {
  return `${fk.schema}.${fk.table}.${fk.name}`;
}

/** The constraint definition of `fk`, referencing `refSchema`.`fk.refTable` (same name, columns, actions). */
export function foreignKeyDefinition(fk: OutsideForeignKey, refSchema: string, notValid: boolean): string {
  const cols = (c: readonly string[]): string => c.map(quoteIdent).join(', ');
  const setCols = fk.deleteSetColumns?.length ? ` (${cols(fk.deleteSetColumns)})` : '';
  return (
    `FOREIGN KEY (${cols(fk.columns)}) REFERENCES ${qualify(refSchema, fk.refTable)} (${cols(fk.refColumns)}) MATCH ${fk.match}` +
    ` ON UPDATE ${fk.onUpdate} ON DELETE ${fk.onDelete}${setCols}` +
    `${fk.deferrable ? ` DEFERRABLE INITIALLY ${fk.deferred ? 'DEFERRED' : 'IMMEDIATE'}` : ''}${notValid ? ' NOT VALID' : ''}`
  );
}

/** Rows of the referencing table that reference no row of `refSchema`.`fk.refTable`, as PostgreSQL's check sees them. */
export function orphanCountSql(fk: OutsideForeignKey, refSchema: string): string {
  const allSet = fk.columns.map((c) => `c.${quoteIdent(c)} IS NOT NULL`).join(' AND ');
  const noneSet = fk.columns.map((c) => `c.${quoteIdent(c)} IS NULL`).join(' AND ');
  const missing = `NOT EXISTS (SELECT 1 FROM ${qualify(refSchema, fk.refTable)} p WHERE ${fk.columns.map((c, i) => `p.${quoteIdent(fk.refColumns[i]!)} = c.${quoteIdent(c)}`).join(' AND ')})`;
  // MATCH SIMPLE: a row with any NULL key column passes; MATCH FULL: only all-NULL passes.
  const where = fk.match === 'FULL' ? `NOT (${noneSet}) AND (NOT (${allSet}) OR ${missing})` : `${allSet} AND ${missing}`;
  return `SELECT count(*)::bigint AS n FROM ${qualify(fk.schema, fk.table)} c WHERE ${where}`;
}

export async function countOrphans(client: pg.ClientBase, fk: OutsideForeignKey, refSchema: string): Promise<number> {
  const r = await client.query<{ n: string }>(orphanCountSql(fk, refSchema));
  return Number(r.rows[0]!.n);
}

/** Schemas whose objects are sqlite2pg's own (never "the application's" dependents). */
const OWN_SCHEMAS = `(n.nspname IN ('pg_catalog', 'information_schema', '${JOURNAL_SCHEMA}') OR n.nspname ~ '^sqlite2pg_(staging|previous|rolledback)_' OR n.nspname LIKE 'pg\\_toast%')`;

/**
 * Everything outside `aside` that depends on the relations `aside` of schema `live` (the ones a
 * swap moves out of it). Read-only. Foreign keys are returned with their full definition.
 */
export async function liveDependents(client: pg.ClientBase, live: string, aside: readonly string[]): Promise<LiveDependents> {
  if (aside.length === 0) return { foreignKeys: [], dependents: [] };
  const params = [live, [...aside]];
  // The moved relations: OIDs of the live relations of these names.
  const moved = `(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p', 'v', 'm', 'f'))`;
  const fks = await client.query<{ schema: string; table: string; name: string; columns: string[]; ref_table: string; ref_columns: string[]; upd: string; del: string; match: string; deferrable: boolean; deferred: boolean; validated: boolean; set_cols: string[] | null }>(
    `SELECT n.nspname AS schema, c.relname AS table, con.conname AS name, rc.relname AS ref_table,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.i) AS columns,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.i) AS ref_columns,
       con.confupdtype::text AS upd, con.confdeltype::text AS del, con.confmatchtype::text AS match,
       con.condeferrable AS deferrable, con.condeferred AS deferred, con.convalidated AS validated,
       (SELECT array_agg(a.attname::text ORDER BY e.i) FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(to_jsonb(con) -> 'confdelsetcols') = 'array' THEN to_jsonb(con) -> 'confdelsetcols' ELSE '[]' END) WITH ORDINALITY e(num, i)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = e.num::int) AS set_cols
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class rc ON rc.oid = con.confrelid
     WHERE con.contype = 'f' AND con.conparentid = 0 AND con.confrelid IN ${moved} AND con.conrelid NOT IN ${moved}
     ORDER BY 1, 2, 3`,
    params,
  );
  const foreignKeys: OutsideForeignKey[] = fks.rows.map((r) => ({
    schema: r.schema,
    table: r.table,
    name: r.name,
    columns: r.columns,
    refTable: r.ref_table,
    refColumns: r.ref_columns,
    match: MATCH[r.match] ?? 'SIMPLE',
    onUpdate: ACTIONS[r.upd] ?? 'NO ACTION',
    onDelete: ACTIONS[r.del] ?? 'NO ACTION',
    deleteSetColumns: r.set_cols,
    deferrable: r.deferrable,
    deferred: r.deferred,
    validated: r.validated,
  }));
  const dependents: SwapDependent[] = foreignKeys.map((fk) => ({
    kind: 'foreign-key',
    object: foreignKeyLabel(fk),
    on: fk.refTable,
    action: `foreign key ${foreignKeyLabel(fk)} references ${live}.${fk.refTable}, which the cutover moves aside: it re-points the key to the new ${live}.${fk.refTable} in its transaction (same name, columns and actions), validated; NOT VALID with the orphan rows counted when rows do not match`,
  }));

  // Views, materialized views and rules of other relations reading a moved relation (bound by OID).
  const views = await client.query<{ object: string; kind: string; on: string; rule: string }>(
    `SELECT DISTINCT n.nspname || '.' || dc.relname AS object, dc.relkind::text AS kind, c.relname AS on, rw.rulename AS rule
     FROM pg_depend d JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
     JOIN pg_class dc ON dc.oid = rw.ev_class JOIN pg_namespace n ON n.oid = dc.relnamespace JOIN pg_class c ON c.oid = d.refobjid
     WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid IN ${moved} AND dc.oid NOT IN ${moved} AND NOT ${OWN_SCHEMAS}
     ORDER BY 1, 3`,
    params,
  );
  for (const v of views.rows) {
    const kind: DependentKind = v.kind === 'v' && v.rule === '_RETURN' ? 'view' : v.kind === 'm' ? 'materialized-view' : 'rule';
    const what = kind === 'rule' ? `rule ${v.rule} of ${v.object}` : v.object;
    dependents.push({
      kind,
      object: kind === 'rule' ? `${v.object}.${v.rule}` : v.object,
      on: v.on,
      action: `${what} keeps reading the previous ${v.on} (moved into the sqlite2pg_previous_… schema): re-create it (${kind === 'materialized-view' ? 'DROP and CREATE MATERIALIZED VIEW' : kind === 'view' ? 'CREATE OR REPLACE VIEW' : 'CREATE OR REPLACE RULE'}) after the cutover if it should read the new data; DROP SCHEMA of the previous tables needs it gone first`,
    });
  }

  // Functions: a SQL-standard body (BEGIN ATOMIC) is bound by OID; any other body names tables as
  // text, resolved when it runs (so it will use the new table): found by a word match, which may
  // also catch a mere mention.
  const fns = await client.query<{ object: string; on: string; bound: boolean; triggers: string[] }>(
    `SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS object, t.name AS on,
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_class'::regclass
               AND d.refobjid = (SELECT c.oid FROM pg_class c JOIN pg_namespace cn ON cn.oid = c.relnamespace WHERE cn.nspname = $1 AND c.relname = t.name AND c.relkind IN ('r', 'p', 'v', 'm', 'f'))) AS bound,
       ARRAY(SELECT tn.nspname || '.' || tc.relname || '.' || tg.tgname FROM pg_trigger tg JOIN pg_class tc ON tc.oid = tg.tgrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
             WHERE tg.tgfoid = p.oid AND NOT tg.tgisinternal AND tg.tgrelid NOT IN ${moved} ORDER BY 1) AS triggers
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace CROSS JOIN unnest($2::text[], $3::text[]) AS t(name, re)
     WHERE NOT ${OWN_SCHEMAS} AND p.prokind IN ('f', 'p') AND p.prolang NOT IN (SELECT oid FROM pg_language WHERE lanname IN ('internal', 'c'))
       AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
       AND (p.prosrc ~* ('(^|[^[:alnum:]_$])"?' || t.re || '"?($|[^[:alnum:]_$])')
            OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_class'::regclass
                       AND d.refobjid = (SELECT c.oid FROM pg_class c JOIN pg_namespace cn ON cn.oid = c.relnamespace WHERE cn.nspname = $1 AND c.relname = t.name AND c.relkind IN ('r', 'p', 'v', 'm', 'f'))))
     ORDER BY 1, 2`,
    // Each name as a regular expression matching itself (ASCII punctuation escaped).
    [...params, aside.map((a) => a.replace(/[.^$|?*+()[\]{}\\-]/g, '\\$&'))],
  );
  for (const f of fns.rows) {
    const used = f.triggers.length ? ` (used by trigger${f.triggers.length > 1 ? 's' : ''} ${f.triggers.join(', ')})` : '';
    dependents.push({
      kind: 'function',
      object: f.object,
      on: f.on,
      action: f.bound
        ? `${f.object}${used} is bound to the previous ${f.on} (SQL-standard body): re-create it after the cutover so it uses the new table`
        : `${f.object}${used} names ${f.on} in its body, resolved when it runs: it will use the new table; check it against the new columns and types`,
    });
  }

  // Column defaults of other tables drawing from a sequence owned by a moved table (nextval follows the OID).
  const defaults = await client.query<{ object: string; seq: string; on: string }>(
    `SELECT n.nspname || '.' || c.relname || '.' || a.attname AS object, s.relname AS seq, o.relname AS on
     FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
     JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
     JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
     JOIN pg_depend od ON od.classid = 'pg_class'::regclass AND od.objid = s.oid AND od.refclassid = 'pg_class'::regclass AND od.deptype IN ('a', 'i')
     JOIN pg_class o ON o.oid = od.refobjid
     WHERE o.oid IN ${moved} AND c.oid NOT IN ${moved} ORDER BY 1`,
    params,
  );
  for (const d of defaults.rows) {
    dependents.push({
      kind: 'column-default',
      object: d.object,
      on: d.on,
      action: `the default of ${d.object} draws from sequence ${d.seq}, owned by ${d.on}, which moves aside with it: ALTER TABLE … ALTER COLUMN … SET DEFAULT with the new table's sequence after the cutover (dropping the previous schema would drop this default)`,
    });
  }

  // Triggers and policies ON a moved table stay with it: the new table does not have them.
  const own = await client.query<{ on: string; kind: string; name: string; rls: boolean }>(
    `SELECT c.relname AS on, 'trigger' AS kind, tg.tgname AS name, false AS rls FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
       WHERE tg.tgrelid IN ${moved} AND NOT tg.tgisinternal
     UNION ALL
     SELECT c.relname, 'policy', pol.polname, c.relrowsecurity FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid WHERE pol.polrelid IN ${moved}
     UNION ALL
     SELECT c.relname, 'policy-on-other', n.nspname || '.' || pc.relname || '.' || pol.polname, false FROM pg_policy pol JOIN pg_class pc ON pc.oid = pol.polrelid JOIN pg_namespace n ON n.oid = pc.relnamespace
       JOIN pg_depend d ON d.classid = 'pg_policy'::regclass AND d.objid = pol.oid AND d.refclassid = 'pg_class'::regclass JOIN pg_class c ON c.oid = d.refobjid
       WHERE d.refobjid IN ${moved} AND pol.polrelid NOT IN ${moved}
     ORDER BY 1, 2, 3`,
    params,
  );
  for (const o of own.rows) {
    if (o.kind === 'trigger') {
      dependents.push({ kind: 'trigger', object: `${live}.${o.on}.${o.name}`, on: o.on, action: `trigger ${o.name} of the live ${o.on} stays on the previous table: if the new ${o.on} has none of that name, re-create it on the new table (CREATE TRIGGER) if the application relies on it` });
    } else if (o.kind === 'policy') {
      dependents.push({ kind: 'policy', object: `${live}.${o.on}.${o.name}`, on: o.on, action: `row-level security policy ${o.name} of the live ${o.on} stays on the previous table: the new ${o.on} has no policy${o.rls ? ' and row-level security is off on it' : ''}; re-create it (CREATE POLICY${o.rls ? ', ALTER TABLE … ENABLE ROW LEVEL SECURITY' : ''})` });
    } else {
      dependents.push({ kind: 'policy', object: o.name, on: o.on, action: `policy ${o.name} reads the previous ${o.on}: re-create it after the cutover if it should read the new table` });
    }
  }

  // Privileges granted on a moved table to other roles: the new table has only its owner's.
  const grants = await client.query<{ on: string; grantee: string; privileges: string }>(
    `SELECT c.relname AS on, CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END AS grantee, string_agg(DISTINCT x.privilege_type, ', ') AS privileges
     FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) x WHERE c.oid IN ${moved} AND x.grantee <> c.relowner GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  );
  for (const g of grants.rows) {
    dependents.push({ kind: 'grant', object: `${g.privileges} to ${g.grantee}`, on: g.on, action: `${g.grantee} has ${g.privileges} on the live ${g.on}, not on the new one: GRANT ${g.privileges} ON ${qualify(live, g.on)} TO ${g.grantee}; after the cutover` });
  }
  return { foreignKeys, dependents };
}

/** The objects a plan brings into the live schema, by the namespace their names live in. */
export interface IncomingObjects {
  readonly tables: readonly string[];
  readonly views: readonly string[];
  /** Indexes (and the constraints built on them) and identity sequences: their names are per schema. */
  readonly relations: readonly { readonly name: string; readonly what: string }[];
  /** Trigger functions (no arguments). */
  readonly functions: readonly string[];
}

/** PostgreSQL's name for an identity column's sequence, when it fits without truncation. */
function identitySequenceName(t: TablePlan, column: string): string | null {
  const name = `${t.target}_${column}_seq`;
  return Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES ? name : null;
}

export function incomingObjects(plan: Plan): IncomingObjects {
  const relations: { name: string; what: string }[] = [];
  for (const t of plan.tables) {
    if (t.primaryKey) relations.push({ name: t.primaryKey.name, what: `primary key index of ${t.target}` });
    for (const ix of t.indexes) relations.push({ name: ix.name, what: `index of ${t.target}` });
    for (const c of t.columns.filter((x) => x.identity)) {
      const seq = identitySequenceName(t, c.target);
      if (seq) relations.push({ name: seq, what: `identity sequence of ${t.target}.${c.target}` });
    }
  }
  return {
    tables: plan.tables.map((t) => t.target),
    views: plan.views.map((v) => v.target),
    relations,
    functions: plan.tables.filter((t) => t.touchColumn).map((t) => fitIdentifier(`${t.target}_touch_${t.touchColumn}`)),
  };
}

/** A live object of the same name as one the run brings in, moved aside by the cutover. */
export interface ReplacedObject {
  readonly kind: 'table' | 'view' | 'materialized-view' | 'foreign-table' | 'function';
  /** A function by its signature, `name()`. */
  readonly name: string;
}

export interface SwapRehearsal {
  /** The live schema's objects of the same names that the cutover moves aside (kept, rollback restores them). */
  readonly replaces: readonly ReplacedObject[];
  readonly dependents: readonly SwapDependent[];
  readonly foreignKeys: readonly OutsideForeignKey[];
  /** What would make the swap fail, each with what to GRANT or rename. Empty: the swap can run. */
  readonly problems: readonly string[];
}

const KIND: Record<string, ReplacedObject['kind']> = { r: 'table', p: 'table', v: 'view', m: 'materialized-view', f: 'foreign-table' };

/** Does the new table have a unique key (primary key or plain unique index) on exactly these columns? */
function hasUniqueKey(t: TablePlan, columns: readonly string[]): boolean {
  const want = [...columns].sort().join('\u0000');
  if (t.primaryKey && [...t.primaryKey.columns].sort().join('\u0000') === want) return true;
  return t.indexes.some((ix) => ix.unique && !ix.where && !ix.asciiFoldParts && ix.parts.every((p) => /^"([^"]|"")*"$/.test(p)) && ix.parts.map((p) => p.slice(1, -1).replaceAll('""', '"')).sort().join('\u0000') === want);
}

/**
 * Rehearse the swap of `plan` into `live` as the current role, read-only: the objects it would
 * move aside, their dependents, and every reason it would fail (all at once).
 */
export async function rehearseSwap(client: pg.ClientBase, plan: Plan, live: string): Promise<SwapRehearsal> {
  const incoming = incomingObjects(plan);
  const problems: string[] = [];
  const role = await client.query<{ me: string; db: string; db_create: boolean; live_exists: boolean; live_create: boolean | null }>(
    `SELECT quote_ident(current_user) AS me, current_database() AS db, has_database_privilege(current_database(), 'CREATE') AS db_create,
       EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS live_exists,
       CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'CREATE') END AS live_create`,
    [live],
  );
  const { me, db, db_create: dbCreate, live_exists: liveExists, live_create: liveCreate } = role.rows[0]!;
  if (!dbCreate) problems.push(`role ${me} may not create schemas in database ${db}: sqlite2pg loads into a staging schema of its own and, at the cutover, moves the previous tables into a new sqlite2pg_previous_… schema. Fix: GRANT CREATE ON DATABASE ${quoteIdent(db)} TO ${me};`);
  if (liveExists && liveCreate === false) problems.push(`role ${me} may not create objects in schema ${live}: the cutover moves the new tables into it. Fix: GRANT CREATE ON SCHEMA ${quoteIdent(live)} TO ${me};`);

  // Live relations of the same names: moved aside, so they must be ours to move.
  const names = [...incoming.tables, ...incoming.views];
  const same = await client.query<{ name: string; kind: string; owner: string; owned: boolean }>(
    `SELECT c.relname AS name, c.relkind::text AS kind, quote_ident(pg_get_userbyid(c.relowner)) AS owner, pg_has_role(c.relowner, 'USAGE') AS owned
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1`,
    [live, names],
  );
  const replaces: ReplacedObject[] = same.rows.map((r) => ({ kind: KIND[r.kind] ?? 'table', name: r.name }));
  for (const r of same.rows.filter((x) => !x.owned)) {
    problems.push(`the live ${KIND[r.kind] ?? 'table'} ${live}.${r.name} is owned by ${r.owner}, not by ${me}: the cutover moves it aside (ALTER … SET SCHEMA needs its owner). Fix: GRANT ${r.owner} TO ${me}; (or ALTER TABLE ${qualify(live, r.name)} OWNER TO ${me};)`);
  }

  // Names of the live schema still taken once those are moved aside (with their indexes and owned sequences).
  const taken = await client.query<{ name: string; kind: string; belongs: string | null }>(
    `WITH moved AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')),
     going AS (SELECT oid FROM moved UNION SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT oid FROM moved)
               UNION SELECT objid FROM pg_depend WHERE classid = 'pg_class'::regclass AND refclassid = 'pg_class'::regclass AND deptype IN ('a', 'i') AND refobjid IN (SELECT oid FROM moved))
     SELECT c.relname AS name, c.relkind::text AS kind, (SELECT t.relname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid WHERE i.indexrelid = c.oid) AS belongs
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.oid NOT IN (SELECT oid FROM going)
     UNION ALL
     SELECT t.typname, 'type', NULL FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = $1 AND t.typrelid = 0 AND t.typelem = 0 AND t.typname = ANY($2)`,
    [live, names],
  );
  const takenBy = new Map(taken.rows.map((r) => [r.name, r]));
  const relWord: Record<string, string> = { r: 'table', p: 'table', i: 'index', I: 'index', S: 'sequence', v: 'view', m: 'materialized view', f: 'foreign table', c: 'composite type', type: 'type' };
  for (const x of [...names.map((n) => ({ name: n, what: incoming.tables.includes(n) ? `table ${n}` : `view ${n}` })), ...incoming.relations]) {
    const t = takenBy.get(x.name);
    if (!t) continue;
    const word = relWord[t.kind] ?? 'relation';
    const alter = t.kind === 'type' ? 'ALTER TYPE' : t.kind === 'i' || t.kind === 'I' ? 'ALTER INDEX' : t.kind === 'S' ? 'ALTER SEQUENCE' : t.kind === 'v' ? 'ALTER VIEW' : t.kind === 'm' ? 'ALTER MATERIALIZED VIEW' : 'ALTER TABLE';
    problems.push(`the name ${x.name} is taken in schema ${live} by ${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}${t.belongs ? ` of table ${t.belongs}` : ''} that the cutover does not move, and the run brings in a ${x.what} of that name (${word === 'type' ? 'type' : 'relation'} names are per schema, not per table). Fix: ${alter} ${qualify(live, x.name)} RENAME TO …; (or rename ours in the mapping)`);
  }
  if (incoming.functions.length) {
    // A trigger function of the same signature (a previous run's) is moved aside with the tables: it must be ours to move.
    const fns = await client.query<{ name: string; owner: string; owned: boolean }>(
      `SELECT p.proname AS name, quote_ident(pg_get_userbyid(p.proowner)) AS owner, pg_has_role(p.proowner, 'USAGE') AS owned
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = ANY($2) AND p.pronargs = 0 ORDER BY 1`,
      [live, [...incoming.functions]],
    );
    for (const f of fns.rows) {
      replaces.push({ kind: 'function', name: `${f.name}()` });
      if (!f.owned) problems.push(`the live function ${live}.${f.name}() is owned by ${f.owner}, not by ${me}: the cutover moves it aside for the trigger function of that name it brings in. Fix: GRANT ${f.owner} TO ${me};`);
    }
  }

  const deps = await liveDependents(client, live, replaces.filter((r) => r.kind !== 'function').map((r) => r.name));
  // A foreign key is re-pointed: the new table needs a unique key on its columns, and its table must be ours to alter.
  const byTable = new Map(plan.tables.map((t) => [t.target, t]));
  const fkOwners = deps.foreignKeys.length
    ? await client.query<{ schema: string; table: string; owner: string; owned: boolean }>(
        `SELECT n.nspname AS schema, c.relname AS table, quote_ident(pg_get_userbyid(c.relowner)) AS owner, pg_has_role(c.relowner, 'USAGE') AS owned
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [deps.foreignKeys.map((f) => f.schema), deps.foreignKeys.map((f) => f.table)],
      )
    : { rows: [] };
  for (const o of fkOwners.rows.filter((x) => !x.owned)) {
    problems.push(`table ${o.schema}.${o.table} (owned by ${o.owner}) has a foreign key to a table the cutover replaces, which the cutover re-points to the new table (ALTER TABLE needs its owner). Fix: GRANT ${o.owner} TO ${me};`);
  }
  for (const fk of deps.foreignKeys) {
    const t = byTable.get(fk.refTable);
    const missing = fk.refColumns.filter((c) => !t?.columns.some((x) => x.target === c));
    if (!t || missing.length) problems.push(`foreign key ${foreignKeyLabel(fk)} references ${fk.refTable} (${fk.refColumns.join(', ')}), but the new ${fk.refTable} has no column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: it cannot be re-pointed. Fix: drop or change the constraint (ALTER TABLE ${qualify(fk.schema, fk.table)} DROP CONSTRAINT ${quoteIdent(fk.name)};), or map the columns to those names`);
    else if (!hasUniqueKey(t, fk.refColumns)) problems.push(`foreign key ${foreignKeyLabel(fk)} references ${fk.refTable} (${fk.refColumns.join(', ')}), but the new ${fk.refTable} has no primary key or unique index on exactly those columns: it cannot be re-pointed. Fix: add the unique key to the SQLite schema or the mapping, or drop the constraint (ALTER TABLE ${qualify(fk.schema, fk.table)} DROP CONSTRAINT ${quoteIdent(fk.name)};)`);
  }
  return { replaces, dependents: deps.dependents, foreignKeys: deps.foreignKeys, problems };
}
