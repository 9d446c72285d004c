import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CAST_NAMES, DATE_FORMAT_NAMES } from '../../../src/model/mapping.js';
import { findPackageRoot, mappingSchemaPath } from '../../../src/mappings/mapping-schema.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

type Node = Record<string, unknown>;

/** Every object schema in the file, with its JSON pointer. */
function objectSchemas(node: unknown, at = '#'): [string, Node][] {
  if (typeof node !== 'object' || node === null) return [];
  const out: [string, Node][] = [];
  const n = node as Node;
  if (n['type'] === 'object') out.push([at, n]);
  for (const [k, v] of Object.entries(n)) out.push(...objectSchemas(v, `${at}/${k}`));
  return out;
}

describe('mapping.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(root, 'mappings', 'mapping.schema.json'), 'utf8')) as Node;
  const column = (schema['$defs'] as Node)['column'] as Node;
  const props = column['properties'] as Record<string, Node>;

  it('is found by walking up to the package root, from source and from dist alike', () => {
    expect(findPackageRoot(here)).toBe(root);
    expect(findPackageRoot(join(root, 'dist', 'src', 'mappings'))).toBe(root);
    expect(mappingSchemaPath()).toBe(join(root, 'mappings', 'mapping.schema.json'));
    expect(JSON.parse(readFileSync(mappingSchemaPath(), 'utf8'))).toEqual(schema);
  });

  it('lists exactly the casts and date formats of src/model/mapping.ts', () => {
    expect(props['cast']!['enum']).toEqual([...CAST_NAMES]);
    expect(((props['format']!['anyOf'] as Node[])[0]!['enum'] as string[])).toEqual([...DATE_FORMAT_NAMES]);
    expect(props['onError']!['enum']).toEqual(['quarantine', 'null', 'fail']);
    expect(props['nul']!['enum']).toEqual(['quarantine', 'strip', 'fail']);
  });

  it('closes every object except the free-form evidence, and describes every key', () => {
    const objects = objectSchemas(schema);
    expect(objects.map(([at]) => at)).toEqual(['#', '#/properties/columns', '#/$defs/column', '#/$defs/column/properties/evidence', '#/$defs/index', '#/$defs/check']);
    for (const [at, node] of objects) {
      if (at.endsWith('/evidence') || at.endsWith('/columns')) continue;
      expect([at, node['additionalProperties']]).toEqual([at, false]);
      for (const [key, sub] of Object.entries(node['properties'] as Record<string, Node>)) {
        expect([at, key, typeof sub['description']]).toEqual([at, key, 'string']);
      }
    }
    // `columns` maps column names to rules: its values are closed column schemas.
    expect((schema['properties'] as Record<string, Node>)['columns']!['additionalProperties']).toEqual({ $ref: '#/$defs/column' });
  });

  it('accepts date patterns made of tokens and punctuation only', () => {
    const pattern = new RegExp((props['format']!['anyOf'] as Node[])[1]!['pattern'] as string, 'u');
    expect(['DD/MM/YYYY HH:mm:ss', 'YYYY-MM-DD HH:mm:ss.SSS Z', 'MM.DD.YYYY', '[YYYY]'].map((p) => pattern.test(p))).toEqual([true, true, true, true]);
    expect(['yyyy-MM-dd', 'YYYY-MM-DDTHH:mm', 'DD/MM/YY1', ''].map((p) => pattern.test(p))).toEqual([false, false, false, false]);
  });
});
