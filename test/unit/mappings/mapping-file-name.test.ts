import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mappingFileName, tableNameFromFileName } from '../../../src/mappings/mapping-file-name.js';

describe('mappingFileName', () => {
  it('keeps plain names and %XX-encodes everything else, dots and percent signs included', () => {
    expect(mappingFileName('posts')).toBe('posts.json');
    expect(mappingFileName('Order_Details-2')).toBe('Order_Details-2.json');
    expect(mappingFileName('Order Details')).toBe('Order%20Details.json');
    expect(mappingFileName('a/b\\c')).toBe('a%2Fb%5Cc.json');
    expect(mappingFileName('mapping.schema')).toBe('mapping%2Eschema.json');
    expect(mappingFileName('.hidden')).toBe('%2Ehidden.json');
    expect(mappingFileName('50%')).toBe('50%25.json');
    expect(mappingFileName('café')).toBe('caf%C3%A9.json');
  });

  it('avoids Windows device names', () => {
    expect(mappingFileName('con')).toBe('%63on.json');
    expect(mappingFileName('LPT1')).toBe('%4CPT1.json');
    expect(mappingFileName('console')).toBe('console.json');
  });

  it('cuts very long names on a character boundary and appends a hash of the full name', () => {
    const long = 'é'.repeat(100);
    const hash = createHash('sha1').update(long, 'utf8').digest('hex').slice(0, 8);
    expect(mappingFileName(long)).toBe(`${'%C3%A9'.repeat(31)}~${hash}.json`);
    expect(mappingFileName('x'.repeat(300))).toBe(`${'x'.repeat(191)}~${createHash('sha1').update('x'.repeat(300)).digest('hex').slice(0, 8)}.json`);
    expect(mappingFileName('x'.repeat(300))).not.toBe(mappingFileName(`${'x'.repeat(299)}y`));
    expect(mappingFileName('x'.repeat(200))).toBe(`${'x'.repeat(200)}.json`);
  });

  it('decodes a file name back to a table name where it can', () => {
    expect(tableNameFromFileName('Order%20Details.json')).toBe('Order Details');
    expect(tableNameFromFileName('bad%zz.json')).toBe('bad%zz');
  });
});
