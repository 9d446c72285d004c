import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TableMapping } from '../../../src/model/mapping.js';
import { schemaReference, writeMappings } from '../../../src/mappings/write-mappings.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const proposal: TableMapping = {
  columns: {
    created_at: { evidence: { rows: 1 }, comment: 'dates', timeZone: 'UTC', format: 'sqlite-datetime', cast: 'timestamptz' },
  },
  table: 'posts',
};

describe('schemaReference', () => {
  it('is ./mapping.schema.json inside the package mappings directory, else a relative path', () => {
    expect(schemaReference(join(root, 'mappings'))).toBe('./mapping.schema.json');
    expect(schemaReference(join(root, 'test', 'm'))).toBe('../../mappings/mapping.schema.json');
  });
});

describe('writeMappings', () => {
  let dir: string;
  let mdir: string;
  let schemaRef: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sqlite2pg-write-'));
    mdir = join(dir, 'mappings');
    schemaRef = relative(mdir, join(root, 'mappings', 'mapping.schema.json')).split('\\').join('/');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const read = async (name: string): Promise<string> => readFile(join(mdir, name), 'utf8');

  it('creates the directory and writes pretty JSON with $schema first and a stable key order', async () => {
    const result = await writeMappings(mdir, [{ table: 'posts', mapping: proposal }], { force: false, check: false });
    expect(result).toEqual({ written: [join(mdir, 'posts.json')], unchanged: [], skippedHandEdited: [], wouldChange: [] });
    expect(await read('posts.json')).toBe(
      `{
  "$schema": "${schemaRef}",
  "table": "posts",
  "columns": {
    "created_at": {
      "cast": "timestamptz",
      "format": "sqlite-datetime",
      "timeZone": "UTC",
      "comment": "dates",
      "evidence": {
        "rows": 1
      }
    }
  }
}
`,
    );
  });

  it('leaves a file alone when its content already equals the proposal, whatever its key order', async () => {
    await writeMappings(mdir, [{ table: 'posts', mapping: proposal }], { force: false, check: false });
    const reordered = `{"columns": {"created_at": {"format": "sqlite-datetime", "cast": "timestamptz", "evidence": {"rows": 1}, "timeZone": "UTC", "comment": "dates"}}, "table": "posts", "$schema": "${schemaRef}"}`;
    await writeFile(join(mdir, 'posts.json'), reordered);
    const result = await writeMappings(mdir, [{ table: 'posts', mapping: proposal }], { force: false, check: false });
    expect(result).toEqual({ written: [], unchanged: [join(mdir, 'posts.json')], skippedHandEdited: [], wouldChange: [] });
    expect(await read('posts.json')).toBe(reordered);
  });

  it('writes the proposal when it only adds to the file, keeping the file\'s own $schema', async () => {
    await writeMappings(mdir, [{ table: 'posts', mapping: { table: 'posts' } }], { force: false, check: false });
    await writeFile(join(mdir, 'posts.json'), '{"$schema": "https://example.com/s.json", "table": "posts"}');
    const result = await writeMappings(mdir, [{ table: 'posts', mapping: proposal }], { force: false, check: false });
    expect(result.written).toEqual([join(mdir, 'posts.json')]);
    expect(JSON.parse(await read('posts.json'))).toEqual({ $schema: 'https://example.com/s.json', ...proposal });
  });

  it('skips a hand-edited file unless forced, and never writes in check mode', async () => {
    await writeMappings(mdir, [{ table: 'posts', mapping: proposal }], { force: false, check: false });
    const edited = `{"$schema": "${schemaRef}", "table": "posts", "columns": {"created_at": {"cast": "timestamptz", "format": "sqlite-datetime", "timeZone": "Europe/Berlin"}}}`;
    await writeFile(join(mdir, 'posts.json'), edited);
    const file = join(mdir, 'posts.json');

    expect(await writeMappings(mdir, [{ table: 'posts', mapping: proposal }], { force: false, check: true })).toEqual({ written: [], unchanged: [], skippedHandEdited: [file], wouldChange: [] });
    expect(await writeMappings(mdir, [{ table: 'posts', mapping: proposal }], { force: true, check: true })).toEqual({ written: [], unchanged: [], skippedHandEdited: [], wouldChange: [file] });
    expect(await read('posts.json')).toBe(edited);
    expect(await writeMappings(mdir, [{ table: 'posts', mapping: proposal }], { force: false, check: false })).toEqual({ written: [], unchanged: [], skippedHandEdited: [file], wouldChange: [] });
    expect(await read('posts.json')).toBe(edited);

    expect(await writeMappings(mdir, [{ table: 'posts', mapping: proposal }], { force: true, check: false })).toEqual({ written: [file], unchanged: [], skippedHandEdited: [], wouldChange: [] });
    expect(JSON.parse(await read('posts.json'))).toEqual({ $schema: schemaRef, ...proposal });
  });

  it('treats an unparsable file as hand-edited', async () => {
    await writeMappings(mdir, [{ table: 'posts', mapping: { table: 'posts' } }], { force: false, check: false });
    await writeFile(join(mdir, 'posts.json'), '{"table": "posts",');
    expect(await writeMappings(mdir, [{ table: 'posts', mapping: proposal }], { force: false, check: false })).toEqual({
      written: [],
      unchanged: [],
      skippedHandEdited: [join(mdir, 'posts.json')],
      wouldChange: [],
    });
  });

  it('reports new files as wouldChange in check mode without creating anything', async () => {
    const result = await writeMappings(mdir, [{ table: 'posts', mapping: proposal }], { force: false, check: true });
    expect(result).toEqual({ written: [], unchanged: [], skippedHandEdited: [], wouldChange: [join(mdir, 'posts.json')] });
    await expect(readdir(mdir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('encodes unsafe table names in the file name and keeps the real name inside', async () => {
    const result = await writeMappings(mdir, [{ table: 'Order Details/2024', mapping: { table: 'Order Details/2024' } }], { force: false, check: false });
    expect(result.written).toEqual([join(mdir, 'Order%20Details%2F2024.json')]);
    expect(await readdir(mdir)).toEqual(['Order%20Details%2F2024.json']);
    expect(JSON.parse(await read('Order%20Details%2F2024.json'))).toEqual({ $schema: schemaRef, table: 'Order Details/2024' });
  });
});
