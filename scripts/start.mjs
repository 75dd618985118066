#!/usr/bin/env node
// `npm start`: build the desktop console and open it. Where no Electron binary is installed, say so in
// one line and name the browser alternative (see electron/binary.ts for how that is detected).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { findElectronBinary, noElectronMessage } = await import('../electron/binary.ts');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electron = findElectronBinary(root);
if (!electron.found) {
  console.error(noElectronMessage(electron.reason));
  process.exit(1);
}

/** Runs a command in the project root with inherited output; resolves to its exit code. */
const run = (command, args, env = process.env) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });

const built = await run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
if (built !== 0) process.exit(built);
// ELECTRON_RUN_AS_NODE (set by some editors' terminals) would start Electron as plain Node.
const { ELECTRON_RUN_AS_NODE: _ignored, ...env } = process.env;
process.exit(await run(electron.path, [root], env));
