import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import type { Metrics } from '../observability.ts';
import { COUNT_SHARDS, DAY_MS } from './buckets.ts';

/** Advisory-lock key: one prune at a time across every replica on one database. */
const PRUNE_LOCK = 4_310_002;
export const DEFAULT_PRUNE_BATCH = 5_000;

export type PruneResult =
  | { status: 'done'; cutoff: Date; deleted: number; batches: number; dryRun: boolean }
  | { status: 'skipped'; reason: 'another prune is running' };

/**
 * FR-243-011: deletes ledger rows older than the retention window, in bounded batches, each batch one
 * transaction that also keeps the derived rollups exact. Touches no source-of-truth table.
 */
export async function pruneProductUsage(
  deps: { db: Database; log: Logger; metrics: Metrics },
  opts: { retentionDays: number; now: Date; dryRun?: boolean; batchSize?: number; onBatch?: (deleted: number) => void },
): Promise<PruneResult> {
  const { db, log, metrics } = deps;
  const prisma = db.prisma;
  const cutoff = new Date(opts.now.getTime() - opts.retentionDays * DAY_MS);
  const batchSize = opts.batchSize ?? DEFAULT_PRUNE_BATCH;

  if (opts.dryRun) {
    const [{ n }] = await prisma.$queryRaw<[{ n: bigint }]>`
      SELECT count(*)::bigint AS n FROM product_usage_events WHERE occurred_at < ${cutoff}::timestamptz`;
    return { status: 'done', cutoff, deleted: Number(n), batches: 0, dryRun: true };
  }

  return db.withSession(async (session) => {
    const [lock] = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [PRUNE_LOCK]);
    if (!lock?.locked) return { status: 'skipped', reason: 'another prune is running' } as const;
    try {
      let deleted = 0;
      let batches = 0;
      for (;;) {
        const n = await prisma.$transaction(async (tx) => {
          // Delete the oldest rows of the batch and take their counts off the hourly rollups.
          const gone = await tx.$queryRaw<{ n: bigint }[]>`
            WITH del AS (
              DELETE FROM product_usage_events
               WHERE id IN (SELECT id FROM product_usage_events WHERE occurred_at < ${cutoff}::timestamptz
                             ORDER BY occurred_at LIMIT ${batchSize})
              RETURNING id, event_name, occurred_at
            ), agg AS (
              SELECT date_trunc('hour', occurred_at, 'UTC') AS bucket, event_name,
                     (get_byte(uuid_send(id), 0) % ${COUNT_SHARDS})::smallint AS shard, count(*)::int AS n
                FROM del GROUP BY 1, 2, 3
            ), dec AS (
              UPDATE product_usage_hourly_counts c SET event_count = c.event_count - agg.n
                FROM agg WHERE c.bucket_start = agg.bucket AND c.event_name = agg.event_name AND c.shard = agg.shard
            )
            SELECT count(*)::bigint AS n FROM del`;
          const count = Number(gone[0]?.n ?? 0);
          if (count === 0) return 0;
          await tx.$executeRaw`DELETE FROM product_usage_hourly_counts WHERE event_count <= 0`;
          // Presence rows stay only while the ledger still holds a row for that workspace and period.
          await tx.$executeRaw`
            DELETE FROM product_usage_workspace_hours h
             WHERE h.bucket_start < ${cutoff}::timestamptz
               AND NOT EXISTS (SELECT 1 FROM product_usage_events e WHERE e.workspace_id = h.workspace_id
                                 AND e.occurred_at >= h.bucket_start AND e.occurred_at < h.bucket_start + interval '1 hour')`;
          await tx.$executeRaw`
            DELETE FROM product_usage_workspace_days d
             WHERE d.day <= (${cutoff}::timestamptz AT TIME ZONE 'UTC')::date
               AND NOT EXISTS (SELECT 1 FROM product_usage_events e WHERE e.workspace_id = d.workspace_id
                                 AND e.occurred_at >= (d.day::timestamp AT TIME ZONE 'UTC')
                                 AND e.occurred_at < ((d.day + 1)::timestamp AT TIME ZONE 'UTC'))`;
          return count;
        });
        if (n === 0) break;
        deleted += n;
        batches += 1;
        opts.onBatch?.(deleted);
      }
      metrics.pruneRuns.inc({ outcome: 'done' });
      metrics.rowsPruned.inc(deleted);
      log.info({ deleted, batches, cutoff: cutoff.toISOString() }, 'product usage prune finished');
      return { status: 'done', cutoff, deleted, batches, dryRun: false } as const;
    } catch (err) {
      metrics.pruneRuns.inc({ outcome: 'failed' });
      throw err;
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [PRUNE_LOCK]);
    }
  });
}
