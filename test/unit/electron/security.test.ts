import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { forwardConnectionChanges, registerBridge } from '../../../electron/main/ipc.ts';
import { dbTemplateDir, migrationsDir } from '../../../electron/main/paths.ts';
import { rendererFileFor } from '../../../electron/main/renderer-files.ts';
import {
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  contentSecurityPolicyFor,
  guardWebContents,
  hardenSession,
  isAllowedRequest,
  secureWebPreferences,
  type SessionLike,
  type WebContentsLike,
} from '../../../electron/main/security.ts';
import { CHANNELS } from '../../../console/contract.ts';

/** Records the listeners guardWebContents registers, so a test can fire them. */
function fakeWebContents() {
  const listeners = new Map<string, (event: { url: string; preventDefault(): void }) => void>();
  let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  const contents: WebContentsLike = {
    on: (event: string, listener: (e: { url: string; preventDefault(): void }) => void) => listeners.set(event, listener),
    setWindowOpenHandler: (handler) => void (openHandler = handler),
  } as WebContentsLike;
  const fire = (event: string, url = '') => {
    const preventDefault = vi.fn();
    listeners.get(event)!({ url, preventDefault });
    return preventDefault.mock.calls.length > 0;
  };
  return { contents, fire, open: (url: string) => openHandler!({ url }) };
}

describe('navigation guards', () => {
  it('keeps navigation inside the app and blocks everything else', () => {
    const { contents, fire } = fakeWebContents();
    const blocked = vi.fn();
    guardWebContents(contents, APP_ORIGIN, blocked);
    expect(fire('will-navigate', `${APP_ORIGIN}/index.html`)).toBe(false);
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fire('will-frame-navigate', 'https://evil.example/frame')).toBe(true);
    expect(fire('will-redirect', 'http://127.0.0.1:4310/')).toBe(true);
    expect(blocked).toHaveBeenCalledWith('navigation', 'https://evil.example/');
  });

  it('denies new windows and <webview>', () => {
    const { contents, fire, open } = fakeWebContents();
    guardWebContents(contents, APP_ORIGIN);
    expect(open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(open(`${APP_ORIGIN}/index.html`)).toEqual({ action: 'deny' });
    expect(fire('will-attach-webview')).toBe(true);
  });
});

describe('session hardening', () => {
  function fakeSession() {
    const s = {
      permissionRequest: undefined as undefined | Parameters<SessionLike['setPermissionRequestHandler']>[0],
      permissionCheck: undefined as undefined | ((...args: unknown[]) => boolean),
      beforeRequest: undefined as undefined | Parameters<SessionLike['webRequest']['onBeforeRequest']>[0],
      headers: undefined as undefined | Parameters<SessionLike['webRequest']['onHeadersReceived']>[0],
    };
    const session: SessionLike = {
      setPermissionRequestHandler: (h) => void (s.permissionRequest = h),
      setPermissionCheckHandler: (h) => void (s.permissionCheck = h),
      webRequest: { onBeforeRequest: (l) => void (s.beforeRequest = l), onHeadersReceived: (l) => void (s.headers = l) },
    };
    return { session, s };
  }

  it('denies every permission request and check', () => {
    const { session, s } = fakeSession();
    hardenSession(session, APP_ORIGIN);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      const callback = vi.fn();
      s.permissionRequest!({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
    }
    expect(s.permissionCheck!()).toBe(false);
  });

  it('lets the renderer reach only its own origin', () => {
    const { session, s } = fakeSession();
    hardenSession(session, APP_ORIGIN);
    const cancelled = (url: string) => {
      const callback = vi.fn();
      s.beforeRequest!({ url }, callback);
      return callback.mock.calls[0]![0].cancel;
    };
    expect(cancelled(`${APP_ORIGIN}/assets/index.js`)).toBe(false);
    expect(cancelled('http://127.0.0.1:4310/trpc/system.telemetry.summary')).toBe(true);
    expect(cancelled('https://cdn.example/lib.js')).toBe(true);
    expect(cancelled('ws://127.0.0.1:5173/')).toBe(true);
  });

  it('in development allows the dev server and its HMR socket, nothing else', () => {
    expect(isAllowedRequest('http://localhost:5173/src/main.tsx', 'http://localhost:5173')).toBe(true);
    expect(isAllowedRequest('ws://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAllowedRequest('http://localhost:4310/trpc', 'http://localhost:5173')).toBe(false);
  });

  it('adds the strict Content-Security-Policy to responses', () => {
    const { session, s } = fakeSession();
    hardenSession(session, APP_ORIGIN);
    const callback = vi.fn();
    s.headers!({ url: `${APP_ORIGIN}/index.html`, responseHeaders: { 'content-type': ['text/html'] } }, callback);
    expect(callback.mock.calls[0]![0].responseHeaders).toEqual({ 'content-type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/connect-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/frame-ancestors 'none'/);
  });

  it("adds no policy header to electron-vite dev's pages (their inline React preamble must run)", () => {
    const { session, s } = fakeSession();
    hardenSession(session, 'http://localhost:5173');
    expect(s.headers).toBeUndefined();
    expect(contentSecurityPolicyFor('http://localhost:5173')).toBeUndefined();
    expect(contentSecurityPolicyFor(APP_ORIGIN)).toBe(CONTENT_SECURITY_POLICY);
  });

  it('opens the window isolated and sandboxed, without Node', () => {
    expect(secureWebPreferences('/app/out/preload/index.cjs')).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      webSecurity: true,
    });
  });
});

describe('renderer files (app:// protocol)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-renderer-'));

  it('serves files under the renderer folder with their content type', () => {
    expect(rendererFileFor(`${APP_ORIGIN}/`, dir)).toEqual({ file: join(dir, 'index.html'), contentType: 'text/html; charset=utf-8' });
    expect(rendererFileFor(`${APP_ORIGIN}/assets/index-abc.js`, dir)).toEqual({ file: join(dir, 'assets', 'index-abc.js'), contentType: 'text/javascript; charset=utf-8' });
  });

  it('refuses escapes and other origins', () => {
    // The URL parser folds plain `..` segments away: they stay inside the folder.
    expect(rendererFileFor(`${APP_ORIGIN}/../../etc/passwd`, dir)?.file).toBe(join(dir, 'etc', 'passwd'));
    // Encoded slashes survive parsing, and decoding them must not lead outside.
    expect(rendererFileFor(`${APP_ORIGIN}/%2F..%2F..%2Fetc/passwd`, dir)).toBeUndefined();
    expect(rendererFileFor(`${APP_ORIGIN}/..%2F..%2Fetc/passwd`, dir)).toBeUndefined();
    expect(rendererFileFor('app://other/index.html', dir)).toBeUndefined();
    expect(rendererFileFor('file:///etc/passwd', dir)).toBeUndefined();
  });
});

