import { Cron } from 'croner';
import type { Logger } from 'pino';
import { deleteStaleAuthRows } from '../auth/housekeeping.ts';
import type { Database } from '../db/client.ts';
import type { Metrics } from '../observability.ts';
import { pruneProductUsage } from './prune.ts';

const PRUNE_JOB = 'product-usage:prune';
const HOUSEKEEPING_JOB = 'auth:housekeeping';

type Deps = { db: Database; log: Logger; metrics: Metrics };

/**
 * The daily jobs, on TENANTPILOT_PRUNE_CRON (UTC): the retention prune, then the authentication
 * housekeeping. With several replicas on one database each tick runs each job once: the replica that
 * inserts the tick's `scheduled_job_runs` row for a job runs it.
 */
export function scheduleDailyJobs(deps: Deps, opts: { cron: string; retentionDays: number }) {
  // utcOffset 0 is UTC without croner's Intl time-zone path, which costs ~0.1 s at every start.
  const job = new Cron(opts.cron, { utcOffset: 0, protect: true, catch: true }, async (self: Cron) => {
    const tick = self.currentRun() ?? new Date();
    await runPruneTick(deps, { tick, retentionDays: opts.retentionDays });
    await runHousekeepingTick(deps, { tick });
  });
  return { stop: () => job.stop(), nextRun: () => job.nextRun() };
}

/** Runs `work` for this tick of `job` unless another replica claimed the tick first. */
async function oncePerTick(deps: Deps, job: string, tick: Date, work: () => Promise<number>): Promise<'ran' | 'claimed elsewhere'> {
  const scheduledFor = new Date(Math.floor(tick.getTime() / 60_000) * 60_000);
  const claimed = await deps.db.prisma.scheduledJobRun.createMany({ data: [{ job, scheduledFor }], skipDuplicates: true });
  if (claimed.count === 0) return 'claimed elsewhere';
  try {
    const rowsAffected = await work();
    await deps.db.prisma.scheduledJobRun.update({
      where: { job_scheduledFor: { job, scheduledFor } },
      data: { finishedAt: new Date(), rowsAffected },
    });
  } catch (err) {
    deps.log.error({ job, error: (err as Error).name }, 'scheduled job failed');
  }
  return 'ran';
}

export function runPruneTick(deps: Deps, opts: { tick: Date; retentionDays: number }) {
  return oncePerTick(deps, PRUNE_JOB, opts.tick, async () => {
    const result = await pruneProductUsage(deps, { retentionDays: opts.retentionDays, now: new Date() });
    return result.status === 'done' ? result.deleted : 0;
  });
}

export function runHousekeepingTick(deps: Deps, opts: { tick: Date; now?: Date }) {
  return oncePerTick(deps, HOUSEKEEPING_JOB, opts.tick, async () => {
    const deleted = await deleteStaleAuthRows(deps.db.prisma, opts.now ?? new Date());
    deps.log.info(deleted, 'authentication housekeeping finished');
    return deleted.adminSessions + deleted.systemSessions + deleted.throttles;
  });
}

/** Validates a cron expression (used for configuration errors at start). */
export function assertValidCron(expr: string): void {
  try {
    new Cron(expr, { paused: true }).stop();
  } catch (err) {
    throw new Error(`Invalid configuration: TENANTPILOT_PRUNE_CRON ${(err as Error).message}`);
  }
}
