import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, statement, type Database } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { generatePendingReviewPacks } from './domain/review-packs/service.ts';
import { createSetupCode, NO_SETUP_CODE, type SetupCode } from './auth/setup-code.ts';
import { buildHttpServer, buildMetricsServer } from './http.ts';
import { isLoopbackBindHost } from './net.ts';
import { createLogger, createMetrics } from './observability.ts';
import { createRecorder } from './telemetry/recorder.ts';
import { assertValidCron, scheduleDailyJobs } from './telemetry/schedule.ts';
import type { AppDeps } from './trpc/context.ts';

export type RunningServer = {
  url: string;
  port: number;
  /**
   * This process's one-time first-run setup code while no system user exists, else null (see
   * auth/setup-code.ts). `serve` prints it; the desktop app passes it to its own embedded server.
   */
  readonly setupCode: string | null;
  /** Where GET /metrics is served (its own listener), or null when TENANTPILOT_METRICS_PORT=off. */
  metricsUrl: string | null;
  deps: AppDeps;
  database: Database;
  close(): Promise<void>;
};

const urlOf = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
const portOf = (app: FastifyInstance, fallback: number) => {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : fallback;
};

/** How often the in-server worker turns pending review packs into ready ones. */
const REVIEW_PACK_WORKER_MS = 5_000;

/**
 * Opens the database, applies pending migrations, and serves HTTP with the prune schedule and the
 * review-pack worker running. Used by `tenantpilot serve` and by the desktop console's local mode.
 */
const ANY_OPERATOR = statement('any_operator', 'SELECT EXISTS (SELECT 1 FROM system_users) AS any');

export async function startServer(config: Config, opts: { log?: Logger; port?: number; database?: Database } = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger(config.logLevel);
  assertValidCron(config.pruneCron);
  // `database`: already opened (by `serve`, while this code loaded) for `config.database`; owned from here.
  const database = opts.database ?? (await openDatabase(config.database));
  let setupCode: SetupCode;
  try {
    const applied = await migrate(database);
    if (applied.length) log.info({ applied }, 'migrations applied');
    // Only while no operator exists; a process started later (or another replica) makes its own.
    const [operators] = await database.query<{ any: boolean }>(ANY_OPERATOR, []);
    setupCode = operators?.any ? NO_SETUP_CODE : createSetupCode();
  } catch (err) {
    await database.close();
    throw err;
  }
  const metrics = createMetrics();
  const deps: AppDeps = {
    db: database.prisma,
    database,
    telemetry: createRecorder({ log, metrics }),
    log,
    metrics,
    now: () => new Date(),
    setupCode,
  };
  const http = buildHttpServer(deps, { loopbackOnly: isLoopbackBindHost(config.host), trustedProxies: config.trustedProxies });
  const metricsHttp = config.metrics && buildMetricsServer(deps, { loopbackOnly: isLoopbackBindHost(config.metrics.host) });
  const prune = scheduleDailyJobs({ db: database, log, metrics }, { cron: config.pruneCron, retentionDays: config.retentionDays });
  let working = false;
  const worker = setInterval(async () => {
    if (working) return;
    working = true;
    try {
      await generatePendingReviewPacks(deps);
    } catch (err) {
      log.error({ error: (err as Error).name }, 'review pack generation failed');
    } finally {
      working = false;
    }
  }, REVIEW_PACK_WORKER_MS);
  worker.unref();

  let metricsUrl: string | null = null;
  try {
    await http.listen({ host: config.host, port: opts.port ?? config.port });
    if (metricsHttp && config.metrics) {
      try {
        await metricsHttp.listen({ host: config.metrics.host, port: config.metrics.port });
      } catch (err) {
        throw new Error(
          `Metrics listener: cannot listen on ${config.metrics.host}:${config.metrics.port} (${(err as { code?: string }).code ?? (err as Error).message}): ` +
            'set TENANTPILOT_METRICS_PORT to a free port, 0 for any free port, or off',
        );
      }
      metricsUrl = `${urlOf(config.metrics.host, portOf(metricsHttp, config.metrics.port))}/metrics`;
    }
  } catch (err) {
    clearInterval(worker);
    prune.stop();
    await Promise.all([http.close(), metricsHttp?.close()]);
    await database.close();
    throw err;
  }
  const port = portOf(http, config.port);
  const url = urlOf(config.host, port);
  log.info({ url, metricsUrl, database: config.database.kind, nextPrune: prune.nextRun()?.toISOString() }, 'tenantpilot server listening');
  // Nothing before this point used Prisma (start-up and /healthz run plain SQL): its query compiler
  // (WebAssembly, ~0.2 s of CPU) compiles now, while the first caller signs in, not before the port opens.
  database.prisma.$connect().catch((err: Error) => log.warn({ error: err.name }, 'database client warm-up failed'));

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    get setupCode() {
      return setupCode.current();
    },
    metricsUrl,
    deps,
    database,
    close() {
      closing ??= (async () => {
        clearInterval(worker);
        prune.stop();
        await Promise.all([http.close(), metricsHttp?.close()]);
        await database.close();
      })();
      return closing;
    },
  };
}
