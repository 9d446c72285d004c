/**
 * Strict value converters: one SQLite value in, PostgreSQL input text (not yet COPY-escaped),
 * null, or a CastFailure out. Nothing is truncated, stripped, rounded or rolled over unless the
 * mapping says so; a value that does not convert exactly fails and the caller quarantines its row.
 */
import type { ColumnCast, NulPolicy } from '../../model/plan.js';
import type { Converter } from './cast-failure.js';
import { toBoolean } from './boolean.js';
import { blobToBytea, hexToBytea, textBytesToBytea } from './bytea.js';
import { datetimeConverter } from './datetime.js';
import { toFloat8 } from './float8.js';
import { toInteger } from './integer.js';
import { toJson } from './json.js';
import { toNumeric } from './numeric.js';
import { toText } from './text.js';
import { toUuid } from './uuid.js';

export { CastFailure, type Converter, type SqliteValue } from './cast-failure.js';
export { describeValue, storageClass, type StorageClass } from './describe-value.js';
export { numberText } from './number-text.js';
export { applyNulPolicy, toText } from './text.js';
export { toInteger, type IntegerBits } from './integer.js';
export { toFloat8 } from './float8.js';
export { toNumeric, type NumericTypmod } from './numeric.js';
export { toBoolean } from './boolean.js';
export { blobToBytea, hexToBytea, textBytesToBytea } from './bytea.js';
export { toJson } from './json.js';
export { toUuid } from './uuid.js';
export { datetimeConverter, epochToMoment, julianDayToMoment, type DatetimeCast, type EpochFormat, type Moment, type MomentConverter } from './datetime.js';
export { TimeZone } from './time-zone.js';

/** Per-column settings that are not part of the cast itself. */
export interface ConverterOptions {
  /** What to do with U+0000 in text and JSON text (PostgreSQL text cannot hold it). */
  readonly nul: NulPolicy;
}

/**
 * The converter of one column. Everything per column (zone lookup, pattern compilation, range
 * tables) happens here, once; the returned function runs once per value.
 * Throws a plain Error for an unknown time zone or an unusable date pattern.
 */
export function converterFor(cast: ColumnCast, options: ConverterOptions): Converter {
  const { nul } = options;
  switch (cast.kind) {
    case 'text':
      return (v) => toText(v, nul);
    case 'integer': {
      const { bits } = cast;
      return (v) => toInteger(v, bits);
    }
    case 'float8':
      return toFloat8;
    case 'numeric': {
      const typmod = { precision: cast.precision, scale: cast.scale };
      return (v) => toNumeric(v, typmod);
    }
    case 'boolean':
      return toBoolean;
    case 'bytea':
      return cast.from === 'blob' ? blobToBytea : cast.from === 'hex' ? hexToBytea : textBytesToBytea;
    case 'json':
      return (v) => toJson(v, nul);
    case 'datetime':
      return datetimeConverter(cast);
    case 'uuid':
      return toUuid;
    default:
      return unreachable(cast);
  }
}

function unreachable(cast: never): never {
  throw new Error(`unknown cast kind ${JSON.stringify((cast as { kind: unknown }).kind)}`);
}
