import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../../server/trpc/router.ts';
import type { ApiError, ApiResult, ConsoleApi, SignedIn } from './contract.ts';

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
 * proxies /trpc) or the API origin in Electron's main process. Login and bootstrap keep the token
 * in `tokens` and hand back only who signed in.
 */
export function createSessionClient(opts: { baseUrl: string; tokens: TokenHolder; fetch?: typeof fetch }): ConsoleApi {
  const { tokens } = opts;
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${opts.baseUrl.replace(/\/$/, '')}/trpc`,
        fetch: opts.fetch,
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
    // Without a code the server names the missing field (a client with its own code adds it first).
    bootstrap: (input) => signIn(() => client.system.auth.bootstrap.mutate({ ...input, setupCode: input.setupCode ?? '' })),
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
 * A server answer carries a tRPC error code and a message meant for people; anything else (refused
 * connection, a proxy's bare 502, an HTML error page) means the API did not answer.
 */
export function toApiError(err: unknown): ApiError {
  const code = err instanceof TRPCClientError ? (err.data as { code?: unknown } | undefined)?.code : undefined;
  if (typeof code !== 'string') return { kind: 'unreachable', message: UNREACHABLE_MESSAGE };
  return { kind: KIND_BY_CODE[code] ?? 'server', message: (err as Error).message };
}
