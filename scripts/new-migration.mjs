#!/usr/bin/env node
// Authors a migration as a datamodel-to-datamodel diff: the schema as last committed (git HEAD)
// → the working-tree schema. `prisma migrate dev` cannot run here (see DESIGN.md "Migrations").
// Usage: npm run migration:new -- <name>
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run migration:new -- <name>   (name: lower-case letters, digits, _)');
  process.exit(2);
}
const schema = 'prisma/schema.prisma';
const hasMigrations = readdirSync('prisma/migrations', { withFileTypes: true }).some((d) => d.isDirectory());
let from = ['--from-empty'];
if (hasMigrations) {
  const previous = join(mkdtempSync(join(tmpdir(), 'tp-migration-')), 'schema.prisma');
  writeFileSync(previous, execFileSync('git', ['show', `HEAD:${schema}`]));
  from = ['--from-schema-datamodel', previous];
}
const sql = execFileSync('npx', ['prisma', 'migrate', 'diff', ...from, '--to-schema-datamodel', schema, '--script'], {
  encoding: 'utf8',
});
if (!/\b(CREATE|ALTER|DROP)\b/.test(sql)) {
  console.error('No schema change since HEAD: nothing to migrate.');
  process.exit(1);
}
const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const dir = join('prisma/migrations', `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'migration.sql'), sql);
console.log(`Wrote ${dir}/migration.sql`);
