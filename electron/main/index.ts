import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, utilityProcess } from 'electron';
import { createDesktopLogger } from '../logging.ts';
import { pickLocalSettings } from '../local-server/protocol.ts';
import { createConnectionManager, type ConnectionManager } from './connection.ts';
import { forwardConnectionChanges, registerBridge } from './ipc.ts';
import { runLifecycle, type Lifecycle } from './lifecycle.ts';
import { startLocalServer } from './local-server.ts';
import { dbTemplateDir, migrationsDir, useUserDataDir } from './paths.ts';
import { rendererFileFor } from './renderer-files.ts';
import { APP_ORIGIN, APP_SCHEME, contentSecurityPolicyFor, guardWebContents, hardenSession, isAppUrl, secureWebPreferences } from './security.ts';
import { createSettingsStore } from './settings-store.ts';
import { createTokenStore } from './token-store.ts';
import { watchPage } from './window.ts';

/**
 * The desktop console's main process: one hardened window, the embedded server in a utility process
 * in local mode, and the token — which never leaves this process. The logic lives in the modules
 * imported above (unit-tested without Electron); this file only wires Electron's objects into them.
 */

/** What main logs at, from TENANTPILOT_LOG_LEVEL when it names a level (a typo must not stop the app). */
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const level = LEVELS.includes(process.env.TENANTPILOT_LOG_LEVEL ?? '') ? process.env.TENANTPILOT_LOG_LEVEL! : 'info';

function prepare() {
  try {
    // Tests and side-by-side installs can keep their state elsewhere (before anything reads userData).
    useUserDataDir(app, process.env.TENANTPILOT_CONSOLE_USER_DATA);
    return createDesktopLogger({ level, name: 'console', logsDir: app.isPackaged ? app.getPath('logs') : undefined });
  } catch (err) {
    // Nothing is running yet, not even a logger: say why and go (never linger without a window).
    dialog.showErrorBox('TenantPilot Console cannot start', err instanceof Error ? err.message : String(err));
    app.exit(1);
    throw err;
  }
}
const { log: rootLog, opened: logOpened } = prepare();
const log = rootLog.child({ component: 'console' });

/** `electron-vite dev` serves the renderer over http; built and packaged apps use app://console. */
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const appOrigin = devServerUrl ? new URL(devServerUrl).origin : APP_ORIGIN;
const rendererDir = fileURLToPath(new URL('../renderer', import.meta.url));
const preloadFile = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const localServerEntry = fileURLToPath(new URL('./local-server.js', import.meta.url));

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
app.enableSandbox();

const blocked = (what: string, url: string) => log.warn({ what, url }, 'blocked');
app.on('web-contents-created', (_event, contents) => guardWebContents(contents, appOrigin, blocked));

const paths = () => ({ isPackaged: app.isPackaged, appPath: app.getAppPath(), resourcesPath: process.resourcesPath });
let manager: ConnectionManager | undefined;
let mainWindow: BrowserWindow | undefined;

runLifecycle({
  app,
  start,
  focus() {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  },
  async stop() {
    await manager?.close();
    await logOpened;
  },
  showError: (message) => dialog.showErrorBox('TenantPilot Console cannot start', message),
  log,
});

async function start(lifecycle: Lifecycle) {
  const userDataDir = app.getPath('userData');
  // API calls use Electron's network stack (system proxy, OS trust store) in a session of their own:
  // the window's session refuses every request that is not the app itself (security.ts).
  const apiSession = session.fromPartition('tenantpilot-api');
  manager = createConnectionManager({
    settings: createSettingsStore(join(userDataDir, 'settings.json'), log),
    tokens: createTokenStore({ file: join(userDataDir, 'session.bin'), safeStorage, log }),
    startLocal: () =>
      startLocalServer({
        fork: (modulePath, args, options) => utilityProcess.fork(modulePath, args, options),
        entry: localServerEntry,
        options: {
          dataDir: join(userDataDir, 'data'),
          logsDir: app.isPackaged ? app.getPath('logs') : undefined,
          settings: pickLocalSettings(process.env),
        },
        migrationsDir: migrationsDir(paths()),
        dbTemplateDir: dbTemplateDir(paths()),
        quiet: app.isPackaged,
        log,
      }),
    log,
    fetch: (input, init) => apiSession.fetch(input instanceof URL ? input.href : input, init),
  });
  hardenSession(session.defaultSession, appOrigin, blocked);
  protocol.handle(APP_SCHEME, async (request) => {
    const found = rendererFileFor(request.url, rendererDir);
    const body = found && (await readFile(found.file).catch(() => undefined));
    if (!found || !body) return new Response('Not found', { status: 404 });
    return new Response(body, { headers: { 'content-type': found.contentType, 'content-security-policy': contentSecurityPolicyFor(APP_ORIGIN)! } });
  });
  registerBridge(ipcMain, manager, { isTrustedFrame: (url) => isAppUrl(url, appOrigin), log });
  forwardConnectionChanges(manager.connection, (channel, connection) => mainWindow?.webContents.send(channel, connection));
  void manager.connection.get(); // the local server starts while the window loads
  createWindow(lifecycle);
}

function createWindow(lifecycle: Lifecycle) {
  mainWindow = new BrowserWindow({
    width: 1200,
    height: 820,
    minWidth: 640,
    minHeight: 480,
    title: 'TenantPilot Console',
    backgroundColor: '#f5f7fa',
    show: false,
    webPreferences: secureWebPreferences(preloadFile),
  });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => (mainWindow = undefined));
  watchPage(mainWindow.webContents, (reason) => void lifecycle.fail(reason), log);
  mainWindow.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`).catch((err: unknown) => lifecycle.fail(err));
}
