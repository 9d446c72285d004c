/** The rollback hint of a cutover names the command the user typed, as every other hint does. */
import { describe, expect, it } from 'vitest';
import type { Invocation } from '../../../src/model/run-result.js';
import { rollbackCommand } from '../../../src/run/phases/cutover-phase.js';

const inv = (command: string, targetArgs: string): Invocation => ({ command, argv: [], targetArgs, schemaArgs: '', user: 'u', host: 'h' });

describe('rollbackCommand', () => {
  it('without an invocation (an API caller): the plain command, not npx', () => {
    expect(rollbackCommand({ runId: 'R1', live: 'public', embedded: false })).toBe('sqlite2pg rollback --run R1 --schema public --target <same target>');
    expect(rollbackCommand({ runId: 'R1', live: 'app', embedded: true })).toBe('sqlite2pg rollback --run R1 --schema app');
  });

  it('typed as sqlite2pg: sqlite2pg, with the same target', () => {
    expect(rollbackCommand({ runId: 'R1', live: 'public', embedded: false, invocation: inv('sqlite2pg', "--target 'postgres://app:***@db/app'") })).toBe("sqlite2pg rollback --run R1 --schema public --target 'postgres://app:***@db/app'");
  });

  it('run by npx: npx sqlite2pg; a target named by the environment is not repeated', () => {
    expect(rollbackCommand({ runId: 'R1', live: 'public', embedded: false, invocation: inv('npx sqlite2pg', '') })).toBe('npx sqlite2pg rollback --run R1 --schema public');
  });
});
