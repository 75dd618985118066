import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Configuration } from 'app-builder-lib';

/**
 * `npm run dist` cannot run here (electron-builder downloads Electron), so the packaging
 * configuration is checked as far as offline tools go: electron-builder's own loader and schema
 * validator, its own default deb dependencies, and the metadata its deb/AppImage targets require.
 */
const ROOT = resolve(import.meta.dirname, '../../..');
const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as typeof import('app-builder-lib/out/util/config/config.js');
const { DebugLogger } = require('builder-util') as typeof import('builder-util');
const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));

const loadConfig = () => getConfig(ROOT, null, null) as Promise<Configuration>;

/** The glob patterns of a file-set option, as electron-builder normalizes it (strings or `{filter}` sets). */
const patterns = (value: unknown): string[] =>
  [value].flat().flatMap((entry) => (typeof entry === 'string' ? [entry] : [(entry as { filter?: string | string[] })?.filter ?? []].flat()));

describe('packaging (electron-builder.yml)', () => {
  it("passes electron-builder's own schema validation", async () => {
    const config = await loadConfig();
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // the validator does reject a wrong value (so the check above means something)
    await expect(validateConfiguration({ ...config, electronFuses: { runAsNode: 'no' as never } }, new DebugLogger(false))).rejects.toThrow(/runAsNode/);
  });

  it('flips the fuses that keep other processes from running code as the app', async () => {
    expect((await loadConfig()).electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it("extends electron-builder's default deb dependencies (libsecret-1-0 keeps the token in the OS keyring)", async () => {
    const { default: FpmTarget } = require('app-builder-lib/out/targets/FpmTarget.js');
    const defaults: string[] = FpmTarget.prototype.getDefaultDepends.call(undefined, 'deb');
    expect(defaults).toContain('libsecret-1-0');
    const depends = (await loadConfig()).deb?.depends ?? [];
    expect(depends).toEqual(expect.arrayContaining(defaults));
  });

  it('has the metadata the deb target requires: a homepage and an author e-mail', () => {
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.author).toEqual({ name: expect.any(String), email: expect.stringMatching(/@/) });
  });

  it('ships the main process, the local server entry, PGlite and the folder-lock addon outside the asar, the migrations and the database template', async () => {
    const config = await loadConfig();
    expect(pkg.main).toBe('out/main/index.js');
    expect(patterns(config.files)).toContain('out/**');
    expect(config.asar).toBe(true);
    expect(patterns(config.asarUnpack)).toContain('node_modules/@electric-sql/pglite/**');
    expect(patterns(config.asarUnpack)).toContain('node_modules/fs-native-extensions/**');
    expect(config.extraResources).toContainEqual(expect.objectContaining({ from: 'prisma/migrations', to: 'migrations' }));
    expect(config.extraResources).toContainEqual(expect.objectContaining({ from: 'dist/db-template', to: 'db-template' }));
    // out/main/local-server.js is the utility process's own entry (electron.vite.config.ts)
    expect(readFileSync(resolve(ROOT, 'electron.vite.config.ts'), 'utf8')).toMatch(/'local-server': resolve\('electron\/local-server\/index\.ts'\)/);
    // Packages never land in dist/, where the server's own build lives.
    expect(config.directories?.output).toBe('release');
  });
});
