import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the embedded server finds its SQL migrations: shipped as an extra resource in a packaged app
 * (electron-builder.yml `extraResources`), the project's prisma/migrations otherwise.
 */
export function migrationsDir(app: { isPackaged: boolean; appPath: string; resourcesPath: string }): string {
  return app.isPackaged ? join(app.resourcesPath, 'migrations') : join(app.appPath, 'prisma', 'migrations');
}

/**
 * Where a new embedded database's pre-initialized, migrated template is found (server/db/template.ts
 * reads TENANTPILOT_DB_TEMPLATE_DIR): shipped as an extra resource when packaged, the project's
 * dist/db-template (made by `npm install` / `npm run build`) otherwise.
 */
export function dbTemplateDir(app: { isPackaged: boolean; appPath: string; resourcesPath: string }): string {
  return app.isPackaged ? join(app.resourcesPath, 'db-template') : join(app.appPath, 'dist', 'db-template');
}

/**
 * Moves the app's userData folder (tests and side-by-side installs use this). Electron's
 * `setPath` throws for a folder that does not exist yet, so it is created first.
 */
export function useUserDataDir(app: { setPath(name: 'userData', path: string): void }, dir: string | undefined) {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  app.setPath('userData', dir);
}
