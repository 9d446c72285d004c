import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkJsonSyntax } from '../../../src/mappings/check-json-syntax.js';
import { loadMappings } from '../../../src/mappings/load-mappings.js';

describe('checkJsonSyntax', () => {
  it('accepts valid JSON', () => {
    expect(checkJsonSyntax('{"table": "posts", "columns": {"a": {"cast": "text", "n": [1, -2.5e3, true, false, null, "\\u00e9\\n"]}}}\n')).toEqual([]);
  });

  it('places each kind of error at its line and column', () => {
    expect(checkJsonSyntax('{\n  "table": "posts",\n  "columns": {\n    "a": {"cast": "text",}\n  }\n}')).toEqual([{ line: 4, column: 25, message: 'trailing comma before "}": JSON does not allow it' }]);
    expect(checkJsonSyntax('{\n  "table": "posts"\n  "skip": true\n}')).toEqual([{ line: 3, column: 3, message: 'expected "," or "}" after a property value, found "\\""' }]);
    expect(checkJsonSyntax("{'table': 1}")).toEqual([{ line: 1, column: 2, message: 'property names must be in double quotes, not single quotes' }]);
    expect(checkJsonSyntax('{"table": \'posts\'}')).toEqual([{ line: 1, column: 11, message: 'strings must be in double quotes, not single quotes' }]);
    expect(checkJsonSyntax('{"table": "posts}')).toEqual([{ line: 1, column: 11, message: 'unterminated string: a closing " is missing' }]);
    expect(checkJsonSyntax('{"a": "x\ty"}')).toEqual([{ line: 1, column: 9, message: 'control character U+0009 inside a string: write it as an escape such as \\n or \\t' }]);
    expect(checkJsonSyntax('{"a": "\\q"}')).toEqual([{ line: 1, column: 8, message: 'invalid escape \\q: JSON allows \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX' }]);
    expect(checkJsonSyntax('{"a": 01}')).toEqual([{ line: 1, column: 8, message: 'invalid number: "1" cannot follow "0" (no leading zeros, a digit after ".")' }]);
    expect(checkJsonSyntax('{"a": [1, 2,]}')).toEqual([{ line: 1, column: 12, message: 'trailing comma before "]": JSON does not allow it' }]);
    expect(checkJsonSyntax('{"a": tru}')).toEqual([{ line: 1, column: 7, message: 'expected a value, found "t"' }]);
    expect(checkJsonSyntax('{"a": 1} x')).toEqual([{ line: 1, column: 10, message: 'unexpected "x" after the end of the JSON value' }]);
    expect(checkJsonSyntax('{"a": 1')).toEqual([{ line: 1, column: 8, message: 'expected "," or "}" after a property value, found the end of the file' }]);
    expect(checkJsonSyntax('  \n')).toEqual([{ line: 2, column: 1, message: 'the file is empty: a mapping file holds one JSON object' }]);
  });

  it('reports duplicate keys, which JSON.parse would silently collapse', () => {
    expect(checkJsonSyntax('{\n  "columns": {\n    "a": {},\n    "a": {"cast": "text"}\n  }\n}')).toEqual([
      { line: 4, column: 5, message: 'duplicate key "a": JSON.parse keeps only the last one; merge the two entries' },
    ]);
  });
});

describe('loadMappings', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sqlite2pg-load-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('treats a missing directory as an empty set', async () => {
    const result = await loadMappings(join(dir, 'nope'));
    expect(result.problems).toEqual([]);
    expect([...result.mappings]).toEqual([]);
  });

  it('reports a file given instead of a directory', async () => {
    await writeFile(join(dir, 'f.json'), '{}');
    const result = await loadMappings(join(dir, 'f.json'));
    expect(result.problems).toEqual([`${join(dir, 'f.json')}: is a file, not a directory: pass the directory that holds the mapping files`]);
  });

  it('loads every *.json except the schema, keyed by table, in file order, and reports syntax errors as file:line:col', async () => {
    await writeFile(join(dir, 'posts.json'), '\ufeff{"table": "posts", "columns": {"created_at": {"cast": "timestamptz", "format": "iso8601"}}}');
    await writeFile(join(dir, 'a%2Fb.json'), '{"table": "a/b"}');
    await writeFile(join(dir, 'no-table.json'), '{"columns": {}}');
    await writeFile(join(dir, 'broken.json'), '{\n  "table": "broken",\n  "skip": yes\n}\n');
    await writeFile(join(dir, 'mapping.schema.json'), '{"not": "a mapping"}');
    await writeFile(join(dir, 'notes.txt'), 'ignored');
    await mkdir(join(dir, 'sub.json'));
    const result = await loadMappings(dir);
    expect(result.problems).toEqual([`${join(dir, 'broken.json')}:3:11: expected a value, found "y"`]);
    expect([...result.mappings.entries()]).toEqual([
      ['a/b', { file: join(dir, 'a%2Fb.json'), mapping: { table: 'a/b' } }],
      ['no-table', { file: join(dir, 'no-table.json'), mapping: { columns: {} } }],
      ['posts', { file: join(dir, 'posts.json'), mapping: { table: 'posts', columns: { created_at: { cast: 'timestamptz', format: 'iso8601' } } } }],
    ]);
  });

  it('reports two files mapping the same table and keeps the first', async () => {
    await writeFile(join(dir, 'posts.json'), '{"table": "posts"}');
    await writeFile(join(dir, 'posts-copy.json'), '{"table": "posts", "skip": true}');
    const result = await loadMappings(dir);
    expect(result.problems).toEqual([`${join(dir, 'posts.json')}: table: table "posts" is already mapped by ${join(dir, 'posts-copy.json')}: keep one file per table`]);
    expect([...result.mappings.values()]).toEqual([{ file: join(dir, 'posts-copy.json'), mapping: { table: 'posts', skip: true } }]);
  });

  it('reports duplicate keys with their position and leaves the file out', async () => {
    await writeFile(join(dir, 'posts.json'), '{"table": "posts",\n "table": "other"}');
    const result = await loadMappings(dir);
    expect(result.problems).toEqual([`${join(dir, 'posts.json')}:2:2: duplicate key "table": JSON.parse keeps only the last one; merge the two entries`]);
    expect(result.mappings.size).toBe(0);
  });
});
