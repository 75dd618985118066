import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    if (kind === 'migrated') await migrate(wrapPglite(pglite));
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
 * Unpacks a template into the (new) data folder `dataDir`. PG_VERSION, which PGlite reads as "this
 * folder is initialized", is written last: a crash half-way leaves a folder that the next start
 * unpacks again rather than one that looks initialized and is not.
 *
 * The dump is PGlite's own plain ustar archive (files and folders only). Reading it here rather than
 * with node-tar is a measured choice: on the start-up path node-tar spent 3-8 times the main-thread
 * CPU (~0.4-1 s here), while this reads the file once and hands each write to libuv's threads,
 * which run while `serve` loads its code.
 */
export async function unpackTemplate(file: string, dataDir: string): Promise<void> {
  const archive = readFileSync(file);
  const writes: Promise<void>[] = [];
  let versionFile: { path: string; data: Buffer; mode: number } | undefined;
  for (const entry of tarEntries(archive)) {
    const path = join(dataDir, entry.name);
    if (path !== resolve(dataDir) && !path.startsWith(join(dataDir, '/'))) throw new Error(`template ${file}: entry ${entry.name} points outside the data folder`);
    if (entry.type === 'directory') mkdirSync(path, { recursive: true, mode: entry.mode });
    else if (entry.name === 'PG_VERSION') versionFile = { path, data: entry.data, mode: entry.mode };
    else writes.push(writeFile(path, entry.data, { mode: entry.mode }));
  }
  await Promise.all(writes);
  if (!versionFile) throw new Error(`template ${file} holds no PG_VERSION: not a PGlite data folder`);
  await writeFile(versionFile.path, versionFile.data, { mode: versionFile.mode });
}

type TarEntry = { name: string; type: 'file' | 'directory'; mode: number; data: Buffer };

/** The files and folders of a ustar archive, in order (names relative, without a leading "/"). */
function* tarEntries(archive: Buffer): Generator<TarEntry> {
  const text = (header: Buffer, from: number, to: number) => {
    const field = header.subarray(from, to);
    const end = field.indexOf(0);
    return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
  };
  for (let offset = 0; offset + 512 <= archive.length; ) {
    const header = archive.subarray(offset, offset + 512);
    if (header[0] === 0) return; // the end-of-archive blocks
    const prefix = text(header, 345, 500);
    const name = `${prefix ? `${prefix}/` : ''}${text(header, 0, 100)}`.replace(/^\/+/, '').replace(/\/+$/, '');
    const mode = parseInt(text(header, 100, 108).trim() || '644', 8);
    const size = parseInt(text(header, 124, 136).trim() || '0', 8);
    const flag = text(header, 156, 157) || '0';
    const data = archive.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (flag === '5') yield { name, type: 'directory', mode, data };
    else if (flag === '0') yield { name, type: 'file', mode, data };
    else throw new Error(`unexpected tar entry type "${flag}" for ${name}`);
  }
}

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
