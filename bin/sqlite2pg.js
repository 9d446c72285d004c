#!/usr/bin/env node
// Thin entry: the compiled CLI decides the exit code; only this file exits.
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv.slice(2));
// Let stdout/stderr drain before exiting.
process.exitCode = code;
