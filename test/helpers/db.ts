import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openPostgres, wrapPglite, type Database } from '../../server/db/client.ts';
import { migrate, readMigrations } from '../../server/db/migrate.ts';

export type TestDatabase = { database: Database; kind: 'pglite' | 'postgres'; url?: string; drop(): Promise<void> };

/** Which database this vitest project runs on (see vitest.config.ts). */
export const testDbKind = (): 'pglite' | 'postgres' => (process.env.TP_TEST_DB === 'postgres' ? 'postgres' : 'pglite');

/**
 * A fresh database for one test file (migrated unless `migrated: false`): an in-memory PGlite, or a
 * new database on the TEST_DATABASE_URL server (dropped afterwards), so files can run in parallel.
 */
export async function createTestDatabase(
  kind = testDbKind(),
  opts: { migrated?: boolean } = {},
): Promise<TestDatabase> {
  const migrated = opts.migrated ?? true;
  if (kind === 'pglite') {
    const database = wrapPglite(await pgliteFromTemplate(migrated));
    if (migrated) await migrate(database);
    return { database, kind, drop: () => database.close() };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is required for the postgres test project');
  const name = `tp_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString());
  if (migrated) await migrate(database);
  return {
    database,
    kind,
    url: url.toString(),
    async drop() {
      await database.close();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * Starting PGlite on an empty data directory runs initdb inside WebAssembly (10+ s on a busy 2-core
 * machine); starting it from a dump of a data directory takes about 2 s. So the first file to need a
 * database dumps a fresh (optionally migrated) one into the OS temp folder, keyed by the PGlite
 * version and the migrations' checksums, and every later file starts from that dump.
 */
async function pgliteFromTemplate(migrated: boolean): Promise<PGlite> {
  const file = templateFile(migrated);
  if (existsSync(file)) {
    try {
      return await PGlite.create('memory://', { loadDataDir: new Blob([readFileSync(file)]) });
    } catch {
      // A damaged dump: rebuild it below.
    }
  }
  const pglite = await PGlite.create('memory://');
  if (migrated) await migrate(wrapPglite(pglite));
  const dump = await pglite.dumpDataDir('none');
  mkdirSync(dirname(file), { recursive: true });
  // Write then rename, so a parallel file never reads half a dump.
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, file);
  return pglite;
}

function templateFile(migrated: boolean): string {
  const version = JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')).version;
  const key = createHash('sha256')
    .update(`${version}\n${migrated ? readMigrations().map((m) => `${m.name}:${m.checksum}`).join('\n') : 'empty'}`)
    .digest('hex')
    .slice(0, 16);
  return join(tmpdir(), 'tenantpilot-test-db', `${migrated ? 'migrated' : 'empty'}-${key}.tar`);
}

/**
 * A ready embedded-database folder at `dir` (for code that opens its own database, like the CLI or
 * startServer): the initialized, optionally migrated template unpacked there, without initdb's cost.
 */
export async function pgliteDataDir(dir: string, opts: { migrated: boolean }): Promise<string> {
  const file = templateFile(opts.migrated);
  if (!existsSync(file)) await (await pgliteFromTemplate(opts.migrated)).close();
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xf', file, '-C', dir], { stdio: 'pipe' });
  return dir;
}

async function adminQuery(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
