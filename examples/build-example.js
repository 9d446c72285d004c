#!/usr/bin/env node
// Rebuild examples/shop.db from examples/shop.sql (deterministic).
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'shop.db');
if (existsSync(out)) rmSync(out);
const db = new Database(out);
db.exec(readFileSync(join(here, 'shop.sql'), 'utf8'));
db.exec('VACUUM');
db.close();
console.log(`wrote ${out}`);
