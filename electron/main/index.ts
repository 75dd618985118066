import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, protocol, safeStorage, session } from 'electron';
import { createLogger } from '../../server/observability.ts';
import { createConnectionManager, type ConnectionManager } from './connection.ts';
import { registerBridge } from './ipc.ts';
import { startLocalServer } from './local-server.ts';
import { migrationsDir } from './paths.ts';
import { rendererFileFor } from './renderer-files.ts';
import { APP_ORIGIN, APP_SCHEME, CONTENT_SECURITY_POLICY, guardWebContents, hardenSession, isAppUrl, secureWebPreferences } from './security.ts';
import { createSettingsStore } from './settings-store.ts';
import { createTokenStore } from './token-store.ts';

/**
 * The desktop console's main process: one hardened window, the embedded server in local mode, and
 * the token — which never leaves this process.
 */
const log = createLogger(process.env.TENANTPILOT_LOG_LEVEL || 'info').child({ component: 'console' });

// Tests and side-by-side installs can keep their state elsewhere.
if (process.env.TENANTPILOT_CONSOLE_USER_DATA) app.setPath('userData', process.env.TENANTPILOT_CONSOLE_USER_DATA);

/** `electron-vite dev` serves the renderer over http; built and packaged apps use app://console. */
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const appOrigin = devServerUrl ? new URL(devServerUrl).origin : APP_ORIGIN;
const rendererDir = fileURLToPath(new URL('../renderer', import.meta.url));
const preloadFile = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
app.enableSandbox();

const blocked = (what: string, url: string) => log.warn({ what, url }, 'blocked');
app.on('web-contents-created', (_event, contents) => guardWebContents(contents, appOrigin, blocked));

let manager: ConnectionManager | undefined;
let mainWindow: BrowserWindow | undefined;

// One console per user: the embedded database is a single-process store.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.whenReady().then(start, (err: unknown) => {
    log.fatal({ error: String(err) }, 'console failed to start');
    app.exit(1);
  });
}

async function start() {
  process.env.TENANTPILOT_MIGRATIONS_DIR ||= migrationsDir({ isPackaged: app.isPackaged, appPath: app.getAppPath(), resourcesPath: process.resourcesPath });
  const userDataDir = app.getPath('userData');
  manager = createConnectionManager({
    settings: createSettingsStore(join(userDataDir, 'settings.json'), log),
    tokens: createTokenStore({ file: join(userDataDir, 'session.bin'), safeStorage, log }),
    startLocal: () => startLocalServer({ userDataDir, log }),
    log,
  });
  hardenSession(session.defaultSession, appOrigin, blocked);
  protocol.handle(APP_SCHEME, async (request) => {
    const found = rendererFileFor(request.url, rendererDir);
    const body = found && (await readFile(found.file).catch(() => undefined));
    if (!found || !body) return new Response('Not found', { status: 404 });
    return new Response(body, { headers: { 'content-type': found.contentType, 'content-security-policy': CONTENT_SECURITY_POLICY } });
  });
  registerBridge(ipcMain, manager, { isTrustedFrame: (url) => isAppUrl(url, appOrigin), log });
  void manager.connection.get(); // start the local server while the window loads
  createWindow();
}

function createWindow() {
  mainWindow = new BrowserWindow({
    width: 1200,
    height: 820,
    minWidth: 640,
    minHeight: 480,
    title: 'TenantPilot Console',
    show: false,
    webPreferences: secureWebPreferences(preloadFile),
  });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => (mainWindow = undefined));
  void mainWindow.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
}

app.on('window-all-closed', () => app.quit());

// Close the embedded server (and its database) before the process goes.
let closed = false;
app.on('will-quit', (event) => {
  if (closed || !manager) return;
  event.preventDefault();
  void manager
    .close()
    .catch((err: unknown) => log.error({ error: String(err) }, 'local server did not close cleanly'))
    .finally(() => {
      closed = true;
      app.quit();
    });
});
