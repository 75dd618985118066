import { describe, expect, it, vi } from 'vitest';
import { createSessionClient, memoryTokenHolder, UNREACHABLE_MESSAGE } from '../../../console/session-client.ts';

const OPERATOR = { id: 'op-1', email: 'operator@tenantpilot.test', displayName: 'Platform Operator' };

type Route = (req: { path: string; method: string; authorization: string | null; body: unknown }) => Response;

/** A fetch that answers like the tRPC HTTP endpoint (non-batched), per procedure path. */
function fakeServer(routes: Record<string, Route>) {
  const calls: { path: string; authorization: string | null }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const path = url.pathname.replace(/^\/trpc\//, '');
    const headers = new Headers(init?.headers);
    const req = { path, method: init?.method ?? 'GET', authorization: headers.get('authorization'), body: init?.body ? JSON.parse(String(init.body)) : undefined };
    calls.push({ path, authorization: req.authorization });
    const route = routes[path];
    if (!route) throw new TypeError('fetch failed');
    return route(req);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

const data = (value: unknown) => Response.json({ result: { data: value } });
const trpcError = (code: string, httpStatus: number, message: string) =>
  Response.json({ error: { message, code: -32000, data: { code, httpStatus } } }, { status: httpStatus });

describe('session client', () => {
  it('keeps the token from login to itself and attaches it to later calls', async () => {
    const server = fakeServer({
      'system.auth.login': () => data({ token: 'sys_secret', expiresAt: '2030-01-01T00:00:00.000Z', operator: OPERATOR }),
      'system.telemetry.summary': () => data({ window: '7d' }),
    });
    const tokens = memoryTokenHolder();
    const api = createSessionClient({ baseUrl: 'http://api.test', tokens, fetch: server.fetch });

    const login = await api.login({ email: 'operator@tenantpilot.test', password: 'pw' });
    expect(login).toEqual({ ok: true, data: { operator: OPERATOR, expiresAt: '2030-01-01T00:00:00.000Z' } });
    expect(JSON.stringify(login)).not.toContain('sys_secret');
    expect(tokens.get()).toBe('sys_secret');

    await api.summary({ window: '7d' });
    expect(server.calls.at(-1)).toEqual({ path: 'system.telemetry.summary', authorization: 'Bearer sys_secret' });
  });

  it('does not ask the server who is signed in when it holds no token', async () => {
    const server = fakeServer({});
    const api = createSessionClient({ baseUrl: 'http://api.test', tokens: memoryTokenHolder(), fetch: server.fetch });
    expect(await api.me()).toEqual({ ok: false, error: { kind: 'unauthorized', message: 'Not signed in' } });
    expect(server.calls).toHaveLength(0);
  });

  it('forgets a token the server no longer accepts', async () => {
    const server = fakeServer({ 'system.telemetry.summary': () => trpcError('UNAUTHORIZED', 401, 'Session expired or revoked: sign in again') });
    const tokens = memoryTokenHolder();
    tokens.set('sys_old');
    const api = createSessionClient({ baseUrl: 'http://api.test', tokens, fetch: server.fetch });
    expect(await api.summary({ window: '24h' })).toEqual({
      ok: false,
      error: { kind: 'unauthorized', message: 'Session expired or revoked: sign in again' },
    });
    expect(tokens.get()).toBeUndefined();
  });

  it('revokes on sign-out and forgets the token even when the server cannot be reached', async () => {
    const server = fakeServer({ 'system.auth.logout': () => data({ ok: true }) });
    const tokens = memoryTokenHolder();
    tokens.set('sys_live');
    const api = createSessionClient({ baseUrl: 'http://api.test', tokens, fetch: server.fetch });
    expect(await api.logout()).toEqual({ ok: true, data: { ok: true } });
    expect(server.calls).toEqual([{ path: 'system.auth.logout', authorization: 'Bearer sys_live' }]);
    expect(tokens.get()).toBeUndefined();

    tokens.set('sys_other');
    const offline = createSessionClient({ baseUrl: 'http://api.test', tokens, fetch: fakeServer({}).fetch });
    expect(await offline.logout()).toEqual({ ok: false, error: { kind: 'unreachable', message: UNREACHABLE_MESSAGE } });
    expect(tokens.get()).toBeUndefined();
  });

  it.each([
    ['wrong credentials', trpcError('UNAUTHORIZED', 401, 'Invalid e-mail or password'), { kind: 'unauthorized', message: 'Invalid e-mail or password' }],
    ['throttling', trpcError('TOO_MANY_REQUESTS', 429, 'Too many failed sign-ins: try again in 15 min'), { kind: 'throttled', message: 'Too many failed sign-ins: try again in 15 min' }],
    ['bad input', trpcError('BAD_REQUEST', 400, 'Invalid input — email: must be an e-mail address'), { kind: 'invalid', message: 'Invalid input — email: must be an e-mail address' }],
    ['a server fault', trpcError('INTERNAL_SERVER_ERROR', 500, 'Internal server error'), { kind: 'server', message: 'Internal server error' }],
    ["a proxy's bare 502", new Response('', { status: 502, headers: { 'content-type': 'text/plain' } }), { kind: 'unreachable', message: UNREACHABLE_MESSAGE }],
  ])('classifies %s for the sign-in form', async (_name, response, error) => {
    const server = fakeServer({ 'system.auth.login': () => response });
    const api = createSessionClient({ baseUrl: 'http://api.test', tokens: memoryTokenHolder(), fetch: server.fetch });
    expect(await api.login({ email: 'operator@tenantpilot.test', password: 'pw' })).toEqual({ ok: false, error });
  });

  it('treats a refused connection as unreachable', async () => {
    const api = createSessionClient({ baseUrl: 'http://127.0.0.1:1', tokens: memoryTokenHolder(), fetch: fakeServer({}).fetch });
    expect(await api.authStatus()).toEqual({ ok: false, error: { kind: 'unreachable', message: UNREACHABLE_MESSAGE } });
  });
});
