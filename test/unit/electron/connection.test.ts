import { describe, expect, it, vi } from 'vitest';
import { checkHealth, normalizeApiUrl } from '../../../electron/main/api-url.ts';
import { createConnectionManager } from '../../../electron/main/connection.ts';
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
  const requests: { url: string; authorization: string | null }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    requests.push({ url: url.href, authorization: new Headers(init?.headers).get('authorization') });
    if (!healthy.has(url.origin)) throw new TypeError('fetch failed');
    if (url.pathname === '/healthz') return Response.json({ status: 'ok' });
    if (url.pathname === '/trpc/system.auth.status') return Response.json({ result: { data: { bootstrapAvailable: false } } });
    if (url.pathname === '/trpc/system.auth.logout') return Response.json({ result: { data: { ok: true } } });
    return Response.json({ error: { message: 'Not found', code: -32004, data: { code: 'NOT_FOUND' } } }, { status: 404 });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests };
}

function setup(opts: { settings?: ConsoleSettings; healthy?: string[]; startLocal?: () => Promise<{ url: string; close(): Promise<void> }> } = {}) {
  const settings = memorySettings(opts.settings);
  const tokens = createTokenStore({ file: '/nonexistent/session.bin', safeStorage: noEncryption, log });
  const network = fakeNetwork(new Set(opts.healthy ?? ['http://127.0.0.1:40001']));
  const close = vi.fn(async () => {});
  const startLocal = vi.fn(opts.startLocal ?? (async () => ({ url: 'http://127.0.0.1:40001', close })));
  const manager = createConnectionManager({ settings, tokens, startLocal, log, fetch: network.fetch });
  return { manager, settings, tokens, network, startLocal, close };
}

describe('connection manager', () => {
  it('starts the embedded server once, on first use, and sends calls to it', async () => {
    const { manager, startLocal, network } = setup();
    expect(startLocal).not.toHaveBeenCalled();
    const [a, b] = await Promise.all([manager.connection.get(), manager.connection.get()]);
    expect(a).toEqual({ mode: 'local', status: 'ready' });
    expect(b).toBe(a);
    expect(await manager.api.authStatus()).toEqual({ ok: true, data: { bootstrapAvailable: false } });
    expect(startLocal).toHaveBeenCalledTimes(1);
    expect(network.requests.at(-1)!.url).toBe('http://127.0.0.1:40001/trpc/system.auth.status');
  });

  it('reports a local server that failed to start, and answers calls as unreachable', async () => {
    const { manager } = setup({ startLocal: async () => Promise.reject(new Error('database folder is locked')) });
    expect(await manager.connection.get()).toEqual({ mode: 'local', status: 'failed', detail: 'database folder is locked' });
    const status = await manager.api.authStatus();
    expect(status.ok || status.error.kind).toBe('unreachable');
  });

  it('switches to a remote API only after its /healthz answers, signing out of the local server first', async () => {
    const { manager, settings, tokens, network, close } = setup({ healthy: ['http://127.0.0.1:40001', 'https://tp.example.com'] });
    await manager.connection.get();
    tokens.holder('local').set('sys_local');

    const bad = await manager.connection.useRemote('ftp://tp.example.com');
    expect(bad.ok).toBe(false);
    const down = await manager.connection.useRemote('https://down.example.com');
    expect(down).toMatchObject({ ok: false, error: { kind: 'unreachable' } });
    expect(settings.value).toEqual({ mode: 'local' });

    const switched = await manager.connection.useRemote('https://tp.example.com/');
    expect(switched).toEqual({ ok: true, data: { mode: 'remote', apiUrl: 'https://tp.example.com', status: 'ready' } });
    expect(settings.value).toEqual({ mode: 'remote', apiUrl: 'https://tp.example.com' });
    expect(network.requests).toContainEqual({ url: 'http://127.0.0.1:40001/trpc/system.auth.logout', authorization: 'Bearer sys_local' });
    expect(tokens.holder('local').get()).toBeUndefined();
    expect(close).toHaveBeenCalledTimes(1);

    await manager.api.authStatus();
    expect(network.requests.at(-1)!.url).toBe('https://tp.example.com/trpc/system.auth.status');
  });

  it('uses the remembered remote API without starting the embedded server', async () => {
    const { manager, startLocal } = setup({ settings: { mode: 'remote', apiUrl: 'https://tp.example.com' }, healthy: ['https://tp.example.com'] });
    expect(await manager.connection.get()).toEqual({ mode: 'remote', apiUrl: 'https://tp.example.com', status: 'ready' });
    expect(startLocal).not.toHaveBeenCalled();
  });

  it('goes back to the embedded server on request', async () => {
    const { manager, startLocal, settings } = setup({ settings: { mode: 'remote', apiUrl: 'https://tp.example.com' }, healthy: ['https://tp.example.com'] });
    await manager.connection.get();
    expect(await manager.connection.useLocal()).toEqual({ ok: true, data: { mode: 'local', status: 'ready' } });
    expect(settings.value).toEqual({ mode: 'local' });
    expect(startLocal).toHaveBeenCalledTimes(1);
  });
});

describe('API address', () => {
  it.each([
    ['https://tp.example.com', 'https://tp.example.com'],
    ['  http://10.0.0.5:4310/ ', 'http://10.0.0.5:4310'],
  ])('accepts %s as %s', (input, origin) => {
    expect(normalizeApiUrl(input)).toEqual({ ok: true, data: origin });
  });

  it.each(['tp.example.com', 'ftp://tp.example.com', 'https://user:pw@tp.example.com', 'https://tp.example.com/trpc', 'https://tp.example.com/?x=1'])(
    'refuses %s',
    (input) => {
      expect(normalizeApiUrl(input)).toMatchObject({ ok: false, error: { kind: 'invalid' } });
    },
  );

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
