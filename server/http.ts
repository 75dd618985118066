import { fastifyTRPCPlugin, type CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AppRouter } from './trpc/router.ts';
import { bearerToken, createContextInner, type AppDeps } from './trpc/context.ts';
import { appRouter } from './trpc/router.ts';

/** Largest accepted request body; larger ones get 413. Every procedure input is small. */
export const BODY_LIMIT = 64 * 1024;
/** Most calls in one tRPC batch; larger batches get 400. */
export const MAX_BATCH_SIZE = 16;

/** JSON-RPC codes of the tRPC errors this module answers itself (same shape as tRPC's own errors). */
const RPC_CODES = {
  PARSE_ERROR: -32700,
  BAD_REQUEST: -32600,
  INTERNAL_SERVER_ERROR: -32603,
  PAYLOAD_TOO_LARGE: -32013,
  UNSUPPORTED_MEDIA_TYPE: -32015,
} as const;
type RpcCode = keyof typeof RPC_CODES;

function refuse(reply: FastifyReply, httpStatus: number, code: RpcCode, message: string) {
  return reply
    .code(httpStatus)
    .type('application/json; charset=utf-8')
    .send({ error: { message, code: RPC_CODES[code], data: { code, httpStatus } } });
}

const mediaType = (req: FastifyRequest) => String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
const hasBody = (req: FastifyRequest) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fastify + tRPC at /trpc, plus /healthz and /metrics. Request logs never carry headers or bodies.
 * Hostile requests are refused before any procedure runs, with fixed messages that never quote the
 * request: bodies over BODY_LIMIT (413), bodies that are not JSON (415), malformed JSON (400),
 * batches over MAX_BATCH_SIZE (400).
 */
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

  // Fastify's own refusals (body too large, unparseable content type, bad content-length) and anything
  // unexpected: the tRPC error shape, a fixed message, never the error's own text (it may quote input).
  app.setErrorHandler((err: { statusCode?: number; code?: string; name?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 413) return refuse(reply, 413, 'PAYLOAD_TOO_LARGE', `Request body too large: the limit is ${BODY_LIMIT} bytes`);
    if (status === 415) return refuse(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type: send application/json');
    if (status < 500) return refuse(reply, status, 'BAD_REQUEST', 'Malformed request');
    req.log.error({ url: req.url.split('?')[0], error: err.code ?? err.name ?? 'unknown' }, 'request failed');
    return refuse(reply, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  });

  app.register(async (api) => {
    // The API reads JSON only (tRPC would also take multipart/form-data, which no procedure uses).
    api.addHook('onRequest', async (req, reply) => {
      if (req.method !== 'GET' && hasBody(req) && mediaType(req) !== 'application/json') {
        return refuse(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type: send application/json');
      }
    });
    // tRPC would answer malformed JSON with the parser's message, which quotes the input (a password…).
    api.addHook('preHandler', async (req, reply) => {
      const text = req.method === 'GET' ? (req.query as Record<string, unknown>).input : req.body;
      if (typeof text === 'string' && text !== '' && !isJson(text)) {
        return refuse(reply, 400, 'PARSE_ERROR', 'Malformed JSON: the input must be valid JSON');
      }
    });
    await api.register(fastifyTRPCPlugin, {
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
  });

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
