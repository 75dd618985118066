import type { ApiResult } from '../../renderer/src/api/contract.ts';

/**
 * A remote API address as the operator typed it → its origin. Only http(s), no credentials in the
 * URL, and no path: the console adds /trpc and /healthz itself.
 */
export function normalizeApiUrl(input: string): ApiResult<string> {
  const invalid = (message: string) => ({ ok: false as const, error: { kind: 'invalid' as const, message } });
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return invalid('Enter a full address such as https://tenantpilot.example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return invalid('The address must start with http:// or https://');
  if (url.username || url.password) return invalid('Leave credentials out of the address');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return invalid('Give the server address only, without a path (for example https://tenantpilot.example.com)');
  }
  return { ok: true, data: url.origin };
}

/** Whether a TenantPilot API answers at `origin`: GET /healthz must say {"status":"ok"}. */
export async function checkHealth(origin: string, opts: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<ApiResult<true>> {
  const doFetch = opts.fetch ?? fetch;
  const unreachable = (message: string) => ({ ok: false as const, error: { kind: 'unreachable' as const, message } });
  let response: Response;
  try {
    response = await doFetch(`${origin}/healthz`, { signal: AbortSignal.timeout(opts.timeoutMs ?? 5000), redirect: 'error' });
  } catch {
    return unreachable(`Nothing answered at ${origin} (checked ${origin}/healthz). Check the address and that the server is running.`);
  }
  if (response.status === 503) return unreachable(`The API at ${origin} answered, but its database is unavailable.`);
  const body = (await response.json().catch(() => undefined)) as { status?: unknown } | undefined;
  if (response.status !== 200 || body?.status !== 'ok') {
    return unreachable(`${origin}/healthz did not answer like a TenantPilot API (HTTP ${response.status}).`);
  }
  return { ok: true, data: true };
}
