import { fastifyTRPCPlugin, type CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TRPCError } from '@trpc/server';
import type { Logger } from 'pino';
import { isLoopbackHostHeader } from './net.ts';
import { PING } from './db/client.ts';
import type { Metrics } from './observability.ts';
import type { AppRouter } from './trpc/router.ts';
import { bearerToken, createContextInner, type AppDeps } from './trpc/context.ts';
import { appRouter } from './trpc/router.ts';
import { callSingleMutation, isSingleMutation } from './trpc/single-call.ts';

/** Largest accepted request body; larger ones get 413. Every procedure input is small. */
export const BODY_LIMIT = 64 * 1024;
/** Most calls in one tRPC batch; larger batches get 400. */
export const MAX_BATCH_SIZE = 16;

/** JSON-RPC codes of the tRPC errors this module answers itself (same shape as tRPC's own errors). */
const RPC_CODES = {
  PARSE_ERROR: -32700,
  BAD_REQUEST: -32600,
  NOT_FOUND: -32004,
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

const PROCEDURES = new Set(Object.keys(appRouter._def.procedures));
const TRPC_ROUTE = '/trpc/:path';
/** The procedure paths a /trpc request names (a batch names several, comma-separated). */
const procedurePaths = (req: FastifyRequest) => String((req.params as { path?: unknown }).path ?? '').split(',');
const namesKnownProcedures = (req: FastifyRequest) => procedurePaths(req).every((p) => PROCEDURES.has(p));

/**
 * The path a log line may carry: a known route's own path, never what a client made up (an unknown
 * path or procedure name can carry anything, a password included).
 */
function loggablePath(req: FastifyRequest): string {
  const route = req.routeOptions.url;
  if (route === undefined) return '(no route)';
  if (route === TRPC_ROUTE) return namesKnownProcedures(req) ? req.url.split('?')[0]! : '/trpc/(unknown procedure)';
  return route;
}

export type HttpOptions = {
  /**
   * The server listens on a loopback address: answer only requests whose Host header names this
   * machine (localhost, 127.x, [::1]) and the port they came in on. A web page the browser fetched
   * from elsewhere cannot reach it by pointing its own domain at 127.0.0.1 (DNS rebinding).
   */
  loopbackOnly?: boolean;
  /**
   * Proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client; empty: none, the client
   * is the socket's peer. Only these may set the address that login throttling keys on.
   */
  trustedProxies?: readonly string[];
};

/** A Fastify instance with what both listeners share: logging without secrets, fixed refusals. */
function baseServer(log: Logger, opts: HttpOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Fastify's own request lines would carry query strings; ours (onResponse) carry only a known path.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 5000 },
    trustProxy: opts.trustedProxies?.length ? [...opts.trustedProxies] : false,
  });

  if (opts.loopbackOnly) {
    app.addHook('onRequest', async (req, reply) => {
      if (!isLoopbackHostHeader(req.headers.host, req.socket.localPort)) {
        return refuse(reply, 421, 'BAD_REQUEST', 'Misdirected request: this server answers only to localhost');
      }
    });
  }

  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, url: loggablePath(req), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  // Fastify's own refusals (body too large, unparseable content type, bad content-length) and anything
  // unexpected: the tRPC error shape, a fixed message, never the error's own text (it may quote input).
  app.setErrorHandler((err: { statusCode?: number; code?: string; name?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 413) return refuse(reply, 413, 'PAYLOAD_TOO_LARGE', `Request body too large: the limit is ${BODY_LIMIT} bytes`);
    if (status === 415) return refuse(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type: send application/json');
    if (status < 500) return refuse(reply, status, 'BAD_REQUEST', 'Malformed request');
    req.log.error({ url: loggablePath(req), error: err.code ?? err.name ?? 'unknown' }, 'request failed');
    return refuse(reply, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  });
  // Fastify's own 404 quotes the method and path.
  app.setNotFoundHandler((_req, reply) => refuse(reply, 404, 'NOT_FOUND', 'Not found'));
  return app;
}

/**
 * The API: Fastify + tRPC at /trpc, plus /healthz. Request logs never carry headers, bodies or a path
 * the server does not know. Hostile requests are refused before any procedure runs, with fixed
 * messages that never quote the request: bodies over BODY_LIMIT (413), bodies that are not JSON
 * (415), malformed JSON or a repeated ?input= (400), batches over MAX_BATCH_SIZE (400), unknown
 * routes and procedures (404). Metrics are not served here (see buildMetricsServer).
 */
export function buildHttpServer(deps: AppDeps, opts: HttpOptions = {}): FastifyInstance {
  const app = baseServer(deps.log.child({ component: 'http' }), opts);
  const context = (req: FastifyRequest, reply: FastifyReply) =>
    createContextInner(deps, {
      token: bearerToken(req.headers.authorization),
      ip: req.ip,
      setHeader: (name, value) => void reply.header(name, value),
    });
  const onError = ({ error, path }: { error: TRPCError; path?: string }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') deps.log.error({ path, error: error.cause?.name ?? error.name }, 'procedure failed');
  };

  app.register(async (api) => {
    // The API reads JSON only (tRPC would also take multipart/form-data, which no procedure uses).
    api.addHook('onRequest', async (req, reply) => {
      if (req.method !== 'GET' && hasBody(req) && mediaType(req) !== 'application/json') {
        return refuse(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type: send application/json');
      }
    });
    api.addHook('preHandler', async (req, reply) => {
      // tRPC would answer "No procedure found on path <path>", quoting whatever the client sent.
      if (!namesKnownProcedures(req)) return refuse(reply, 404, 'NOT_FOUND', 'Not found');
      // A repeated ?input= arrives as an array, which tRPC would read past the JSON check below.
      const input = (req.query as Record<string, unknown>).input;
      if (input !== undefined && typeof input !== 'string') {
        return refuse(reply, 400, 'BAD_REQUEST', 'Malformed request: send one input parameter');
      }
      // tRPC would answer malformed JSON with the parser's message, which quotes the input (a password…).
      const text = req.method === 'GET' ? input : req.body;
      if (typeof text === 'string' && text !== '' && !isJson(text)) {
        return refuse(reply, 400, 'PARSE_ERROR', 'Malformed JSON: the input must be valid JSON');
      }
      const path = procedurePaths(req)[0]!;
      if (isSingleMutation(req.method, path, req.query as Record<string, unknown>)) {
        const { status, json } = await callSingleMutation(path, typeof text === 'string' ? text : undefined, context(req, reply), onError);
        return reply.code(status).type('application/json').send(json);
      }
    });
    await api.register(fastifyTRPCPlugin, {
      prefix: '/trpc',
      trpcOptions: {
        router: appRouter,
        maxBatchSize: MAX_BATCH_SIZE,
        createContext: ({ req, res }: CreateFastifyContextOptions) => context(req, res),
        onError,
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>);
  });

  app.get('/healthz', async (_req, reply) => {
    try {
      await deps.database.query(PING, []);
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  return app;
}

/**
 * GET /metrics (Prometheus text) on a listener of its own, so the adoption counts per event and the
 * login outcomes never share the public API port; bound to loopback unless configured otherwise.
 */
export function buildMetricsServer(deps: { log: Logger; metrics: Metrics }, opts: Pick<HttpOptions, 'loopbackOnly'> = {}): FastifyInstance {
  const app = baseServer(deps.log.child({ component: 'metrics' }), opts);
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
  return app;
}
