import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../server/trpc/router.ts';
import type { ApiError, ApiResult, ConsoleApi, SignedIn } from './contract.ts';
import { RedirectRefusedError, refuseRedirects } from './no-redirects.ts';

/** Keeps the bearer token: in memory (web), or encrypted on disk by Electron's main process. */
export interface TokenHolder {
  get(): string | undefined;
  set(token: string): void;
  clear(): void;
}

export function memoryTokenHolder(): TokenHolder {
  let token: string | undefined;
  return { get: () => token, set: (t) => void (token = t), clear: () => void (token = undefined) };
}

/**
 * The console's API client over HTTP. `baseUrl` is '' in the browser (same origin: the dev server
 * proxies /trpc) or the API origin in Electron's main process (whose `fetch` is Electron's
 * `net.fetch`). Login and bootstrap keep the token in `tokens` and hand back only who signed in.
 * No call follows a redirect.
 */
export function createSessionClient(opts: { baseUrl: string; tokens: TokenHolder; fetch?: typeof fetch }): ConsoleApi {
  const { tokens } = opts;
  // Called through a closure: a browser's fetch throws when called detached from `window`.
  const base: typeof fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${opts.baseUrl.replace(/\/$/, '')}/trpc`,
        fetch: refuseRedirects(base),
        headers: () => {
          const token = tokens.get();
          return token ? { authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });

  /** Runs a call; an UNAUTHORIZED answer to a session call means the token is dead, so forget it. */
  async function run<T>(call: () => Promise<T>, opts: { session?: boolean } = {}): Promise<ApiResult<T>> {
    try {
      return { ok: true, data: await call() };
    } catch (err) {
      const error = toApiError(err);
      if (opts.session && error.kind === 'unauthorized') tokens.clear();
      return { ok: false, error };
    }
  }

  const signIn = async (call: () => Promise<SignedIn & { token: string }>): Promise<ApiResult<SignedIn>> => {
    const result = await run(call);
    if (!result.ok) return result;
    tokens.set(result.data.token);
    return { ok: true, data: { operator: result.data.operator, expiresAt: result.data.expiresAt } };
  };

  return {
    authStatus: () => run(() => client.system.auth.status.query()),
    login: (input) => signIn(() => client.system.auth.login.mutate(input)),
    // Sent as given: without a code the server names the missing field (the desktop app's main process
    // adds its embedded server's code before it gets here; a remote server never sees that code).
    bootstrap: (input) => signIn(() => client.system.auth.bootstrap.mutate(input as typeof input & { setupCode: string })),
    me: () =>
      tokens.get()
        ? run(() => client.system.auth.me.query(), { session: true })
        : Promise.resolve({ ok: false, error: { kind: 'unauthorized', message: 'Not signed in' } }),
    async logout() {
      if (!tokens.get()) return { ok: true, data: { ok: true } };
      const result = await run(() => client.system.auth.logout.mutate({}), { session: true });
      tokens.clear();
      return result;
    },
    summary: (input) => run(() => client.system.telemetry.summary.query(input), { session: true }),
  };
}

const KIND_BY_CODE: Record<string, ApiError['kind']> = {
  UNAUTHORIZED: 'unauthorized',
  TOO_MANY_REQUESTS: 'throttled',
  FORBIDDEN: 'forbidden',
  BAD_REQUEST: 'invalid',
};

export const UNREACHABLE_MESSAGE = 'Cannot reach the TenantPilot API. Check that the server is running, then try again.';

/**
 * A server answer carries a tRPC error code and a message meant for people; a refused redirect says
 * so; anything else (refused connection, a proxy's bare 502, an HTML error page) means the API did
 * not answer.
 */
export function toApiError(err: unknown): ApiError {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof RedirectRefusedError) return { kind: 'unreachable', message: cause.message };
  const code = err instanceof TRPCClientError ? (err.data as { code?: unknown } | undefined)?.code : undefined;
  if (typeof code !== 'string') return { kind: 'unreachable', message: UNREACHABLE_MESSAGE };
  return { kind: KIND_BY_CODE[code] ?? 'server', message: (err as Error).message };
}
