import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../electron/binary.ts';
import { lockDataFolder } from '../../server/db/folder-lock.ts';
import { freePort } from '../e2e/support/servers.ts';
import { testDbKind } from '../helpers/db.ts';

/**
 * `npm start` where no Electron binary can be had: after Electron's own installer (told here not to
 * download, as on a machine without the network), it says so in one line and runs the API on the
 * embedded database and the browser console, prints the console's URL, and one Ctrl-C (SIGINT to its
 * process group, as a terminal sends it) stops both and frees the database folder.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'tp-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const electron = findElectronBinary(ROOT);
const skip = testDbKind() !== 'pglite' ? 'runs once, in the embedded-database project' : electron.found ? 'an Electron binary is installed here, so npm start opens the desktop app' : '';

describe.skipIf(!!skip)(`npm start without an Electron binary${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('runs the API and the browser console, prints the URL, and one Ctrl-C stops both and frees the folder', async () => {
    const dataDir = join(scratch, 'data');
    const [apiPort, webPort] = [await freePort(), await freePort()];
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TENANTPILOT_') && k !== 'DATABASE_URL'));
    const child = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs')], {
      cwd: ROOT,
      env: { ...env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', TENANTPILOT_DATA_DIR: dataDir, PORT: String(apiPort), TENANTPILOT_CONSOLE_PORT: String(webPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, which the "Ctrl-C" below signals as a terminal would
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 150_000;
      while (!/TenantPilot console: /.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not print the console URL:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const lines = output.split('\n').filter((l) => l.trim());
      expect(lines.filter((l) => l.startsWith('TenantPilot Console cannot open as a desktop app here (no Electron binary'))).toHaveLength(1);
      // A new folder has no operator: the URL carries the server's one-time setup code for the first-operator form.
      const consoleLine = lines.find((l) => l.startsWith('TenantPilot console: '));
      const link = consoleLine?.match(/^TenantPilot console: (\S+)#setup=(\S+)  \(API (\S+); Ctrl-C stops both\)$/);
      expect(link?.[1]).toBe(`http://127.0.0.1:${webPort}/`);
      expect(link?.[3]).toBe(`http://127.0.0.1:${apiPort}`);

      const page = await fetch(`http://127.0.0.1:${webPort}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      // the console's API calls go through the web server to the embedded API
      const health = await fetch(`http://127.0.0.1:${webPort}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const status = await fetch(`http://127.0.0.1:${webPort}/trpc/system.auth.status`);
      expect(status.status).toBe(200);
      // …and the code in the link is the one that creates the first operator
      const bootstrap = await fetch(`http://127.0.0.1:${webPort}/trpc/system.auth.bootstrap`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'first@tenantpilot.test', displayName: 'First', password: 'first operator password', setupCode: link![2] }),
      });
      expect(bootstrap.status).toBe(200);
    } finally {
      process.kill(-child.pid!, 'SIGINT');
    }
    expect(await exited).toBe(0);
    for (const port of [apiPort, webPort]) await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    lockDataFolder(dataDir).release(); // nothing holds the database folder any more
  }, 240_000);
});
