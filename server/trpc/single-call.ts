import { callTRPCProcedure, getTRPCErrorFromUnknown, type TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
// The error-shape step every tRPC adapter runs (the errorFormatter in ./init.ts); pinned with @trpc/server.
import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';
import { appRouter } from './router.ts';
import type { Context } from './context.ts';

const MUTATIONS = new Set(Object.entries(appRouter._def.procedures).filter(([, p]) => (p as unknown as { _def: { type: string } })._def.type === 'mutation').map(([path]) => path));

/**
 * Whether a request is one unbatched mutation: `POST /trpc/<mutation>` without `?batch` — how plain
 * HTTP clients and @trpc/client's httpLink call the five source actions.
 */
export function isSingleMutation(method: string, path: string, query: Record<string, unknown>): boolean {
  return method === 'POST' && query.batch === undefined && MUTATIONS.has(path);
}

/**
 * Answers one unbatched mutation as tRPC's HTTP handler would — same procedure, middlewares, input
 * validation, error formatter, status codes and JSON — without its Fetch API round trip (a Request
 * built from the Node request, a streamed Response copied back in chunks), which cost the hot path
 * more CPU than the procedure itself. Batches, queries and everything else go through tRPC.
 */
export async function callSingleMutation(
  path: string,
  body: string | undefined,
  ctx: Context,
  onError: (opts: { error: TRPCError; path: string }) => void,
): Promise<{ status: number; json: string }> {
  const input: unknown = body ? JSON.parse(body) : undefined;
  try {
    const data = await callTRPCProcedure({
      router: appRouter,
      path,
      getRawInput: async () => input,
      ctx,
      type: 'mutation',
      signal: undefined,
      batchIndex: 0,
    });
    return { status: 200, json: JSON.stringify({ result: { data } }) };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    onError({ error, path });
    const shape = getErrorShape({ config: appRouter._def._config, error, type: 'mutation', path, input, ctx });
    return { status: getHTTPStatusCodeFromError(error), json: JSON.stringify({ error: shape }) };
  }
}
