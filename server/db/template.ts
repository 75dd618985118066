import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { migrate, readMigrations, type Migration } from './migrate.ts';

/**
 * Pre-initialized embedded databases. PGlite's initdb of a new folder costs seconds (about five
 * times opening an initialized one), so `npm install` (and `npm run build`) dumps a freshly
 * initialized, migrated database once, with the PGlite version the project pins, and a new folder
 * starts as a copy of it. The dump is PGlite's own data-directory tarball (`dumpDataDir`), named
 * after the PGlite version and the migrations it holds: a different version or another set of
 * migrations finds no template and falls back to initdb. Tests use the same dumps
 * (test/helpers/db.ts), loaded into memory or unpacked into folders.
 */
export type TemplateKind = 'migrated' | 'empty';

/** The PGlite version installed (and so the one that opens folders). */
export function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version: string };
      if (pkg.name === '@electric-sql/pglite') return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package.json of @electric-sql/pglite');
    dir = parent;
  }
}

/** The template's file name: what made it (PGlite version, migrations) decides whether it fits. */
export function templateFileName(kind: TemplateKind, migrations: Migration[] = kind === 'migrated' ? readMigrations() : []): string {
  const made = kind === 'migrated' ? migrations.map((m) => `${m.name}:${m.checksum}`).join('\n') : 'empty';
  const key = createHash('sha256').update(`pglite ${pgliteVersion()}\n${made}`).digest('hex').slice(0, 16);
  return `${kind}-${key}.tar`;
}

/**
 * Where the templates made at install time live: TENANTPILOT_DB_TEMPLATE_DIR (the desktop package
 * points it at its resources), else dist/db-template of the project, found upwards from this module.
 */
export function templatesDir(): string {
  if (process.env.TENANTPILOT_DB_TEMPLATE_DIR) return resolve(process.env.TENANTPILOT_DB_TEMPLATE_DIR);
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = Array.from({ length: 5 }, (_, i) => resolve(here, '../'.repeat(i), 'dist/db-template'));
  return candidates.find((dir) => existsSync(dir)) ?? resolve(here, '../..', 'dist/db-template');
}

/** A fresh PGlite in memory (initdb), migrated unless `kind` is 'empty', dumped to `file`. */
export async function writeTemplate(file: string, kind: TemplateKind): Promise<void> {
  const { wrapPglite } = await import('./client.ts');
  const pglite = await PGlite.create('memory://');
  try {
    if (kind === 'migrated') await migrate(await wrapPglite(pglite));
    const dump = await pglite.dumpDataDir('none');
    mkdirSync(dirname(file), { recursive: true });
    // Write, then rename: a reader never sees half a dump.
    const partial = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
  } finally {
    await pglite.close();
  }
}

/**
 * Makes the install-time template for the current migrations in `dir` (default templatesDir()),
 * removing templates of other versions or migrations. Returns its path.
 */
export async function buildTemplate(dir = templatesDir()): Promise<string> {
  const name = templateFileName('migrated');
  const file = join(dir, name);
  if (!existsSync(file)) await writeTemplate(file, 'migrated');
  for (const other of readdirSync(dir)) if (other !== name) rmSync(join(dir, other), { force: true, recursive: true });
  return file;
}

/**
 * Unpacks a template into the (new) data folder `dataDir`, on a worker thread: the 40 MB of writes
 * then run while the main thread loads the server's code (serve opens the database meanwhile).
 */
export function unpackTemplate(file: string, dataDir: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(UNPACK, { eval: true, workerData: { file, dataDir: resolve(dataDir) } });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`unpacking ${file} stopped (exit code ${code})`))));
  });
}

/**
 * The worker's source, as text so that it runs the same inside any bundle (esbuild, electron-vite,
 * tsx: each rewrites functions and require() calls its own way). The dump is PGlite's own plain
 * ustar archive of files and folders. PG_VERSION, which PGlite reads as "this folder is initialized",
 * is written last: a crash half-way leaves a folder that the next start unpacks again rather than one
 * that looks initialized and is not. (node-tar, measured on this path, cost 3-8 times the CPU.)
 */
const UNPACK = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const { file, dataDir } = require('node:worker_threads').workerData;
const archive = fs.readFileSync(file);
const text = (header, from, to) => {
  const field = header.subarray(from, to);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
};
let version;
for (let offset = 0; offset + 512 <= archive.length; ) {
  const header = archive.subarray(offset, offset + 512);
  if (header[0] === 0) break; // the end-of-archive blocks
  const prefix = text(header, 345, 500);
  const name = ((prefix ? prefix + '/' : '') + text(header, 0, 100)).replace(/^\/+/, '').replace(/\/+$/, '');
  const mode = parseInt(text(header, 100, 108).trim() || '644', 8);
  const size = parseInt(text(header, 124, 136).trim() || '0', 8);
  const flag = text(header, 156, 157) || '0';
  const data = archive.subarray(offset + 512, offset + 512 + size);
  offset += 512 + Math.ceil(size / 512) * 512;
  const target = path.join(dataDir, name);
  if (target !== dataDir && !target.startsWith(dataDir + path.sep)) throw new Error('template ' + file + ': entry ' + name + ' points outside the data folder');
  if (flag === '5') fs.mkdirSync(target, { recursive: true, mode });
  else if (flag !== '0') throw new Error('template ' + file + ': unexpected tar entry type "' + flag + '" for ' + name);
  else if (name === 'PG_VERSION') version = { target, data, mode };
  else fs.writeFileSync(target, data, { mode });
}
if (!version) throw new Error('template ' + file + ' holds no PG_VERSION: not a PGlite data folder');
fs.writeFileSync(version.target, version.data, { mode: version.mode });
`;

/**
 * Prepares a folder PGlite has not initialized from the install-time template, if one fits the
 * installed PGlite and the current migrations; returns false (PGlite will run initdb) otherwise.
 */
export async function initializeFromTemplate(dataDir: string): Promise<boolean> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return false;
  const file = join(templatesDir(), templateFileName('migrated'));
  if (!existsSync(file)) return false;
  await unpackTemplate(file, dataDir);
  return true;
}
