#!/usr/bin/env node
// Thin entry: the compiled CLI decides the exit code; only this file exits.
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv.slice(2));
// Exit explicitly (a dependency's exit hook would otherwise reset the code), once output has drained.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
