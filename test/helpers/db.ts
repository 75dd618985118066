import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPglite, openPostgres, type Database } from '../../server/db/client.ts';
import { migrate } from '../../server/db/migrate.ts';

export type TestDatabase = { database: Database; kind: 'pglite' | 'postgres'; url?: string; drop(): Promise<void> };

/** Which database this vitest project runs on (see vitest.config.ts). */
export const testDbKind = (): 'pglite' | 'postgres' => (process.env.TP_TEST_DB === 'postgres' ? 'postgres' : 'pglite');

/**
 * A fresh, migrated database for one test file: an in-memory PGlite, or a new database on the
 * TEST_DATABASE_URL server (dropped afterwards), so files can run in parallel.
 */
export async function createTestDatabase(kind = testDbKind()): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openPglite('memory://');
    await migrate(database);
    return { database, kind, drop: () => database.close() };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is required for the postgres test project');
  const name = `tp_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString());
  await migrate(database);
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

async function adminQuery(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
