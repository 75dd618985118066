import type { ApiResult } from '../../console/contract.ts';
import { RedirectRefusedError, refuseRedirects } from '../../console/no-redirects.ts';

/** This computer: `localhost`, 127.0.0.0/8 or ::1 (traffic to these never leaves the machine). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * A remote API address as the operator typed it → its origin. Only https (plain http only to this
 * computer: the password and token would otherwise cross the network readable), no credentials in
 * the URL, and no path: the console adds /trpc and /healthz itself.
 */
export function normalizeApiUrl(input: string): ApiResult<string> {
  const invalid = (message: string) => ({ ok: false as const, error: { kind: 'invalid' as const, message } });
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return invalid('Enter a full address such as https://tenantpilot.example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return invalid('The address must start with https://');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return invalid('A remote API must use https:// (plain http:// is allowed only for this computer: localhost, 127.0.0.1 or [::1])');
  }
  if (url.username || url.password) return invalid('Leave credentials out of the address');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return invalid('Give the server address only, without a path (for example https://tenantpilot.example.com)');
  }
  return { ok: true, data: url.origin };
}

/** Whether a TenantPilot API answers at `origin`: GET /healthz must say {"status":"ok"}, without a redirect. */
export async function checkHealth(origin: string, opts: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<ApiResult<true>> {
  const doFetch = refuseRedirects(opts.fetch ?? ((input, init) => fetch(input, init)));
  const unreachable = (message: string) => ({ ok: false as const, error: { kind: 'unreachable' as const, message } });
  let response: Response;
  try {
    response = await doFetch(`${origin}/healthz`, { signal: AbortSignal.timeout(opts.timeoutMs ?? 5000) });
  } catch (err) {
    if (err instanceof RedirectRefusedError) return unreachable(err.message);
    return unreachable(`Nothing answered at ${origin} (checked ${origin}/healthz). Check the address and that the server is running.`);
  }
  if (response.status === 503) return unreachable(`The API at ${origin} answered, but its database is unavailable.`);
  const body = (await response.json().catch(() => undefined)) as { status?: unknown } | undefined;
  if (response.status !== 200 || body?.status !== 'ok') {
    return unreachable(`${origin}/healthz did not answer like a TenantPilot API (HTTP ${response.status}).`);
  }
  return { ok: true, data: true };
}
