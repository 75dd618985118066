import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronLaunch, findElectronBinary } from '../../../electron/binary.ts';

function fakeProject(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'tp-electron-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('Electron binary detection (npm start, the Electron e2e suite; npm start itself: test/integration/start.test.ts)', () => {
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

  it('launches without ELECTRON_RUN_AS_NODE, and without the sandbox only as root on Linux', () => {
    const env = { PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1', UNSET: undefined };
    expect(electronLaunch(env, { platform: 'linux', uid: 0 })).toEqual({ noSandbox: true, env: { PATH: '/usr/bin' } });
    expect(electronLaunch(env, { platform: 'linux', uid: 1000 }).noSandbox).toBe(false);
    expect(electronLaunch(env, { platform: 'darwin', uid: 0 }).noSandbox).toBe(false);
    expect(electronLaunch(env, { platform: 'win32' }).noSandbox).toBe(false);
  });
});
