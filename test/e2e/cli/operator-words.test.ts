/**
 * Words that mean what happened, and the report as a change-ticket record, through the real CLI:
 * exit 8 says NOT CUT OVER and how to go on with copy-paste-ready commands (the real source path,
 * the same --target with its password as ***); the console ends with a per-table summary table;
 * the report records who ran it, the command line (password redacted), the mapping files' sha256,
 * the write freeze and the next steps; rollback counts views with tables and writes its own report;
 * status prints a labelled table and --json.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../../support/cli.js';
import { sqliteFromSql, tempDir } from '../../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

describe('operator words and the change-ticket report', () => {
  let db: TestDatabase;
  let work: string;
  let source: string;
  let mappings: string;
  let mappingSha: string;
  let stopped: CliResult;
  let passed: CliResult;
  let stoppedMd: string;
  /** The target URL as a hint must print it: the password replaced by ***. */
  let shown: string;
  const args = (...extra: string[]): string[] => ['migrate', source, '--target', db.url, '--mappings', mappings, '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), ...extra];
  const reportOf = (r: CliResult): string => readFileSync(/report: (.*\.md)/.exec(r.stdout)![1]!, 'utf8');

  beforeAll(async () => {
    db = await createTestDatabase('cli_words');
    work = tempDir('cli-words');
    source = sqliteFromSql(work, 'shop', `
      CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER, name TEXT);
      INSERT INTO items (qty, name) VALUES (1, 'one'), ('forty-two', 'bad'), (3, 'three');
      CREATE TABLE tags (label TEXT);
      INSERT INTO tags VALUES ('a'), ('b');
      CREATE VIEW item_names AS SELECT name FROM items;
    `);
    mappings = join(work, 'mappings');
    mkdirSync(mappings);
    const text = JSON.stringify({ table: 'items', comment: 'reviewed' }, null, 2);
    writeFileSync(join(mappings, 'items.json'), text);
    mappingSha = createHash('sha256').update(text).digest('hex');
    const u = new URL(db.url);
    if (u.password) u.password = '***';
    shown = u.toString();
    stopped = await runCli(args());
    // Read now: two runs in the same second share a report name (the second would overwrite it).
    stoppedMd = reportOf(stopped);
    passed = await runCli(args('--allow-quarantine'));
  });
  afterAll(async () => db?.drop());

  it('exit 8 prints NOT CUT OVER and how to go on, with commands to copy', () => {
    expect(stopped.code, stopped.stderr).toBe(8);
    expect(stopped.stdout).toMatch(/^NOT CUT OVER: 1 row quarantined in 1 table \(4 of 5 rows loaded\)$/m);
    expect(stopped.stdout).toContain('NOT CUT OVER: 1 row was quarantined; the live schema public was not changed.');
    expect(stopped.stdout).toContain(`or accept that they stay out of PostgreSQL and cut over:     sqlite2pg migrate ${source} --target '${shown}' --allow-quarantine`);
    expect(stopped.stdout).not.toMatch(/npx sqlite2pg/);
    expect(stopped.stdout + stopped.stderr).not.toContain(new URL(db.url).password || '\u0000');
  });

  it('the exit-8 report says NOT CUT OVER in its title and summary, and what to do next', () => {
    const md = stoppedMd;
    expect(md.split('\n')[0]).toBe('# sqlite2pg migration report — NOT CUT OVER');
    expect(md).toContain('**NOT CUT OVER: 1 row quarantined in 1 table (4 of 5 rows loaded)**');
    expect(md).toMatch(/## Next steps\n\n1\. \*\*Read the quarantine files\*\* in `.*quarantine`/);
    expect(md).toContain(`--allow-quarantine\``);
  });

  it('the console ends with a summary table: table, read, loaded, quarantined, time', () => {
    const lines = stopped.stdout.split('\n');
    const head = lines.findIndex((l) => /^ {2}table +read +loaded +quarantined +time$/.test(l));
    expect(head).toBeGreaterThanOrEqual(0);
    expect(lines.slice(head + 2, head + 4).map((l) => l.replace(/ +\S+ ms$| +\S+ s$/, '').split(/ +/).filter(Boolean))).toEqual(
      expect.arrayContaining([
        ['items', '3', '2', '1'],
        ['tags', '2', '2', '0'],
      ]),
    );
    expect(lines.find((l) => /^ {2}Total +5 +4 +1 /.test(l))).toBeTruthy();
  });

  it('a cutover report is a change-ticket record: who, the command, the mapping files, the write freeze, next steps', () => {
    expect(passed.code, passed.stderr).toBe(0);
    expect(passed.stdout).toMatch(/^PASSED WITH QUARANTINE \(accepted\): 1 row quarantined/m);
    const md = reportOf(passed);
    const json = JSON.parse(readFileSync(/report: (.*)\.md/.exec(passed.stdout)![1]! + '.json', 'utf8'));
    expect(json.version).toBe(3);
    expect(json.online).toBeNull();
    expect(json.invocation).toMatchObject({ command: 'sqlite2pg', user: userInfo().username, host: hostname(), targetArgs: `--target '${shown}'` });
    expect(json.invocation.argv).toEqual(['migrate', source, '--target', shown, '--mappings', mappings, '--reports', join(work, 'reports'), '--snapshot-dir', join(work, 'snap'), '--allow-quarantine']);
    expect(json.mappingFiles).toEqual([{ file: join(mappings, 'items.json'), sha256: mappingSha }]);
    expect(json.writeFreeze).toMatchObject({ from: 'snapshot', until: 'cutover' });
    expect(json.writeFreeze.ms).toBeGreaterThan(0);
    expect(json.writeFreeze.ms).toBeLessThanOrEqual(json.ms);
    expect(json.tables.find((t: { target: string }) => t.target === 'tags').keyless).toBe(true);
    expect(md).toContain(`| Run by          | \`${userInfo().username}@${hostname()}\``);
    expect(md).toContain(`\`${mappingSha}\``);
    expect(md).toMatch(/- \*\*Write freeze:\*\* writes to the SQLite source had to be stopped for .*, from the snapshot to the cutover commit\./);
    expect(md).toMatch(/1 table without a primary key \(`tags`\): verified by row count and checksum only.*its SQLite rowids were not kept\./);
    const next = md.slice(md.indexOf('## Next steps'));
    expect(next).toContain(`\`sqlite2pg verify ${source} --target '${shown}' --mappings ${mappings}\``);
    expect(next).toMatch(/`sqlite2pg rollback --run \S+ --schema public --target '[^']+'`|`sqlite2pg rollback --target '[^']+' --run \S+ --schema public`/);
    expect(next).toContain(`\`sqlite2pg prune --target '${shown}' --all --older-than 7\``);
    expect(next).toContain('`sqlite2pg fallback`');
  });

  it('plan: -q prints only the result line; without it, the hint names the real source and mapping directory', async () => {
    const dir = join(work, 'plan-mappings');
    const quiet = await runCli(['plan', source, '--mappings', dir, '-q']);
    expect(quiet.code, quiet.stderr).toBe(0);
    // Only what needs a look (the notes, e.g. 'forty-two' in an INTEGER column) and the result line.
    expect(quiet.stdout).not.toMatch(/^items: \d/m);
    expect(quiet.stdout).toMatch(/^items: ! /m);
    expect(quiet.stdout.trim().split('\n').at(-1)).toMatch(/^Mapping files in .*plan-mappings: \d+ written, \d+ unchanged\.$/);
    const loud = await runCli(['plan', source, '--mappings', dir]);
    expect(loud.stdout).toMatch(/^items: 3 rows/m);
    expect(loud.stdout).toContain(`then run: sqlite2pg migrate ${source} --mappings ${dir} --dry-run`);
  });

  it('status prints a labelled table of the runs, and --json', async () => {
    const r = await runCli(['status', '--target', db.url]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const head = lines.find((l) => /^ {2}run +schema +mode +state +started \(UTC\) +duration +rows +operator +mapping hash$/.test(l));
    expect(head, r.stdout).toBeTruthy();
    expect(r.stdout).toMatch(/cutover +cut-over +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    expect(r.stdout).toMatch(/cutover +failed /);
    expect(r.stdout).toContain(`${userInfo().username}@${hostname()}`);
    const j = await runCli(['status', '--target', db.url, '--json']);
    const out = JSON.parse(j.stdout) as { runs: { run_id: string; status: string; mapping_hash: string; operator: string; rows: number }[]; live: string };
    expect(out.runs.map((x) => x.status)).toEqual(['cut-over', 'failed']);
    expect(out.live).toBe(out.runs[0]!.run_id);
    expect(out.runs[0]).toMatchObject({ operator: `${userInfo().username}@${hostname()}`, rows: 4 });
    expect(r.stdout).toContain(out.runs[0]!.mapping_hash.slice(0, 12));
  });

  it('rollback counts the views with the tables and writes its own short report', async () => {
    const reports = join(work, 'rollback-reports');
    const r = await runCli(['rollback', '--target', db.url, '--reports', reports]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 tables and 1 view moved to sqlite2pg_rolledback_/);
    const files = readdirSync(reports).filter((f) => f.endsWith('-rollback.md'));
    expect(files).toHaveLength(1);
    const md = readFileSync(join(reports, files[0]!), 'utf8');
    expect(md).toMatch(/^# sqlite2pg rollback report\n/);
    expect(md).toMatch(new RegExp(`\\| Run by +\\| \`${userInfo().username}@${hostname()}\``));
    expect(md).toMatch(/Tables moved out of `public` +\| 2 /);
    expect(md).toMatch(/Views moved out of `public` +\| 1 /);
    expect(r.stdout).toMatch(/report: .*-rollback\.md/);
  });
});
