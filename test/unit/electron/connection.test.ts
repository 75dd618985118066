import { describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../../console/contract.ts';
import { checkHealth, isLoopbackHost, normalizeApiUrl } from '../../../electron/main/api-url.ts';
import { createConnectionManager } from '../../../electron/main/connection.ts';
import type { LocalServer } from '../../../electron/main/local-server.ts';
import type { ConsoleSettings, SettingsStore } from '../../../electron/main/settings-store.ts';
import { createTokenStore } from '../../../electron/main/token-store.ts';

function memorySettings(initial: ConsoleSettings = { mode: 'local' }): SettingsStore & { value: ConsoleSettings } {
  const store = { value: initial, read: () => store.value, write: (s: ConsoleSettings) => void (store.value = s) };
  return store;
}

const noEncryption = { isEncryptionAvailable: () => false, encryptString: () => Buffer.alloc(0), decryptString: () => '' };
const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };

/** A fetch that records requests and answers /healthz and tRPC calls by host. */
function fakeNetwork(healthy: Set<string>) {
  const requests: { url: string; authorization: string | null; body?: unknown }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    requests.push({ url: url.href, authorization: new Headers(init?.headers).get('authorization'), body: init?.body ? JSON.parse(String(init.body)) : undefined });
    if (!healthy.has(url.origin)) throw new TypeError('fetch failed');
    if (url.pathname === '/healthz') return Response.json({ status: 'ok' });
    if (url.pathname === '/trpc/system.auth.status') return Response.json({ result: { data: { bootstrapAvailable: false } } });
    if (url.pathname === '/trpc/system.auth.logout') return Response.json({ result: { data: { ok: true } } });
    if (url.pathname === '/trpc/system.auth.bootstrap') {
      return Response.json({ result: { data: { token: 'sys_first', expiresAt: '2030-01-01T00:00:00.000Z', operator: { id: 'o', email: 'a@b.c', displayName: 'A' } } } });
    }
    return Response.json({ error: { message: 'Not found', code: -32004, data: { code: 'NOT_FOUND' } } }, { status: 404 });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests };
}

