import { describe, expect, it } from 'vitest';
import { JOURNAL_SCHEMA, runSchemaName } from '../../../src/cutover/journal.js';
import { reservedSchemaProblem, targetNameProblems } from '../../../src/plan/check-names.js';
import type { Plan } from '../../../src/model/plan.js';

describe('reservedSchemaProblem', () => {
  it('refuses the journal schema, every run namespace, pg_* and information_schema', () => {
    for (const s of [JOURNAL_SCHEMA, runSchemaName('staging', '20261204T101010Z-abcdef'), runSchemaName('previous', '20261204T101010Z-abcdef'), runSchemaName('rolledback', '20261204T101010Z-abcdef'), 'pg_catalog', 'pg_x', 'information_schema', '']) {
      expect(reservedSchemaProblem(s), s).not.toBeNull();
    }
  });
  it('accepts ordinary names, including look-alikes', () => {
    for (const s of ['public', 'app', 'sqlite2pgx', 'Sqlite2pg', 'PG_upper', 'my_pg_']) expect(reservedSchemaProblem(s), s).toBeNull();
  });
});

describe('targetNameProblems', () => {
  const plan = (tables: { source: string; target: string; columns: [string, string][] }[]): Plan =>
    ({ tables: tables.map((t) => ({ source: t.source, target: t.target, columns: t.columns.map(([source, target]) => ({ source, target })) })) }) as unknown as Plan;

  it('lists every system column name and empty name, with the mapping file and the fix', () => {
    const p = targetNameProblems(
      plan([
        { source: 't', target: 't', columns: [['xmin', 'xmin'], ['ok', 'ok'], ['', ''], ['oid', 'oid'], ['CTID', 'CTID']] },
        { source: 'u', target: '', columns: [['ctid', 'ctid']] },
      ]),
      (t) => `m/${t}.json`,
    );
    expect(p).toHaveLength(4);
    expect(p[0]).toBe('table "t" column "xmin": "xmin" is a PostgreSQL system column name, which a table cannot have as a column: rename it in m/t.json: "columns": {"xmin": {"target": "xmin_"}} (or "skip": true)');
    expect(p[1]).toContain('table "t" column "": the target column name is empty');
    expect(p[2]).toContain('table "u": its target name is empty');
    expect(p[3]).toContain('table "u" column "ctid"');
  });
  it('a renamed column is fine', () => {
    expect(targetNameProblems(plan([{ source: 't', target: 't', columns: [['xmin', 'xmin_'], ['', 'unnamed']] }]), (t) => t)).toEqual([]);
  });
});
