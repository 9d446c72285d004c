import { describe, expect, it } from 'vitest';
import { commandName } from '../../../src/cli/invocation.js';

describe('commandName: the command hints name, as the user typed it', () => {
  const bin = '/root/.npm/_npx/25384ee8d5c645af/node_modules/.bin/sqlite2pg';
  it('npx, as npm 10 sets npm_lifecycle_script (the command unquoted)', () => {
    expect(commandName(bin, { npm_command: 'exec', npm_lifecycle_script: 'sqlite2pg migrate x.db' })).toBe('npx sqlite2pg');
  });
  it('npx, as npm 11 sets it (each word single-quoted)', () => {
    expect(commandName(bin, { npm_command: 'exec', npm_lifecycle_script: "'sqlite2pg'" })).toBe('npx sqlite2pg');
  });
  it('another script that npx ran (a test runner spawning us) is not npx sqlite2pg', () => {
    expect(commandName('/p/bin/sqlite2pg.js', { npm_command: 'exec', npm_lifecycle_script: "'vitest' 'run'" })).toBe('sqlite2pg');
    expect(commandName('/p/bin/sqlite2pg.js', { npm_command: 'exec', npm_lifecycle_script: "'sqlite2pg-other'" })).toBe('sqlite2pg');
  });
  it('installed: the script name', () => {
    expect(commandName('/usr/local/bin/sqlite2pg', {})).toBe('sqlite2pg');
  });
});
