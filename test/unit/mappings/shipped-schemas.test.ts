/**
 * validate-mappings.ts uses validators of the shipped schemas compiled ahead of time
 * (scripts/generate-validators.mjs → src/mappings/shipped-validators.ts; issue #16: loading ajv
 * and compiling them cost ~150 ms of CPU on every run), and before that compiled them with
 * `validateSchema: false`. These tests make the meta-schema check once, here; fail when the
 * generated file is stale; and show that neither changes anything a user sees: the generated
 * validators and ajv's runtime compile, with and without the check, accept the same files and
 * report the same errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { findPackageRoot, mappingSchemaPath, typeRulesSchemaPath } from '../../../src/mappings/mapping-schema.js';
import * as shipped from '../../../src/mappings/shipped-validators.js';
// @ts-expect-error a plain ES module without types
import { generateValidatorsSource, OUTPUT } from '../../../scripts/generate-validators.mjs';

const root = findPackageRoot(import.meta.dirname);
const readSchema = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const configSchema = readSchema(join(root, 'sqlite2pg.config.schema.json'));
const mappingSchema = readSchema(mappingSchemaPath());
const typeRulesSchema = readSchema(typeRulesSchemaPath());

/** The validators as validate-mappings.ts builds them, with the meta-schema check on or off. */
function validators(validateSchema: boolean): { table: (d: unknown) => ErrorObject[] | null; rules: (d: unknown) => ErrorObject[] | null } {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, validateSchema });
  ajv.addSchema(mappingSchema, 'mapping.schema.json');
  return { table: errorsOf(ajv.getSchema('mapping.schema.json')!), rules: errorsOf(ajv.compile(typeRulesSchema)) };
}

/** A validator as a function of the data: null when valid, else its errors. */
function errorsOf(v: (d: unknown) => boolean): (d: unknown) => ErrorObject[] | null {
  return (d) => (v(d) ? null : ((v as unknown as { errors?: ErrorObject[] | null }).errors ?? []));
}

describe('shipped schemas', () => {
  it.each([
    ['mappings/mapping.schema.json', mappingSchema],
    ['mappings/type-rules.schema.json', typeRulesSchema],
    ['sqlite2pg.config.schema.json', configSchema],
  ])('%s is a valid JSON Schema 2020-12 document', (_name, schema) => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
  });

  it('src/mappings/shipped-validators.ts is what scripts/generate-validators.mjs makes of the schemas (else: npm run generate:validators)', () => {
    expect(readFileSync(OUTPUT as string, 'utf8')).toBe((generateValidatorsSource as () => string)());
  });

  it('the generated validators and a runtime compile (validateSchema on or off) accept and reject the same files with the same errors', () => {
    const checked = validators(true);
    const unchecked = validators(false);
    const generated = { table: errorsOf(shipped.table as (d: unknown) => boolean), rules: errorsOf(shipped.rules as (d: unknown) => boolean) };
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
        expect(generated.table(data)).toEqual(checked.table(data));
        expect(generated.rules(data)).toEqual(checked.rules(data));
      }),
      { numRuns: 500 },
    );
  });
});
