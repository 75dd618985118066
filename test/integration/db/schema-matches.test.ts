import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../server/db/client.ts';
import { migrate, readMigrations } from '../../../server/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

/**
 * DESIGN.md "Migrations": a test proves the migrated database matches prisma/schema.prisma. Prisma's
 * own diff against a live database cannot run here, so: the SQL Prisma generates for the whole
 * schema (`migrate diff --from-empty --to-schema-datamodel`) builds one fresh database, the
 * committed migrations build another, and their catalogs (tables, columns, indexes, constraints)
 * must be identical.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let fromSchema: TestDatabase;
let fromMigrations: TestDatabase;

/**
 * Prisma's SQL for the whole schema. It depends only on schema.prisma and the Prisma version, so it
 * is kept in the OS temp folder under their hash: the CLI (seconds) runs once per schema change.
 */
async function schemaSql(): Promise<string> {
  const schemaPath = join(ROOT, 'prisma/schema.prisma');
  const version = JSON.parse(readFileSync(join(ROOT, 'node_modules/prisma/package.json'), 'utf8')).version;
  const key = createHash('sha256').update(`${version}\n${readFileSync(schemaPath, 'utf8')}`).digest('hex').slice(0, 16);
  const cached = join(tmpdir(), 'tenantpilot-test-db', `schema-${key}.sql`);
  if (existsSync(cached)) return readFileSync(cached, 'utf8');
  const sql = await prismaDiff(schemaPath);
  mkdirSync(dirname(cached), { recursive: true });
  const partial = `${cached}.${process.pid}`;
  writeFileSync(partial, sql);
  renameSync(partial, cached);
  return sql;
}

