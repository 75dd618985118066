import { join } from 'node:path';

/**
 * Where the embedded server finds its SQL migrations: shipped as an extra resource in a packaged app
 * (electron-builder.yml `extraResources`), the project's prisma/migrations otherwise.
 */
export function migrationsDir(app: { isPackaged: boolean; appPath: string; resourcesPath: string }): string {
  return app.isPackaged ? join(app.resourcesPath, 'migrations') : join(app.appPath, 'prisma', 'migrations');
}
