import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronLaunch, findElectronBinary } from '../../../electron/binary.ts';

const projectRoot = resolve(import.meta.dirname, '../../..');

function fakeProject(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'tp-electron-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('Electron binary detection (npm start, the Electron e2e suite)', () => {
  it('finds the binary that path.txt names under dist/', () => {
    const root = fakeProject({ 'node_modules/electron/path.txt': 'electron', 'node_modules/electron/dist/electron': '' });
    expect(findElectronBinary(root)).toEqual({ found: true, path: join(root, 'node_modules/electron/dist/electron') });
  });

  it('reports a never-downloaded binary (no path.txt)', () => {
    const root = fakeProject({ 'node_modules/electron/index.js': '' });
    expect(findElectronBinary(root)).toEqual({ found: false, reason: expect.stringContaining('path.txt is missing') });
  });

  it('reports path.txt pointing at a missing file', () => {
    const root = fakeProject({ 'node_modules/electron/path.txt': 'Electron.app/Contents/MacOS/Electron\n' });
    expect(findElectronBinary(root)).toEqual({ found: false, reason: 'node_modules/electron/dist/Electron.app/Contents/MacOS/Electron is missing' });
  });

  // Runs `npm start`'s script for real only where it would not open a window.
  it.skipIf(findElectronBinary(projectRoot).found)('npm start says in one line that there is no Electron and names the alternative', () => {
    const run = spawnSync(process.execPath, [join(projectRoot, 'scripts/start.mjs')], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no Electron binary is installed/);
    expect(lines[0]).toContain('npm run serve');
    expect(lines[0]).toContain('npm run console:web');
  });

  it('launches without ELECTRON_RUN_AS_NODE, and without the sandbox only as root on Linux', () => {
    const env = { PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1', UNSET: undefined };
    expect(electronLaunch(env, { platform: 'linux', uid: 0 })).toEqual({ noSandbox: true, env: { PATH: '/usr/bin' } });
    expect(electronLaunch(env, { platform: 'linux', uid: 1000 }).noSandbox).toBe(false);
    expect(electronLaunch(env, { platform: 'darwin', uid: 0 }).noSandbox).toBe(false);
    expect(electronLaunch(env, { platform: 'win32' }).noSandbox).toBe(false);
  });
});
