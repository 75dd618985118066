import type { Logger } from 'pino';
import type { ApiResult, Connection, ConnectionControl, ConsoleApi } from '../../renderer/src/api/contract.ts';
import { createSessionClient, UNREACHABLE_MESSAGE } from '../../renderer/src/api/session-client.ts';
import { checkHealth as defaultCheckHealth, normalizeApiUrl } from './api-url.ts';
import type { SettingsStore } from './settings-store.ts';
import type { TokenStore } from './token-store.ts';

export type LocalServer = { url: string; close(): Promise<void> };

type Active = { connection: Connection; api?: ConsoleApi };

const down = async () => ({ ok: false as const, error: { kind: 'unreachable' as const, message: UNREACHABLE_MESSAGE } });
const OFFLINE: ConsoleApi = { authStatus: down, login: down, bootstrap: down, me: down, logout: down, summary: down };

/**
 * Which server the console talks to, and the API client for it. Local mode starts the embedded
 * server once, on demand; remote mode uses the remembered address. The renderer's calls all come
 * through `api`, which always targets the current connection with that connection's token.
 */
export function createConnectionManager(deps: {
  settings: SettingsStore;
  tokens: TokenStore;
  startLocal: () => Promise<LocalServer>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  checkHealth?: typeof defaultCheckHealth;
  fetch?: typeof fetch;
}) {
  const checkHealth = deps.checkHealth ?? defaultCheckHealth;
  let local: Promise<LocalServer> | undefined;
  let active: Promise<Active> | undefined;

  const client = (baseUrl: string, connection: string) =>
    createSessionClient({ baseUrl, tokens: deps.tokens.holder(connection), fetch: deps.fetch });

  async function activate(): Promise<Active> {
    const settings = deps.settings.read();
    if (settings.mode === 'remote') {
      await stopLocal();
      return { connection: { mode: 'remote', apiUrl: settings.apiUrl, status: 'ready' }, api: client(settings.apiUrl, `remote:${settings.apiUrl}`) };
    }
    local ??= deps.startLocal();
    try {
      const server = await local;
      return { connection: { mode: 'local', status: 'ready' }, api: client(server.url, 'local') };
    } catch (err) {
      local = undefined; // a later attempt (e.g. after "Connection settings") starts afresh
      const detail = err instanceof Error ? err.message : String(err);
      deps.log.error({ error: detail }, 'local server failed to start');
      return { connection: { mode: 'local', status: 'failed', detail } };
    }
  }

  async function stopLocal() {
    const running = local;
    local = undefined;
    if (running) await running.then((s) => s.close(), () => undefined);
  }

  const current = () => (active ??= activate());

  /** Signs out of the current server (best effort), then switches. */
  async function switchTo(settings: Parameters<SettingsStore['write']>[0]): Promise<ApiResult<Connection>> {
    const before = await current();
    await before.api?.logout();
    deps.settings.write(settings);
    active = activate();
    const after = await active;
    deps.log.info({ mode: after.connection.mode }, 'connection changed');
    return { ok: true, data: after.connection };
  }

  /** The current connection's client; with no running server there is nobody to ask. */
  const target = async (): Promise<ConsoleApi> => (await current()).api ?? OFFLINE;
  const api: ConsoleApi = {
    authStatus: async () => (await target()).authStatus(),
    login: async (input) => (await target()).login(input),
    bootstrap: async (input) => (await target()).bootstrap(input),
    me: async () => (await target()).me(),
    logout: async () => (await target()).logout(),
    summary: async (input) => (await target()).summary(input),
  };

  const connection: ConnectionControl = {
    get: async () => (await current()).connection,
    async useRemote(apiUrl) {
      const origin = normalizeApiUrl(apiUrl);
      if (!origin.ok) return origin;
      const health = await checkHealth(origin.data, { fetch: deps.fetch });
      if (!health.ok) return health;
      return switchTo({ mode: 'remote', apiUrl: origin.data });
    },
    useLocal: () => switchTo({ mode: 'local' }),
  };

  return {
    api,
    connection,
    /** Stops the embedded server (on quit). */
    close: stopLocal,
  };
}
export type ConnectionManager = ReturnType<typeof createConnectionManager>;