describe('IPC bridge', () => {
  it('answers the app and refuses any other frame', async () => {
    const handlers = new Map<string, (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => Promise<unknown>>();
    const api = { summary: vi.fn(async () => ({ ok: true, data: 'summary' })) };
    const warn = vi.fn();
    registerBridge(
      { handle: (channel, listener) => void handlers.set(channel, listener) },
      { api: api as never, connection: {} as never },
      { isTrustedFrame: (url) => url.startsWith(`${APP_ORIGIN}/`), log: { warn } },
    );
    expect([...handlers.keys()].sort()).toEqual([...Object.values(CHANNELS.api), ...Object.values(CHANNELS.connection)].sort());

    const summary = handlers.get(CHANNELS.api.summary)!;
    await expect(summary({ senderFrame: { url: `${APP_ORIGIN}/index.html` } }, { window: '7d' })).resolves.toEqual({ ok: true, data: 'summary' });
    expect(api.summary).toHaveBeenCalledWith({ window: '7d' });
    await expect(summary({ senderFrame: { url: 'https://evil.example/' } }, { window: '7d' })).rejects.toThrow('Refused');
    await expect(summary({ senderFrame: null }, { window: '7d' })).rejects.toThrow('Refused');
    expect(api.summary).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

describe('connection changes', () => {
  it('are sent to the window on their own channel', () => {
    let listener: ((c: { mode: 'local'; status: 'ready' }) => void) | undefined;
    const send = vi.fn();
    forwardConnectionChanges({ onChange: (l: typeof listener) => ((listener = l), () => {}) } as never, send);
    listener!({ mode: 'local', status: 'ready' });
    expect(send).toHaveBeenCalledWith(CHANNELS.events.connectionChanged, { mode: 'local', status: 'ready' });
  });
});

describe('migrations and database template folders', () => {
  it('are the project folders in development and the shipped resources when packaged', () => {
    expect(dbTemplateDir({ isPackaged: false, appPath: '/src/tenantpilot', resourcesPath: '/x' })).toBe(join('/src/tenantpilot', 'dist', 'db-template'));
    expect(dbTemplateDir({ isPackaged: true, appPath: '/x/app.asar', resourcesPath: '/opt/tp/resources' })).toBe(join('/opt/tp/resources', 'db-template'));
    expect(migrationsDir({ isPackaged: false, appPath: '/src/tenantpilot', resourcesPath: '/x' })).toBe(join('/src/tenantpilot', 'prisma', 'migrations'));
    expect(migrationsDir({ isPackaged: true, appPath: '/x/app.asar', resourcesPath: '/opt/TenantPilot Console/resources' })).toBe(
      join('/opt/TenantPilot Console/resources', 'migrations'),
    );
  });
});
