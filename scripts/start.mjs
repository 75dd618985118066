#!/usr/bin/env node
// `npm start`: the desktop console. npm skips Electron's install script (package.json allowScripts),
// so where the binary is missing this runs Electron's own installer once. Where no binary can be had,
// it says so in one line and runs the product in the browser instead: the API on the embedded
// database and the web console, one Ctrl-C stopping both.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { findElectronBinary, electronLaunch } = await tsImport('../electron/binary.ts', import.meta.url);
/** Must match server/cli.ts SETUP_CODE_LINE (test/integration/start.test.ts checks the link). */
const SETUP_CODE_LINE = 'No operator yet. Create the first one with this one-time setup code (valid only in this process): ';

/** Runs a command in the project root; resolves to its exit code and what it wrote to stderr. */
const run = (command, args, opts = {}) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['inherit', 'inherit', opts.quiet ? 'pipe' : 'inherit'], env: opts.env ?? process.env });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), stderr }));
    child.on('error', (err) => resolve({ code: 1, stderr: err.message }));
  });

/** The error line of a tool's output (else its last line), for a one-line explanation. */
const errorLine = (text) => {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? 'no reason given';
};

let electron = findElectronBinary(root);
let missing = electron.found ? undefined : electron.reason;
if (!electron.found) {
  console.log("TenantPilot Console: Electron's binary is not installed; running Electron's installer (node_modules/electron/install.js)…");
  const installed = await run(process.execPath, [join(root, 'node_modules/electron/install.js')], { quiet: true });
  electron = findElectronBinary(root);
  if (!electron.found) missing = installed.code === 0 ? electron.reason : `its installer failed: ${errorLine(installed.stderr)}`;
}

if (electron.found) {
  const built = await run(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build']);
  if (built.code !== 0) process.exit(built.code);
  const launch = electronLaunch(process.env);
  process.exit((await run(electron.path, [...(launch.noSandbox ? ['--no-sandbox'] : []), root], { env: launch.env })).code);
}

console.log(`TenantPilot Console cannot open as a desktop app here (no Electron binary: ${missing}); starting the API and the browser console instead.`);
await browserConsole();

/** A free port on 127.0.0.1: `preferred` when it is free, else one the OS picks. */
function freePort(preferred) {
  const tryPort = (port) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const { port: bound } = server.address();
        server.close(() => resolve(bound));
      });
    });
  return tryPort(preferred).then((port) => port ?? tryPort(0));
}

async function waitForHttp(url, child) {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      await (await fetch(url)).arrayBuffer();
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * `tenantpilot serve` (embedded database in TENANTPILOT_DATA_DIR, default ./.tenantpilot; port PORT,
 * default 4310) and the web console (Vite, proxying /trpc and /healthz to it; port
 * TENANTPILOT_CONSOLE_PORT, default 5173), both on 127.0.0.1, on other ports when those are taken.
 * A Ctrl-C reaches both (they share the terminal's process group) and is forwarded as well, for a
 * `kill` of this process alone; when either stops, the other is stopped and this exits.
 */
async function browserConsole() {
  const apiPort = await freePort(Number(process.env.PORT) || 4310);
  const webPort = await freePort(Number(process.env.TENANTPILOT_CONSOLE_PORT) || 5173);
  const api = spawn(process.execPath, [join(root, 'bin/tenantpilot.js'), 'serve', '--host', '127.0.0.1', '--port', String(apiPort)], {
    cwd: root,
    env: { ...process.env, TENANTPILOT_LOG_LEVEL: process.env.TENANTPILOT_LOG_LEVEL || 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // serve's output passes through; its first-run setup code (printed before its "listening" line)
  // goes into the console URL, so the first-operator form arrives filled in.
  let setupCode;
  const listening = new Promise((resolve) => {
    createInterface({ input: api.stdout }).on('line', (line) => {
      console.log(line);
      if (line.startsWith(SETUP_CODE_LINE)) setupCode = line.slice(SETUP_CODE_LINE.length).trim();
      if (line.startsWith('TenantPilot API listening on')) resolve();
    });
  });
  const children = [api];
  let stopping = false;
  const stop = (signal = 'SIGTERM') => {
    stopping = true;
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const exits = [];
  const watch = (child, name) =>
    exits.push(
      new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          if (!stopping) {
            console.error(`TenantPilot: the ${name} stopped (${signal ?? `exit code ${code}`}); stopping the rest.`);
            process.exitCode = 1;
            stop();
          }
          resolve();
        }),
      ),
    );
  watch(api, 'API server');

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  if (!(await waitForHttp(`${apiUrl}/healthz`, api)) || stopping) return Promise.all(exits);
  await listening;

  const web = spawn(
    process.execPath,
    [join(root, 'node_modules/vite/bin/vite.js'), '--config', 'renderer/vite.web.config.ts', '--host', '127.0.0.1', '--port', String(webPort), '--strictPort', '--logLevel', 'warn'],
    { cwd: root, env: { ...process.env, TENANTPILOT_API_URL: apiUrl }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  children.push(web);
  watch(web, 'web console');
  const webUrl = `http://127.0.0.1:${webPort}/`;
  if (await waitForHttp(webUrl, web)) {
    console.log(`TenantPilot console: ${webUrl}${setupCode ? `#setup=${setupCode}` : ''}  (API ${apiUrl}; Ctrl-C stops both)`);
  }
  await Promise.all(exits);
}
