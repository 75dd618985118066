import { fastifyTRPCPlugin, type CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppRouter } from './trpc/router.ts';
import type { FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import { bearerToken, createContextInner, type AppDeps } from './trpc/context.ts';
import { appRouter } from './trpc/router.ts';

/** Largest accepted request body; larger ones get 413. Every procedure input is small. */
export const BODY_LIMIT = 64 * 1024;
/** Most calls in one tRPC batch; larger batches get 400. */
export const MAX_BATCH_SIZE = 16;

/** Fastify + tRPC at /trpc, plus /healthz and /metrics. Request logs never carry headers or bodies. */
export function buildHttpServer(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Fastify's own request lines would carry query strings; ours (onResponse) carry only the path.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 5000 },
  });

  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: ({ req, res }: CreateFastifyContextOptions) =>
        createContextInner(deps, {
          token: bearerToken(req.headers.authorization),
          ip: req.ip,
          setHeader: (name, value) => void res.header(name, value),
        }),
      onError({ error, path }) {
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          deps.log.error({ path, error: error.cause?.name ?? error.name }, 'procedure failed');
        }
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  app.get('/healthz', async (_req, reply) => {
    try {
      await deps.db.$queryRaw`SELECT 1`;
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  return app;
}
