import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openPostgres, wrapPglite, type Database } from '../../server/db/client.ts';
import { migrate } from '../../server/db/migrate.ts';
import { templateFileName, unpackTemplate, writeTemplate, type TemplateKind } from '../../server/db/template.ts';

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
    const database = await wrapPglite(await pgliteFromTemplate(migrated));
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
 * database dumps a fresh (optionally migrated) one into the OS temp folder - the same templates the
 * server starts new folders from (server/db/template.ts), named by PGlite version and migrations -
 * and every later file starts from that dump.
 */
async function pgliteFromTemplate(migrated: boolean): Promise<PGlite> {
  const file = await templateFile(migrated ? 'migrated' : 'empty');
  try {
    return await PGlite.create('memory://', { loadDataDir: new Blob([readFileSync(file)]) });
  } catch {
    // A damaged dump: make it again.
    await writeTemplate(file, migrated ? 'migrated' : 'empty');
    return PGlite.create('memory://', { loadDataDir: new Blob([readFileSync(file)]) });
  }
}

/** The template dump for `kind`, made first when missing. */
async function templateFile(kind: TemplateKind): Promise<string> {
  const file = join(tmpdir(), 'tenantpilot-test-db', templateFileName(kind));
  if (!existsSync(file)) await writeTemplate(file, kind);
  return file;
}

/**
 * A ready embedded-database folder at `dir` (for code that opens its own database, like the CLI or
 * startServer): the initialized, optionally migrated template unpacked there, without initdb's cost.
 */
export async function pgliteDataDir(dir: string, opts: { migrated: boolean }): Promise<string> {
  const file = await templateFile(opts.migrated ? 'migrated' : 'empty');
  mkdirSync(dir, { recursive: true });
  await unpackTemplate(file, dir);
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
