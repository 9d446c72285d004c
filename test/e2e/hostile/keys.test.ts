/**
 * Hostile case: keys, references, COLLATE NOCASE and generated columns
 * (test/fixtures/hostile/keys.sql, nocase-unicode.sql).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/fixtures.js';
import { createTestDatabase, serverUrl, withDatabase, type TestDatabase } from '../../support/pg.js';
import { hostileDb, migrate, tableCounts, untranslated, type Migration } from './support.js';

describe('hostile: keys, foreign keys, NOCASE, generated columns', () => {
  let db: TestDatabase;
  let run: Migration;

  beforeAll(async () => {
    db = await createTestDatabase('hostile_keys');
    const work = tempDir('hostile-keys');
    run = await migrate(work, hostileDb(work, 'keys'), db.url);
  });
  afterAll(async () => db?.drop());

  it('exits 0 with every row loaded and verified, although two foreign keys cannot exist in PostgreSQL', () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(tableCounts(run.report)).toEqual({
      kv: { read: 3, loaded: 3, quarantined: 0, match: true },
      log_lines: { read: 3, loaded: 3, quarantined: 0, match: true },
      parent: { read: 3, loaded: 3, quarantined: 0, match: true },
      child: { read: 3, loaded: 3, quarantined: 0, match: true },
      owner: { read: 3, loaded: 3, quarantined: 0, match: true },
      team_note: { read: 1, loaded: 1, quarantined: 0, match: true },
      shapes: { read: 2, loaded: 2, quarantined: 0, match: true },
      membership: { read: 1, loaded: 1, quarantined: 0, match: true },
      loose_ref: { read: 1, loaded: 1, quarantined: 0, match: true },
    });
  });

  it('keeps WITHOUT ROWID, composite and missing primary keys as they are', async () => {
    const pk = await db.query<{ t: string; def: string }>(`SELECT conrelid::regclass::text AS t, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'p' AND connamespace = 'public'::regnamespace AND conrelid::regclass::text IN ('kv', 'parent', 'log_lines') ORDER BY 1`);
    expect(pk.rows).toEqual([
      { t: 'kv', def: 'PRIMARY KEY (k)' },
      { t: 'parent', def: 'PRIMARY KEY (a, b)' },
    ]);
    const kv = await db.query<{ k: string; v: string | null }>(`SELECT k, encode(v, 'hex') AS v FROM public.kv ORDER BY k COLLATE "C"`);
    expect(kv.rows).toEqual([{ k: 'B', v: null }, { k: 'a', v: '01' }, { k: 'b', v: '02' }]);
    // No key at all: duplicate rows stay duplicates.
    const lines = await db.query<{ at: string | null; line: string | null; n: string }>(`SELECT at, line, count(*)::text AS n FROM public.log_lines GROUP BY 1, 2 ORDER BY 1 NULLS LAST`);
    expect(lines.rows).toEqual([{ at: '2024-01-01', line: 'first', n: '2' }, { at: null, line: null, n: '1' }]);
  });

  it('carries ON DELETE / ON UPDATE actions and DEFERRABLE INITIALLY DEFERRED over', async () => {
    const fk = await db.query<{ conname: string; def: string }>(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY conname`);
    expect(fk.rows).toEqual([
      { conname: 'child_owner_id_fkey', def: 'FOREIGN KEY (owner_id) REFERENCES owner(id) ON UPDATE CASCADE ON DELETE SET NULL' },
      { conname: 'child_pa_pb_fkey', def: 'FOREIGN KEY (pa, pb) REFERENCES parent(a, b) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED' },
      { conname: 'membership_owner_email_fkey', def: 'FOREIGN KEY (owner_email) REFERENCES owner(email) ON DELETE CASCADE' },
    ]);
    await db.query(`DELETE FROM public.parent WHERE a = 1 AND b = 'x'`);
    const child = await db.query<{ id: string }>(`SELECT id::text FROM public.child ORDER BY id`);
    expect(child.rows.map((r) => r.id)).toEqual(['2', '3']);
  });

  it('lists foreign keys PostgreSQL cannot have, with the reason, instead of failing the run', () => {
    const fks = [...untranslated(run.report)].filter(([, u]) => u.kind === 'foreign-key');
    expect(fks).toEqual([
      [
        'foreign key loose_ref(owner_code) → owner(id)',
        { kind: 'foreign-key', reason: 'loose_ref.owner_code becomes text but owner.id becomes bigint: PostgreSQL cannot compare them in a foreign key (map both to the same type)', sql: null },
      ],
      [
        'foreign key team_note(team) → owner(team)',
        {
          kind: 'foreign-key',
          reason: 'owner(team) is neither the primary key nor unique: PostgreSQL requires a unique constraint on referenced columns (SQLite reports "foreign key mismatch" once foreign keys are enforced); add a UNIQUE constraint, or drop the reference',
          sql: null,
        },
      ],
    ]);
  });

  it('keeps NOCASE uniqueness with unique indexes on lower(col), and says which index does it', async () => {
    const idx = await db.query<{ indexname: string; indexdef: string }>(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'owner' ORDER BY indexname`);
    expect(idx.rows.map((r) => r.indexdef.replace(' USING btree', ''))).toEqual([
      'CREATE UNIQUE INDEX owner_email_exact_key ON public.owner (email)',
      'CREATE UNIQUE INDEX owner_email_key ON public.owner (lower(email))',
      'CREATE UNIQUE INDEX owner_nick ON public.owner (lower(nick))',
      'CREATE UNIQUE INDEX owner_pkey ON public.owner (id)',
    ]);
    await expect(db.query(`INSERT INTO public.owner (id, email) VALUES (9, 'ANN@example.COM')`)).rejects.toMatchObject({ code: '23505', constraint: 'owner_email_key' });
    await expect(db.query(`INSERT INTO public.owner (id, nick) VALUES (9, 'BOB')`)).rejects.toMatchObject({ code: '23505', constraint: 'owner_nick' });
    const u = untranslated(run.report);
    expect(u.get('collation of owner.email')?.reason).toMatch(/^COLLATE NOCASE: case-insensitive uniqueness kept by unique index owner_email_key on lower\("email"\)/);
    expect(u.get('collation of owner.nick')?.reason).toMatch(/^COLLATE NOCASE: case-insensitive uniqueness kept by unique index owner_nick on lower\("nick"\)/);
    expect(u.get('collation of owner.email')?.reason).toContain('case-sensitive in PostgreSQL');
    expect(run.report!.warnings).toContain('foreign key membership(owner_email) → owner(email): added unique constraint owner_email_exact_key on owner(email) for it to reference');
  });

  it('creates translatable generated columns as GENERATED ALWAYS AS (...) STORED, computing what SQLite computed', async () => {
    const cols = await db.query<{ column_name: string; is_generated: string; generation_expression: string | null }>(
      `SELECT column_name, is_generated, generation_expression FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'shapes' AND column_name IN ('area', 'total', 'label', 'odd') ORDER BY ordinal_position`,
    );
    expect(cols.rows).toEqual([
      { column_name: 'area', is_generated: 'ALWAYS', generation_expression: '(w * h)' },
      { column_name: 'total', is_generated: 'ALWAYS', generation_expression: '(qty * 2)' },
      { column_name: 'label', is_generated: 'ALWAYS', generation_expression: `((upper((name COLLATE "C")) || ':'::text) || (qty)::text)` },
      { column_name: 'odd', is_generated: 'NEVER', generation_expression: null },
    ]);
    // Values PostgreSQL computed on COPY; the checksum (match: true above) hashed SQLite's against them.
    const rows = await db.query(`SELECT id::text, area::text, total::text, label, odd FROM public.shapes ORDER BY id`);
    expect(rows.rows).toEqual([
      { id: '1', area: '10', total: '6', label: 'BOX:3', odd: '00003' },
      { id: '2', area: '0.020000000000000004', total: '2', label: null, odd: '00001' },
    ]);
    const inserted = await db.query(`INSERT INTO public.shapes (w, h, qty, name) VALUES (3, 3, 4, 'Ab') RETURNING area::text, total::text, label, odd`);
    expect(inserted.rows[0]).toEqual({ area: '9', total: '8', label: 'AB:4', odd: null });
    const u = untranslated(run.report);
    expect(u.get('generated column shapes.odd')).toEqual({
      kind: 'generated',
      reason: 'the function printf() is not translated in a generated column; loaded as a plain column with the values SQLite computed: re-create the expression by hand (or a trigger) if PostgreSQL should keep computing it',
      sql: "printf('%05d', qty)",
    });
    expect(run.report!.warnings).toEqual(expect.arrayContaining(['generated column shapes.total: VIRTUAL in SQLite, created STORED (computed on write) in PostgreSQL']));
  });
});

/** A database whose lower() folds non-ASCII letters (PostgreSQL 17's builtin C.UTF-8, else ICU). */
async function unicodeDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    try {
      await admin.query(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0 LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C.UTF-8' LOCALE 'C'`);
    } catch {
      await admin.query(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C'`);
    }
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(serverUrl(), name),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}

describe('hostile: NOCASE data that lower() would fold together in a Unicode database', () => {
  let target: { url: string; drop: () => Promise<void> };
  let run: Migration;

  beforeAll(async () => {
    target = await unicodeDatabase(`t_hostile_nocase_${process.pid}`);
    const work = tempDir('hostile-nocase');
    run = await migrate(work, hostileDb(work, 'nocase-unicode'), target.url);
  });
  afterAll(async () => target?.drop());

  it('does not fail: it keeps NOCASE uniqueness with ASCII-only folding and reports the values', async () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    expect(tableCounts(run.report)).toEqual({ person: { read: 4, loaded: 4, quarantined: 0, match: true } });
    const w = run.report!.warnings.find((x) => x.startsWith('person: unique index person_name_key'));
    expect(w).toContain(`on lower(("name" COLLATE "C")) instead of lower("name")`);
    expect(w).toContain(`('ZOË' / 'Zoë'; 'Émile' / 'émile')`);
    const c = new pg.Client({ connectionString: target.url });
    await c.connect();
    try {
      const idx = await c.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE indexname = 'person_name_key'`);
      expect(idx.rows[0]!.indexdef).toBe('CREATE UNIQUE INDEX person_name_key ON public.person USING btree (lower((name COLLATE "C")))');
      // Exactly SQLite's NOCASE: ASCII letters fold, others do not.
      await expect(c.query(`INSERT INTO public.person (id, name) VALUES (9, 'Ærø')`)).resolves.toBeTruthy();
      await expect(c.query(`INSERT INTO public.person (id, name) VALUES (10, 'ærø')`)).resolves.toBeTruthy();
      await expect(c.query(`INSERT INTO public.person (id, name) VALUES (11, 'ÆRø')`)).rejects.toMatchObject({ code: '23505', constraint: 'person_name_key' });
    } finally {
      await c.end();
    }
  });
});
