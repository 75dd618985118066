import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './client.ts';

/** Key of the PostgreSQL advisory lock that serializes migrations across replicas starting together. */
const MIGRATION_LOCK = 4_310_001;

export type Migration = { name: string; sql: string; checksum: string };

/**
 * The folder holding Prisma-format migrations: TENANTPILOT_MIGRATIONS_DIR, else the project's
 * prisma/migrations, found upwards from this module (server/db from source, dist/server/chunks when
 * built), else ./prisma/migrations.
 */
export function defaultMigrationsDir(): string {
  const candidates = [process.env.TENANTPILOT_MIGRATIONS_DIR, ...upwards(dirname(fileURLToPath(import.meta.url)), 'prisma/migrations', 4), resolve(process.cwd(), 'prisma/migrations')].filter(
    (p): p is string => !!p,
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`Migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** `relative` joined to `dir` and to each of its first `levels` ancestors. */
const upwards = (dir: string, relative: string, levels: number) => Array.from({ length: levels + 1 }, (_, i) => resolve(dir, '../'.repeat(i), relative));

export function readMigrations(dir = defaultMigrationsDir()): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Applies pending migrations in order, each in its own transaction, recorded in Prisma's
 * `_prisma_migrations` table (so `prisma migrate status` agrees), under an advisory lock.
 * Returns the names applied by this call.
 */
export async function migrate(db: Database, migrations = readMigrations()): Promise<string[]> {
  return db.withSession(async (s) => {
    await s.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await s.exec(CREATE_MIGRATIONS_TABLE);
      const rows = await s.query<{ migration_name: string; checksum: string }>(
        'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
      const done: string[] = [];
      for (const m of migrations) {
        const known = applied.get(m.name);
        if (known !== undefined) {
          if (known !== m.checksum) {
            throw new Error(`Migration ${m.name} was changed after it was applied (checksum mismatch)`);
          }
          continue;
        }
        await s.exec('BEGIN');
        try {
          await s.exec(m.sql);
          await s.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
             VALUES ($1, $2, $3, now(), 1)`,
            [randomUUID(), m.checksum, m.name],
          );
          await s.exec('COMMIT');
        } catch (err) {
          await s.exec('ROLLBACK');
          throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        done.push(m.name);
      }
      return done;
    } finally {
      await s.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });
}
