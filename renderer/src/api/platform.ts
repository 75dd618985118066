import type { ConsoleApi, ConsoleBridge, ConnectionControl } from '../../../console/contract.ts';
import { createSessionClient, memoryTokenHolder } from '../../../console/session-client.ts';

declare global {
  interface Window {
    /** Present only inside the desktop console (exposed by electron/preload). */
    tenantpilot?: ConsoleBridge;
  }
}

export type Platform = { kind: 'desktop' | 'web'; api: ConsoleApi; connection?: ConnectionControl };

/**
 * Desktop: every call goes through the preload bridge to the main process, which holds the token.
 * Web (`npm run console:web`): the page calls the same-origin /trpc that the dev server proxies to
 * the API, and keeps the token in memory only — a reload means signing in again, by design, so the
 * token never lands in the browser's storage.
 */
export function resolvePlatform(w: Window = window): Platform {
  const bridge = w.tenantpilot;
  if (bridge) return { kind: 'desktop', api: bridge.api, connection: bridge.connection };
  return { kind: 'web', api: createSessionClient({ baseUrl: '', tokens: memoryTokenHolder() }) };
}
