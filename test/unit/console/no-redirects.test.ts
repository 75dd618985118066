import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RedirectRefusedError, refuseRedirects } from '../../../console/no-redirects.ts';
import { createSessionClient, memoryTokenHolder } from '../../../console/session-client.ts';
import { checkHealth } from '../../../electron/main/api-url.ts';

/** Real HTTP servers on 127.0.0.1: one that redirects every request, one that records what reaches it. */
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function redirectingPair(status = 307) {
  const received: { method?: string; url?: string; body: string }[] = [];
  const elsewhere = await listen((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
  });
  const api = await listen((req, res) => {
    req.resume();
    res.writeHead(status, { location: `${elsewhere}${req.url}` }).end();
  });
  return { api, elsewhere, received };
}

describe('API calls refuse redirects', () => {
  it('a 307 on sign-in is an error naming the redirect, and the password never reaches the other origin', async () => {
    const { api, elsewhere, received } = await redirectingPair(307);
    const client = createSessionClient({ baseUrl: api, tokens: memoryTokenHolder() });
    const result = await client.login({ email: 'operator@tenantpilot.test', password: 'the operator password' });
    expect(result).toEqual({
      ok: false,
      error: {
        kind: 'unreachable',
        message: `The API at ${api} answered with HTTP 307 to ${elsewhere}. The console does not follow redirects, so nothing was sent there: use the server's final https:// address.`,
      },
    });
    expect(received).toEqual([]);
  });

  it.each([301, 302, 303, 308])('every redirect status (%i) on a query is refused too', async (status) => {
    const { api, received } = await redirectingPair(status);
    const result = await createSessionClient({ baseUrl: api, tokens: memoryTokenHolder() }).authStatus();
    expect(result).toMatchObject({ ok: false, error: { message: expect.stringContaining(`answered with HTTP ${status}`) } });
    expect(received).toEqual([]);
  });

  it('the health check of a new remote address refuses a redirect with the same clear message', async () => {
    const { api, elsewhere, received } = await redirectingPair(308);
    expect(await checkHealth(api)).toEqual({
      ok: false,
      error: { kind: 'unreachable', message: expect.stringContaining(`answered with HTTP 308 to ${elsewhere}`) },
    });
    expect(received).toEqual([]);
  });

  it("maps Electron's cancelled redirect (net.fetch rejects instead of answering) to the same error", async () => {
    const electronFetch = (async () => Promise.reject(new Error('Redirect was cancelled'))) as unknown as typeof fetch;
    await expect(refuseRedirects(electronFetch)('https://tp.example.com/trpc/x')).rejects.toThrow(RedirectRefusedError);
    const offline = (async () => Promise.reject(new TypeError('fetch failed'))) as unknown as typeof fetch;
    await expect(refuseRedirects(offline)('https://tp.example.com/trpc/x')).rejects.toThrow(TypeError);
  });

  it('answers that are not redirects pass through untouched', async () => {
    const api = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
    expect(await checkHealth(api)).toEqual({ ok: true, data: true });
  });
});
