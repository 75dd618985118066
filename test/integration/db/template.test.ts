import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { openPglite } from '../../../server/db/client.ts';
import { migrate, readMigrations } from '../../../server/db/migrate.ts';
import { templateFileName, unpackTemplate } from '../../../server/db/template.ts';
import { pgliteDataDir, testDbKind } from '../../helpers/db.ts';

/**
 * A new embedded-database folder starts as a copy of the template made at install time when that
 * template was made by the installed PGlite from the current migrations; otherwise PGlite runs
 * initdb and the server migrates. Either way the folder ends up the same database.
 */
const embedded = testDbKind() === 'pglite';
const scratch = mkdtempSync(join(tmpdir(), 'tp-template-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

let n = 0;
const newFolder = () => join(scratch, `data-${++n}`);

/** The folder holding the migrated template the test helpers made (made now if missing). */
async function helperTemplates(): Promise<string> {
  await pgliteDataDir(newFolder(), { migrated: true });
  return join(tmpdir(), 'tenantpilot-test-db');
}

describe.skipIf(!embedded)('new embedded folders and the install-time template (PGlite only)', () => {
  it('a new folder starts from the template of the current migrations: nothing left to migrate', async () => {
    vi.stubEnv('TENANTPILOT_DB_TEMPLATE_DIR', await helperTemplates());
    const dir = newFolder();
    const db = await openPglite(dir);
    try {
      expect(await migrate(db)).toEqual([]);
      expect(await db.prisma.workspace.count()).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('without a template for these migrations it runs initdb, and migrate applies every migration', async () => {
    const other = join(scratch, 'templates-of-other-migrations');
    mkdirSync(other);
    writeFileSync(join(other, templateFileName('migrated', readMigrations().slice(0, 1))), 'not used');
    vi.stubEnv('TENANTPILOT_DB_TEMPLATE_DIR', other);
    const db = await openPglite(newFolder());
    try {
      expect(await migrate(db)).toEqual(readMigrations().map((m) => m.name));
    } finally {
      await db.close();
    }
  }, 180_000);

  it('a folder left half-unpacked (no PG_VERSION yet) is unpacked again and opens', async () => {
    const templates = await helperTemplates();
    vi.stubEnv('TENANTPILOT_DB_TEMPLATE_DIR', templates);
    const dir = newFolder();
    mkdirSync(dir);
    await unpackTemplate(join(templates, templateFileName('migrated')), dir);
    rmSync(join(dir, 'PG_VERSION'));
    rmSync(join(dir, 'global'), { recursive: true });
    const db = await openPglite(dir);
    try {
      expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
      expect(readdirSync(join(dir, 'global')).length).toBeGreaterThan(10);
      expect(await migrate(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
