import { createTRPCClient, httpBatchLink, httpLink } from '@trpc/client';
import type { AppRouter } from './trpc/router.ts';

export type { AppRouter };

/**
 * A typed client for tenant-facing callers (and the console). Plain JSON on the wire, so the same
 * calls work from any HTTP library; see README "Calling the API".
 */
export function createTenantPilotClient(opts: {
  /** Server base URL, e.g. http://127.0.0.1:4310 */
  url: string;
  /** Bearer token from auth.login (admin plane) or system.auth.login (system plane). */
  token?: string | (() => string | undefined);
  /** Group concurrent calls into one HTTP request (at most 16 per batch, as the server allows). */
  batch?: boolean;
  fetch?: typeof fetch;
}) {
  const headers = () => {
    const token = typeof opts.token === 'function' ? opts.token() : opts.token;
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  const url = `${opts.url.replace(/\/$/, '')}/trpc`;
  return createTRPCClient<AppRouter>({
    links: [opts.batch ? httpBatchLink({ url, headers, maxItems: 16, fetch: opts.fetch }) : httpLink({ url, headers, fetch: opts.fetch })],
  });
}
