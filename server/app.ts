import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { generatePendingReviewPacks } from './domain/review-packs/service.ts';
import { buildHttpServer } from './http.ts';
import { createLogger, createMetrics } from './observability.ts';
import { createRecorder } from './telemetry/recorder.ts';
import { assertValidCron, schedulePrune } from './telemetry/schedule.ts';
import type { AppDeps } from './trpc/context.ts';

export type RunningServer = { url: string; port: number; deps: AppDeps; database: Database; close(): Promise<void> };

/** How often the in-server worker turns pending review packs into ready ones. */
const REVIEW_PACK_WORKER_MS = 5_000;

/**
 * Opens the database, applies pending migrations, and serves HTTP with the prune schedule and the
 * review-pack worker running. Used by `tenantpilot serve` and by the desktop console's local mode.
 */
export async function startServer(config: Config, opts: { log?: Logger; port?: number; database?: Database } = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger(config.logLevel);
  assertValidCron(config.pruneCron);
  // `database`: already opened (by `serve`, while this code loaded) for `config.database`; owned from here.
  const database = opts.database ?? (await openDatabase(config.database));
  try {
    const applied = await migrate(database);
    if (applied.length) log.info({ applied }, 'migrations applied');
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
    mode: config.database.kind === 'pglite' ? 'local' : 'remote',
  };
  const http = buildHttpServer(deps);
  const prune = schedulePrune({ db: database, log, metrics }, { cron: config.pruneCron, retentionDays: config.retentionDays });
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

  await http.listen({ host: config.host, port: opts.port ?? config.port });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, database: config.database.kind, nextPrune: prune.nextRun()?.toISOString() }, 'tenantpilot server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    deps,
    database,
    close() {
      closing ??= (async () => {
        clearInterval(worker);
        prune.stop();
        await http.close();
        await database.close();
      })();
      return closing;
    },
  };
}