async function prismaDiff(schemaPath: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules/prisma/build/index.js'),
      'migrate',
      'diff',
      '--config',
      fileURLToPath(new URL('./prisma-diff.config.ts', import.meta.url)),
      '--from-empty',
      '--to-schema-datamodel',
      schemaPath,
      '--script',
    ],
    { cwd: ROOT, env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' }, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

/** The parts of the catalog that schema.prisma describes, in a stable order. */
async function catalog(database: Database) {
  return database.withSession(async (s) => ({
    tables: await s.query(`
      SELECT c.relname::text AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'
       ORDER BY 1`),
    columns: await s.query(`
      SELECT table_name::text AS table, column_name::text AS column, data_type::text AS type, udt_name::text AS udt,
             is_nullable::text AS nullable, column_default::text AS default, character_maximum_length AS length,
             numeric_precision AS precision, datetime_precision AS time_precision
        FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations'
       ORDER BY 1, 2`),
    indexes: await s.query(`
      SELECT tablename::text AS table, indexname::text AS index, indexdef::text AS definition
        FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'
       ORDER BY 1, 2`),
    constraints: await s.query(`
      SELECT cl.relname::text AS table, co.conname::text AS name, co.contype::text AS type, pg_get_constraintdef(co.oid)::text AS definition
        FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
       WHERE n.nspname = current_schema() AND cl.relname <> '_prisma_migrations'
       ORDER BY 1, 2`),
  }));
}

beforeAll(async () => {
  const [sql, a, b] = await Promise.all([schemaSql(), createTestDatabase(undefined, { migrated: false }), createTestDatabase()]);
  fromSchema = a;
  fromMigrations = b;
  await fromSchema.database.withSession((s) => s.exec(sql));
}, 120_000);
afterAll(async () => {
  await fromSchema?.drop();
  await fromMigrations?.drop();
});

describe('the migrated database matches prisma/schema.prisma', () => {
  it('has the same tables, columns (type, nullability, default), indexes and constraints as the schema builds', async () => {
    const expected = await catalog(fromSchema.database);
    const actual = await catalog(fromMigrations.database);
    expect(expected.tables.length).toBeGreaterThan(10);
    expect(actual.tables).toEqual(expected.tables);
    expect(actual.columns).toEqual(expected.columns);
    expect(actual.indexes).toEqual(expected.indexes);
    expect(actual.constraints).toEqual(expected.constraints);
  });

  it('notices a drift of a single nullability, default or index (the comparison can fail)', async () => {
    const expected = await catalog(fromSchema.database);
    for (const [drift, undo] of [
      ['ALTER TABLE "tenants" ALTER COLUMN "name" DROP NOT NULL', 'ALTER TABLE "tenants" ALTER COLUMN "name" SET NOT NULL'],
      [`ALTER TABLE "tenants" ALTER COLUMN "connection_status" SET DEFAULT 'pending'`, `ALTER TABLE "tenants" ALTER COLUMN "connection_status" SET DEFAULT 'connected'`],
      ['DROP INDEX "tenants_workspace_id_idx"', 'CREATE INDEX "tenants_workspace_id_idx" ON "tenants"("workspace_id")'],
    ]) {
      await fromMigrations.database.withSession((s) => s.exec(drift!));
      try {
        expect(await catalog(fromMigrations.database)).not.toEqual(expected);
      } finally {
        await fromMigrations.database.withSession((s) => s.exec(undo!));
      }
    }
    expect(await catalog(fromMigrations.database)).toEqual(expected);
  });

  it('holds the telemetry ledger as DESIGN.md names it: product_usage_events, tenant and workspace NOT NULL foreign keys', async () => {
    const { columns, constraints } = await catalog(fromMigrations.database);
    const ledger = (columns as { table: string; column: string; nullable: string }[]).filter((c) => c.table === 'product_usage_events');
    expect(ledger.map((c) => c.column)).toEqual(
      expect.arrayContaining(['id', 'workspace_id', 'tenant_id', 'event_name', 'feature_area', 'actor_user_id', 'subject_type', 'subject_id', 'occurred_at', 'metadata']),
    );
    expect(ledger.filter((c) => ['workspace_id', 'tenant_id'].includes(c.column)).map((c) => c.nullable)).toEqual(['NO', 'NO']);
    const fks = (constraints as { table: string; type: string; definition: string }[]).filter((c) => c.table === 'product_usage_events' && c.type === 'f');
    expect(fks.map((c) => c.definition).sort()).toEqual([
      expect.stringMatching(/^FOREIGN KEY \(tenant_id\) REFERENCES tenants\(id\)/),
      expect.stringMatching(/^FOREIGN KEY \(workspace_id\) REFERENCES workspaces\(id\)/),
    ]);
  });
});

describe('applying migrations', () => {
  it('a second run applies nothing and changes nothing', async () => {
    const before = await catalog(fromMigrations.database);
    expect(await migrate(fromMigrations.database)).toEqual([]);
    expect(await catalog(fromMigrations.database)).toEqual(before);
  });

  it('records every migration in Prisma’s _prisma_migrations table with its checksum', async () => {
    const rows = await fromMigrations.database.withSession((s) =>
      s.query<{ migration_name: string; checksum: string }>('SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name'),
    );
    expect(rows).toEqual(readMigrations().map((m) => ({ migration_name: m.name, checksum: m.checksum })));
  });

  it('refuses a migration that was changed after it was applied, naming it, and applies nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-migrations-'));
    try {
      cpSync(join(ROOT, 'prisma/migrations'), dir, { recursive: true });
      const [first] = readMigrations(dir);
      const file = join(dir, first!.name, 'migration.sql');
      writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited after the fact\n`);
      await expect(migrate(fromMigrations.database, readMigrations(dir))).rejects.toThrow(
        `Migration ${first!.name} was changed after it was applied (checksum mismatch)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolls back a failing migration completely and does not record it', async () => {
    const broken = { name: '99999999999999_broken', sql: 'CREATE TABLE "half_done" (id INT);\nSELECT no_such_function();', checksum: 'x'.repeat(64) };
    await expect(migrate(fromMigrations.database, [...readMigrations(), broken])).rejects.toThrow(/^Migration 99999999999999_broken failed: /);
    const [state] = await fromMigrations.database.withSession((s) =>
      s.query<{ tables: number; recorded: number }>(
        `SELECT (SELECT count(*)::int FROM pg_class WHERE relname = 'half_done') AS tables,
                (SELECT count(*)::int FROM "_prisma_migrations" WHERE migration_name = '99999999999999_broken') AS recorded`,
      ),
    );
    expect(state).toEqual({ tables: 0, recorded: 0 });
    // and the database still works
    expect(await migrate(fromMigrations.database)).toEqual([]);
  });
});
