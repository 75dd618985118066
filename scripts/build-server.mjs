#!/usr/bin/env node
// Compiles the server (server/**, the generated Prisma client included) to JavaScript in dist/server:
// one ES module per entry (cli, app, client) plus shared chunks, npm packages left as imports. Each CLI
// command loads its own chunks (server/cli.ts imports them when it runs), so `--help` or `migrate` never
// loads Fastify. esbuild takes ~0.1 s, so `npm install` builds and test setups rebuild a stale build.
// `--types` also emits the typed client's declarations (dist/types, from tsconfig.client.json).
//
// Usage: node scripts/build-server.mjs [--types] [--if-stale]
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'server');
const STAMP = join(OUT, 'build.json');
const ENTRIES = ['cli', 'app', 'client'];

/** Every file the build reads (the server tree and this script), in a stable order. */
function inputs() {
  const files = [fileURLToPath(import.meta.url)];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(join(ROOT, 'server'));
  return files;
}

/** A hash of the build's inputs: what the build in dist/server must have been made from. */
export function sourceHash() {
  const hash = createHash('sha256');
  for (const file of inputs()) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** Whether dist/server was built from the current sources (false when missing or stale). */
export function isServerBuildCurrent(hash = sourceHash()) {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')).sources === hash;
  } catch {
    return false;
  }
}

/** Builds dist/server; swaps the new build in whole, so a running process never sees half of one. */
export async function buildServer({ types = false } = {}) {
  if (!existsSync(join(ROOT, 'server/db/generated/client.ts'))) {
    throw new Error('server/db/generated is missing: run `npx prisma generate` (npm install does) before building');
  }
  const { build } = await import('esbuild');
  const hash = sourceHash();
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = `${OUT}.${suffix}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(ENTRIES.map((name) => [name, `server/${name}.ts`])),
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  writeFileSync(join(staging, 'build.json'), `${JSON.stringify({ sources: hash }, null, 2)}\n`);
  const old = `${OUT}.${suffix}.old`;
  if (existsSync(OUT)) renameSync(OUT, old);
  renameSync(staging, OUT);
  rmSync(old, { recursive: true, force: true });
  if (types) buildClientTypes();
}

/** dist/types: declarations of the typed client (`tenantpilot-telemetry/client`) and what it names. */
export function buildClientTypes() {
  rmSync(join(ROOT, 'dist', 'types'), { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.client.json')], { cwd: ROOT, stdio: 'inherit' });
}

/** For test and bench setups: rebuilds dist/server when it is missing or older than the sources. */
export async function ensureServerBuilt() {
  const hash = sourceHash();
  if (isServerBuildCurrent(hash)) return false;
  await buildServer();
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  try {
    if (args.includes('--if-stale') && isServerBuildCurrent()) {
      if (args.includes('--types') && !existsSync(join(ROOT, 'dist/types/client.d.ts'))) buildClientTypes();
    } else {
      mkdirSync(join(ROOT, 'dist'), { recursive: true });
      await buildServer({ types: args.includes('--types') });
    }
  } catch (err) {
    console.error(`build-server: ${err.message}`);
    process.exit(1);
  }
}
