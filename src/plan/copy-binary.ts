/**
 * Which tables are sent in COPY's binary format, and how each of their columns is encoded.
 * https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4 (binary format)
 *
 * PostgreSQL parses a binary timestamp, integer, float or boolean without its text input
 * functions (a timestamptz costs the backend ~0.3 against ~0.8 µs from text, bench/README.md).
 * Binary is all columns or none, so a table goes binary only when every copied column has an
 * encoding here that means exactly what its text would: the column's type is the one its cast
 * plans (a mapping `type` such as `citext` or a domain keeps the table in text, whose input
 * function is then the column type's own), and its cast gives the encoder what it needs.
 * A mapped type (`varchar(n)`, `citext`, a domain) keeps its table in text.
 */
import type { TablePlan } from '../model/plan.js';
import { copiedColumns } from './ddl.js';

/** How one copied column is written in a binary COPY tuple (see encode/copy-binary.ts). */
export type BinaryField = 'int2' | 'int4' | 'int8' | 'float8' | 'numeric' | 'bool' | 'text' | 'json' | 'jsonb' | 'timestamp' | 'date' | 'uuid' | 'bytea';

/** Binary encodings of the copied columns, in COPY column order; null when the table goes as text. */
export function binaryFields(t: TablePlan): BinaryField[] | null {
  const out: BinaryField[] = [];
  for (const c of copiedColumns(t)) {
    const f = fieldOf(c.cast, c.pgType);
    if (f === null) return null;
    out.push(f);
  }
  return out;
}

function fieldOf(cast: TablePlan['columns'][number]['cast'], pgType: string): BinaryField | null {
  switch (cast.kind) {
    case 'text':
      return pgType === 'text' ? 'text' : null;
    case 'integer':
      if (cast.bits === 16 && pgType === 'smallint') return 'int2';
      if (cast.bits === 32 && pgType === 'integer') return 'int4';
      if (cast.bits === 64 && pgType === 'bigint') return 'int8';
      return null;
    case 'float8':
      return pgType === 'double precision' ? 'float8' : null;
    case 'boolean':
      return pgType === 'boolean' ? 'bool' : null;
    case 'json':
      return pgType === cast.target ? cast.target : null;
    case 'datetime':
      // timestamptz and timestamp from the moment their converter wrote (MomentConverter.lastMoment), a date from its text.
      if (pgType !== cast.target) return null;
      return cast.target === 'date' ? 'date' : 'timestamp';
    case 'uuid':
      return pgType === 'uuid' ? 'uuid' : null;
    case 'bytea':
      return pgType === 'bytea' ? 'bytea' : null;
    case 'numeric':
      return pgType === (cast.precision === null ? 'numeric' : `numeric(${cast.precision},${cast.scale ?? 0})`) ? 'numeric' : null;
  }
}
