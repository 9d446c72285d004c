/**
 * validate-mappings.ts compiles the shipped schemas with `validateSchema: false` (issue #16: the
 * meta-schema check cost as much CPU as the compile, on every run). These tests make that check
 * once, here, and show that the option changes nothing a user sees: ajv with and without it
 * accepts the same files and reports the same errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { findPackageRoot, mappingSchema, typeRulesSchema } from '../../../src/mappings/mapping-schema.js';

const root = findPackageRoot(import.meta.dirname);
const configSchema = JSON.parse(readFileSync(join(root, 'sqlite2pg.config.schema.json'), 'utf8')) as Record<string, unknown>;

/** The validators as validate-mappings.ts builds them, with the meta-schema check on or off. */
function validators(validateSchema: boolean): { table: (d: unknown) => ErrorObject[] | null; rules: (d: unknown) => ErrorObject[] | null } {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, validateSchema });
  ajv.addSchema(mappingSchema(), 'mapping.schema.json');
  const table = ajv.getSchema('mapping.schema.json')!;
  const rules = ajv.compile(typeRulesSchema());
  const run = (v: typeof table) => (d: unknown) => (v(d) ? null : (v.errors ?? []));
  return { table: run(table), rules: run(rules) };
}

describe('shipped schemas', () => {
  it.each([
    ['mappings/mapping.schema.json', mappingSchema()],
    ['mappings/type-rules.schema.json', typeRulesSchema()],
    ['sqlite2pg.config.schema.json', configSchema],
  ])('%s is a valid JSON Schema 2020-12 document', (_name, schema) => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
  });

  it('validateSchema: false accepts and rejects the same files with the same errors', () => {
    const checked = validators(true);
    const unchecked = validators(false);
    const column = fc.record(
      {
        cast: fc.oneof(fc.constantFrom('text', 'jsonb', 'timestamptz', 'boolean', 'integer', 'numeric', 'bogus'), fc.jsonValue()),
        format: fc.oneof(fc.constantFrom('iso8601', 'unixepoch-s', 'sqlite-datetime', 'DD/MM/YYYY'), fc.jsonValue()),
        timeZone: fc.oneof(fc.constantFrom('UTC', 'Europe/Berlin'), fc.jsonValue()),
        name: fc.oneof(fc.string(), fc.jsonValue()),
        onError: fc.oneof(fc.constantFrom('quarantine', 'null', 'fail'), fc.jsonValue()),
        nul: fc.constantFrom('quarantine', 'strip', 'fail', 'x'),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const mapping = fc.oneof(
      fc.jsonValue(),
      fc.record({ $schema: fc.string(), table: fc.oneof(fc.string(), fc.jsonValue()), comment: fc.jsonValue(), columns: fc.oneof(fc.dictionary(fc.string(), fc.oneof(column, fc.jsonValue())), fc.jsonValue()), stray: fc.jsonValue() }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(mapping, (data) => {
        expect(unchecked.table(data)).toEqual(checked.table(data));
        expect(unchecked.rules(data)).toEqual(checked.rules(data));
      }),
      { numRuns: 500 },
    );
  });
});
