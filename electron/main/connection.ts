import type { ApiResult, Connection, ConnectionControl, ConsoleApi } from '../../console/contract.ts';
import { createSessionClient } from '../../console/session-client.ts';
import type { Logger } from '../../server/observability.ts';
import { checkHealth as defaultCheckHealth, normalizeApiUrl } from './api-url.ts';
import type { LocalServer } from './local-server.ts';
import type { SettingsStore } from './settings-store.ts';
import type { TokenStore } from './token-store.ts';

const STARTING_MESSAGE = 'The local server is still starting. Try again in a moment.';

/** Answers every call while there is no server to ask (local server starting, failed or stopped). */
const offline = (message: string): ConsoleApi => {
  const down = async () => ({ ok: false as const, error: { kind: 'unreachable' as const, message } });
  return { authStatus: down, login: down, bootstrap: down, me: down, logout: down, summary: down };
};

/**
 * Which server the console talks to, and the API client for it. Local mode starts the embedded
 * server (in its own process) without making anyone wait: the connection is 'starting' until it
 * listens, then 'ready', or 'failed' with the reason — also when it stops later. Remote mode uses the
 * remembered address. Every change is announced to `onChange` listeners (the window). The
 * renderer's calls all come through `api`, which targets the current connection with that
 * connection's token; in local mode the main process adds the server's setup code to a first-run
 * bootstrap itself, so the renderer never sees it.
 */
export function createConnectionManager(deps: {
  settings: SettingsStore;
  tokens: TokenStore;
  startLocal: () => Promise<LocalServer>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  checkHealth?: typeof defaultCheckHealth;
  /** Electron's `net.fetch` (system proxy, OS trust store) in the app; any fetch in tests. */
  fetch?: typeof fetch;
}) {
  const checkHealth = deps.checkHealth ?? defaultCheckHealth;
  const listeners = new Set<(connection: Connection) => void>();
  let state: Connection | undefined;
  let api: ConsoleApi = offline(STARTING_MESSAGE);
  let local: LocalServer | undefined;
  let starting: Promise<LocalServer> | undefined;
  /** Bumped when the local server is stopped, so a start still in flight is not taken up. */
  let generation = 0;

  const client = (baseUrl: string, connection: string) => createSessionClient({ baseUrl, tokens: deps.tokens.holder(connection), fetch: deps.fetch });

  function set(next: Connection, nextApi: ConsoleApi) {
    state = next;
    api = nextApi;
    for (const listener of listeners) listener(next);
  }

  function localClient(server: LocalServer): ConsoleApi {
    const http = client(server.url, 'local');
    return { ...http, bootstrap: (input) => http.bootstrap({ ...input, ...(server.setupCode ? { setupCode: server.setupCode } : {}) }) };
  }

  function startLocal() {
    const gen = generation;
    set({ mode: 'local', status: 'starting' }, offline(STARTING_MESSAGE));
    const attempt = (starting = deps.startLocal());
    attempt.then(
      (server) => {
        if (gen !== generation) return; // stopped meanwhile: stopLocal closes it
        starting = undefined;
        local = server;
        server.onExit((reason) => {
          if (local !== server) return;
          local = undefined;
          set({ mode: 'local', status: 'failed', detail: reason }, offline(reason));
        });
        set({ mode: 'local', status: 'ready' }, localClient(server));
      },
      (err: unknown) => {
        if (gen !== generation) return;
        starting = undefined;
        const detail = err instanceof Error ? err.message : String(err);
        deps.log.error({ error: detail }, 'local server failed to start');
        set({ mode: 'local', status: 'failed', detail }, offline(detail));
      },
    );
  }

  async function stopLocal() {
    generation += 1;
    const running = local;
    const inFlight = starting;
    local = undefined;
    starting = undefined;
    await running?.close();
    await inFlight?.then(
      (server) => server.close(),
      () => undefined,
    );
  }

  /** Applies the remembered settings: a remote API at once; the local server started unless it runs. */
  async function activate() {
    const settings = deps.settings.read();
    if (settings.mode === 'remote') {
      await stopLocal();
      return set({ mode: 'remote', apiUrl: settings.apiUrl, status: 'ready' }, client(settings.apiUrl, `remote:${settings.apiUrl}`));
    }
    if (local) return set({ mode: 'local', status: 'ready' }, localClient(local));
    if (!starting) startLocal();
  }

  /** Signs out of the current server (best effort), then switches. */
  async function switchTo(settings: Parameters<SettingsStore['write']>[0]): Promise<ApiResult<Connection>> {
    await api.logout();
    deps.settings.write(settings);
    await activate();
    deps.log.info({ mode: settings.mode }, 'connection changed');
    return { ok: true, data: state! };
  }

  const current = async () => {
    if (!state) await activate();
    return state!;
  };

  /** The current connection's client (activating the remembered settings on first use). */
  const target = async () => {
    await current();
    return api;
  };
  const consoleApi: ConsoleApi = {
    authStatus: async () => (await target()).authStatus(),
    login: async (input) => (await target()).login(input),
    bootstrap: async (input) => (await target()).bootstrap(input),
    me: async () => (await target()).me(),
    logout: async () => (await target()).logout(),
    summary: async (input) => (await target()).summary(input),
  };

  const connection: ConnectionControl = {
    get: current,
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async useRemote(apiUrl) {
      const origin = normalizeApiUrl(apiUrl);
      if (!origin.ok) return origin;
      const health = await checkHealth(origin.data, { fetch: deps.fetch });
      if (!health.ok) return health;
      return switchTo({ mode: 'remote', apiUrl: origin.data });
    },
    useLocal: () => switchTo({ mode: 'local' }),
    async retry() {
      const now = await current();
      if (now.mode === 'local' && now.status === 'failed') startLocal();
      return state!;
    },
  };

  return {
    api: consoleApi,
    connection,
    /** Stops the embedded server, waiting for it to close its database (on quit). */
    close: stopLocal,
  };
}
export type ConnectionManager = ReturnType<typeof createConnectionManager>;
