import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import type { Metrics } from '../observability.ts';
import { pruneProductUsage } from './prune.ts';

const JOB = 'product-usage:prune';

/**
 * Runs the retention prune on TENANTPILOT_PRUNE_CRON (UTC). With several replicas on one database
 * each tick runs once: the replica that inserts the tick's `scheduled_job_runs` row prunes.
 */
export function schedulePrune(deps: { db: Database; log: Logger; metrics: Metrics }, opts: { cron: string; retentionDays: number }) {
  // utcOffset 0 is UTC without croner's Intl time-zone path, which costs ~0.1 s at every start.
  const job = new Cron(opts.cron, { utcOffset: 0, protect: true, catch: true }, async (self: Cron) => {
    const tick = self.currentRun() ?? new Date();
    await runPruneTick(deps, { tick, retentionDays: opts.retentionDays });
  });
  return { stop: () => job.stop(), nextRun: () => job.nextRun() };
}

export async function runPruneTick(
  deps: { db: Database; log: Logger; metrics: Metrics },
  opts: { tick: Date; retentionDays: number },
): Promise<'ran' | 'claimed elsewhere'> {
  const scheduledFor = new Date(Math.floor(opts.tick.getTime() / 60_000) * 60_000);
  const claimed = await deps.db.prisma.scheduledJobRun.createMany({ data: [{ job: JOB, scheduledFor }], skipDuplicates: true });
  if (claimed.count === 0) return 'claimed elsewhere';
  try {
    const result = await pruneProductUsage(deps, { retentionDays: opts.retentionDays, now: new Date() });
    await deps.db.prisma.scheduledJobRun.update({
      where: { job_scheduledFor: { job: JOB, scheduledFor } },
      data: { finishedAt: new Date(), rowsAffected: result.status === 'done' ? result.deleted : 0 },
    });
  } catch (err) {
    deps.log.error({ error: (err as Error).name }, 'scheduled prune failed');
  }
  return 'ran';
}

/** Validates a cron expression (used for configuration errors at start). */
export function assertValidCron(expr: string): void {
  try {
    new Cron(expr, { paused: true }).stop();
  } catch (err) {
    throw new Error(`Invalid configuration: TENANTPILOT_PRUNE_CRON ${(err as Error).message}`);
  }
}
