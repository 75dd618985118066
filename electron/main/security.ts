/**
 * The console's Electron hardening, as plain functions over the objects Electron passes in (so they
 * are unit-tested without Electron): only the app's own pages load, nothing navigates away or opens
 * windows, no <webview>, no permissions, and the renderer reaches no network — main makes every API
 * call.
 */

/** Where the packaged renderer is served from (a privileged custom scheme, not file://). */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://console`;

/** The header twin of index.html's meta policy (headers can also forbid framing). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** scheme://host[:port] of a URL; WHATWG gives custom schemes an opaque "null" origin, so build it. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return undefined;
  }
}

export function isAppUrl(url: string, appOrigin: string): boolean {
  return originOf(url) === appOrigin;
}

/** Requests the renderer may make: its own origin (in dev, the dev server incl. its HMR socket), devtools, data: images. */
export function isAllowedRequest(url: string, appOrigin: string): boolean {
  if (url.startsWith('devtools:') || url.startsWith('data:')) return true;
  const origin = originOf(url);
  if (!origin) return false;
  if (origin === appOrigin) return true;
  const app = new URL(appOrigin);
  // the Vite dev server's HMR websocket (development only: appOrigin is then http://localhost:…)
  return (app.protocol === 'http:' && origin === `ws://${app.host}`);
}

type NavigationEvent = { url: string; preventDefault(): void };

/** The parts of WebContents that `guardWebContents` touches. */
export type WebContentsLike = {
  on(event: 'will-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
};

export function guardWebContents(contents: WebContentsLike, appOrigin: string, onBlocked: (what: string, url: string) => void = () => {}) {
  const stayInApp = (what: string) => (event: NavigationEvent) => {
    if (isAppUrl(event.url, appOrigin)) return;
    event.preventDefault();
    onBlocked(what, event.url);
  };
  contents.on('will-navigate', stayInApp('navigation'));
  contents.on('will-frame-navigate', stayInApp('frame navigation'));
  contents.on('will-redirect', stayInApp('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    onBlocked('webview', '');
  });
  contents.setWindowOpenHandler(({ url }) => {
    onBlocked('new window', url);
    return { action: 'deny' };
  });
}

/** The parts of Session that `hardenSession` touches. */
export type SessionLike = {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (...args: unknown[]) => boolean): void;
  webRequest: {
    onBeforeRequest(listener: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void): void;
    onHeadersReceived(
      listener: (
        details: { url: string; responseHeaders?: Record<string, string[]> },
        callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
      ) => void,
    ): void;
  };
};

/**
 * The policy to add to every response: the strict one for the built console (app://). None for
 * `electron-vite dev`'s pages: Vite serves them with React's inline refresh preamble, which
 * `script-src 'self'` would block (a blank window); index.html's own meta policy still applies there.
 */
export function contentSecurityPolicyFor(appOrigin: string): string | undefined {
  return appOrigin === APP_ORIGIN ? CONTENT_SECURITY_POLICY : undefined;
}

export function hardenSession(session: SessionLike, appOrigin: string, onBlocked: (what: string, url: string) => void = () => {}) {
  session.setPermissionRequestHandler((_webContents, permission, callback) => {
    onBlocked(`permission ${permission}`, '');
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => {
    const cancel = !isAllowedRequest(details.url, appOrigin);
    if (cancel) onBlocked('request', details.url);
    callback({ cancel });
  });
  const policy = contentSecurityPolicyFor(appOrigin);
  if (!policy) return;
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
}

/** The window's webPreferences: isolated, sandboxed, no Node in the page. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    spellcheck: false,
  } as const;
}
