import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

/**
 * Whether this checkout has a runnable Electron, decided from files only: electron's install script
 * writes node_modules/electron/path.txt after it unpacks the binary into dist/. Importing `electron`
 * to ask would try to download it (and fail offline), so nothing here touches that module.
 */
export function findElectronBinary(projectRoot: string): ElectronBinary {
  const pathFile = join(projectRoot, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) {
    return { found: false, reason: 'node_modules/electron/path.txt is missing: the binary was never downloaded' };
  }
  const relative = readFileSync(pathFile, 'utf8').trim();
  const binary = join(projectRoot, 'node_modules', 'electron', 'dist', relative);
  if (!relative || !existsSync(binary)) {
    return { found: false, reason: `node_modules/electron/dist/${relative} is missing` };
  }
  return { found: true, path: binary };
}

/** The one line `npm start` prints when it cannot open the desktop console. */
export function noElectronMessage(reason: string): string {
  return `TenantPilot Console cannot open here: no Electron binary is installed (${reason}); run \`npm run serve\` and, in a second terminal, \`npm run console:web\`, then open the URL it prints.`;
}

/**
 * How to launch Electron from a script or test: `--no-sandbox` only where Electron requires it
 * (running as root on Linux, as in CI containers; everywhere else the renderer sandbox stays on), and
 * an environment without ELECTRON_RUN_AS_NODE, which would start Electron as plain Node.
 */
export function electronLaunch(env: Record<string, string | undefined>, who: { platform: string; uid?: number } = { platform: process.platform, uid: process.getuid?.() }) {
  const { ELECTRON_RUN_AS_NODE: _dropped, ...rest } = env;
  return {
    noSandbox: who.platform === 'linux' && who.uid === 0,
    env: Object.fromEntries(Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  };
}