/** A local server the test controls: resolve or reject its start, and make it exit. */
function controllableServer(url = 'http://127.0.0.1:40001', setupCode: string | null = null) {
  let exit: ((reason: string) => void) | undefined;
  const server: LocalServer = { url, setupCode, close: vi.fn(async () => {}), onExit: (listener) => void (exit = listener) };
  return { server, crash: (reason: string) => exit?.(reason) };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function setup(opts: { settings?: ConsoleSettings; healthy?: string[]; startLocal?: () => Promise<LocalServer> } = {}) {
  const settings = memorySettings(opts.settings);
  const tokens = createTokenStore({ file: '/nonexistent/session.bin', safeStorage: noEncryption, log });
  const network = fakeNetwork(new Set(opts.healthy ?? ['http://127.0.0.1:40001']));
  const local = controllableServer();
  const startLocal = vi.fn(opts.startLocal ?? (async () => local.server));
  const manager = createConnectionManager({ settings, tokens, startLocal, log, fetch: network.fetch });
  const changes: Connection[] = [];
  manager.connection.onChange((c) => changes.push(c));
  return { manager, settings, tokens, network, startLocal, local, changes };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('connection manager: local server', () => {
  it('answers at once with "starting", announces "ready" when the server listens, and sends calls to it', async () => {
    const start = deferred<LocalServer>();
    const { manager, startLocal, network, local, changes } = setup({ startLocal: () => start.promise });
    expect(startLocal).not.toHaveBeenCalled();
    expect(await manager.connection.get()).toEqual({ mode: 'local', status: 'starting' });
    expect(await manager.api.authStatus()).toMatchObject({ ok: false, error: { kind: 'unreachable', message: expect.stringContaining('still starting') } });

    start.resolve(local.server);
    await settle();
    expect(changes.at(-1)).toEqual({ mode: 'local', status: 'ready' });
    expect(await manager.connection.get()).toEqual({ mode: 'local', status: 'ready' });
    expect(await manager.api.authStatus()).toEqual({ ok: true, data: { bootstrapAvailable: false } });
    expect(startLocal).toHaveBeenCalledTimes(1);
    expect(network.requests.at(-1)!.url).toBe('http://127.0.0.1:40001/trpc/system.auth.status');
  });

  it('reports a server that failed to start with its one-line reason, and answers calls with it', async () => {
    const reason = 'The embedded database folder /data is in use by process 4242: stop it first.';
    const { manager, changes } = setup({ startLocal: async () => Promise.reject(new Error(reason)) });
    await manager.connection.get();
    await settle();
    expect(changes.at(-1)).toEqual({ mode: 'local', status: 'failed', detail: reason });
    expect(await manager.api.authStatus()).toEqual({ ok: false, error: { kind: 'unreachable', message: reason } });
  });

  it('turns a server that stops while in use into a failed connection, and starts it again on retry keeping the session', async () => {
    const first = controllableServer();
    const second = controllableServer('http://127.0.0.1:40002');
    const servers = [first.server, second.server];
    const { manager, tokens, changes, network } = setup({ startLocal: async () => servers.shift()!, healthy: ['http://127.0.0.1:40002'] });
    await manager.connection.get();
    await settle();
    tokens.holder('local').set('sys_kept');

    first.crash('The local server stopped unexpectedly (exit code 9).');
    expect(changes.at(-1)).toEqual({ mode: 'local', status: 'failed', detail: 'The local server stopped unexpectedly (exit code 9).' });

    expect(await manager.connection.retry()).toEqual({ mode: 'local', status: 'starting' });
    await settle();
    expect(changes.at(-1)).toEqual({ mode: 'local', status: 'ready' });
    await manager.api.authStatus();
    expect(network.requests.at(-1)).toMatchObject({ url: 'http://127.0.0.1:40002/trpc/system.auth.status', authorization: 'Bearer sys_kept' });
  });

  it('adds the setup code to a first-run bootstrap on the local server; the renderer never sends it', async () => {
    const local = controllableServer('http://127.0.0.1:40001', 'setup-code-123');
    const { manager, network } = setup({ startLocal: async () => local.server });
    await manager.connection.get();
    await settle();
    const result = await manager.api.bootstrap({ email: 'a@b.c', displayName: 'A', password: 'a long enough password' });
    expect(result.ok).toBe(true);
    expect(network.requests.at(-1)).toMatchObject({ url: 'http://127.0.0.1:40001/trpc/system.auth.bootstrap', body: expect.objectContaining({ setupCode: 'setup-code-123' }) });
    expect(JSON.stringify(result)).not.toContain('setup-code-123');
  });

  it('stops the server on quit, also one still starting', async () => {
    const start = deferred<LocalServer>();
    const { manager, local } = setup({ startLocal: () => start.promise });
    await manager.connection.get();
    const closing = manager.close();
    start.resolve(local.server);
    await closing;
    expect(local.server.close).toHaveBeenCalledTimes(1);
  });
});

describe('connection manager: remote API', () => {
  it('switches to a remote API only after its /healthz answers, signing out of the local server first', async () => {
    const { manager, settings, tokens, network, local } = setup({ healthy: ['http://127.0.0.1:40001', 'https://tp.example.com'] });
    await manager.connection.get();
    await settle();
    tokens.holder('local').set('sys_local');

    const bad = await manager.connection.useRemote('ftp://tp.example.com');
    expect(bad.ok).toBe(false);
    const down = await manager.connection.useRemote('https://down.example.com');
    expect(down).toMatchObject({ ok: false, error: { kind: 'unreachable' } });
    expect(settings.value).toEqual({ mode: 'local' });

    const switched = await manager.connection.useRemote('https://tp.example.com/');
    expect(switched).toEqual({ ok: true, data: { mode: 'remote', apiUrl: 'https://tp.example.com', status: 'ready' } });
    expect(settings.value).toEqual({ mode: 'remote', apiUrl: 'https://tp.example.com' });
    expect(network.requests).toContainEqual(expect.objectContaining({ url: 'http://127.0.0.1:40001/trpc/system.auth.logout', authorization: 'Bearer sys_local' }));
    expect(tokens.holder('local').get()).toBeUndefined();
    expect(local.server.close).toHaveBeenCalledTimes(1);

    await manager.api.authStatus();
    expect(network.requests.at(-1)!.url).toBe('https://tp.example.com/trpc/system.auth.status');
  });

  it('refuses plain http to another machine before asking it anything', async () => {
    const { manager, network } = setup({ healthy: ['http://127.0.0.1:40001', 'http://tp.example.com'] });
    const result = await manager.connection.useRemote('http://tp.example.com');
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid', message: expect.stringContaining('must use https://') } });
    expect(network.requests.filter((r) => r.url.startsWith('http://tp.example.com'))).toEqual([]);
  });

  it('uses the remembered remote API without starting the embedded server, and never sends it a setup code', async () => {
    const { manager, startLocal, network } = setup({ settings: { mode: 'remote', apiUrl: 'https://tp.example.com' }, healthy: ['https://tp.example.com'] });
    expect(await manager.connection.get()).toEqual({ mode: 'remote', apiUrl: 'https://tp.example.com', status: 'ready' });
    await manager.api.bootstrap({ email: 'a@b.c', displayName: 'A', password: 'a long enough password' });
    expect(network.requests.at(-1)!.body).not.toHaveProperty('setupCode');
    expect(startLocal).not.toHaveBeenCalled();
  });

  it('goes back to the embedded server on request', async () => {
    const start = deferred<LocalServer>();
    const { manager, startLocal, settings, local } = setup({
      settings: { mode: 'remote', apiUrl: 'https://tp.example.com' },
      healthy: ['https://tp.example.com'],
      startLocal: () => start.promise,
    });
    await manager.connection.get();
    expect(await manager.connection.useLocal()).toEqual({ ok: true, data: { mode: 'local', status: 'starting' } });
    start.resolve(local.server);
    await settle();
    expect(await manager.connection.get()).toEqual({ mode: 'local', status: 'ready' });
    expect(settings.value).toEqual({ mode: 'local' });
    expect(startLocal).toHaveBeenCalledTimes(1);
  });
});

describe('API address', () => {
  it.each([
    ['https://tp.example.com', 'https://tp.example.com'],
    ['  https://10.0.0.5:4310/ ', 'https://10.0.0.5:4310'],
    ['http://127.0.0.1:4310', 'http://127.0.0.1:4310'],
    ['http://localhost:4310/', 'http://localhost:4310'],
    ['http://[::1]:4310', 'http://[::1]:4310'],
  ])('accepts %s as %s', (input, origin) => {
    expect(normalizeApiUrl(input)).toEqual({ ok: true, data: origin });
  });

  it.each([
    'tp.example.com',
    'ftp://tp.example.com',
    'http://tp.example.com',
    'http://10.0.0.5:4310',
    'http://127.0.0.1.example.com',
    'https://user:pw@tp.example.com',
    'https://tp.example.com/trpc',
    'https://tp.example.com/?x=1',
  ])('refuses %s', (input) => {
    expect(normalizeApiUrl(input)).toMatchObject({ ok: false, error: { kind: 'invalid' } });
  });

  it('knows loopback when it sees it', () => {
    expect(['localhost', '127.0.0.1', '127.8.9.10', '[::1]', 'app.localhost'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', '::2', 'localhost.example.com', '128.0.0.1', '0.0.0.0'].some(isLoopbackHost)).toBe(false);
  });

  it('checks health: ok, database down, not TenantPilot, nothing there', async () => {
    const answer = (res: Response | Error) => (async () => (res instanceof Error ? Promise.reject(res) : res)) as unknown as typeof fetch;
    expect(await checkHealth('http://a', { fetch: answer(Response.json({ status: 'ok' })) })).toEqual({ ok: true, data: true });
    expect(await checkHealth('http://a', { fetch: answer(Response.json({ status: 'unavailable' }, { status: 503 })) })).toMatchObject({
      ok: false,
      error: { message: 'The API at http://a answered, but its database is unavailable.' },
    });
    expect(await checkHealth('http://a', { fetch: answer(new Response('<html>', { status: 200 })) })).toMatchObject({
      ok: false,
      error: { message: 'http://a/healthz did not answer like a TenantPilot API (HTTP 200).' },
    });
    expect(await checkHealth('http://a', { fetch: answer(new TypeError('fetch failed')) })).toMatchObject({ ok: false, error: { kind: 'unreachable' } });
  });
});
