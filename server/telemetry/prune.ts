import type { Logger } from 'pino';
import type { Database, Tx } from '../db/client.ts';
import type { Metrics } from '../observability.ts';
import { COUNT_SHARDS, DAY_MS, HOUR_MS, floorTo, utcDay } from './buckets.ts';

const EPOCH = new Date(0);

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
  opts: {
    retentionDays: number;
    now: Date;
    dryRun?: boolean;
    batchSize?: number;
    /** Called after each committed batch with the running total; awaited before the next batch. */
    onBatch?: (deleted: number) => void | Promise<void>;
  },
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
      // Keyset over occurred_at: each batch starts where the previous one ended, so it never walks
      // the index entries of rows already deleted (still there until vacuum) — flat cost per batch.
      const [oldest] = await prisma.$queryRaw<{ t: Date | null }[]>`SELECT min(occurred_at) AS t FROM product_usage_events`;
      let since = oldest?.t ?? null;
      while (since && since < cutoff) {
        const batch = await prisma.$transaction(async (tx) => pruneBatch(tx, since!, cutoff, batchSize));
        if (batch.deleted === 0) break;
        deleted += batch.deleted;
        batches += 1;
        since = batch.upto;
        await opts.onBatch?.(deleted);
        if (batch.deleted < batchSize) break;
      }
      if (deleted > 0) await trimActivity(db, cutoff);
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

/**
 * One batch, one transaction: deletes up to `limit` of the oldest rows in [since, cutoff) and takes
 * exactly them off the hourly and daily rollups, so every committed state is exact.
 */
async function pruneBatch(tx: Tx, since: Date, cutoff: Date, limit: number): Promise<{ deleted: number; upto: Date }> {
  const [gone] = await tx.$queryRaw<{ n: bigint; oldest: Date | null; upto: Date | null }[]>`
    WITH del AS (
      -- by ctid: ledger rows are never updated, so the addresses read from the occurred_at index are
      -- the rows to delete (a TID scan instead of one primary-key probe per row)
      DELETE FROM product_usage_events
       WHERE ctid = ANY (ARRAY(SELECT ctid FROM product_usage_events
                                WHERE occurred_at >= ${since}::timestamptz AND occurred_at < ${cutoff}::timestamptz
                                ORDER BY occurred_at LIMIT ${limit}))
      RETURNING event_name, occurred_at, (get_byte(uuid_send(id), 0) % ${COUNT_SHARDS})::smallint AS shard
    ), hours AS (
      SELECT date_bin('1 hour', occurred_at, ${EPOCH}::timestamptz) AS bucket, event_name, shard, count(*)::int AS n
        FROM del GROUP BY 1, 2, 3
    ), days AS (
      SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, event_name, shard, count(*)::int AS n
        FROM del GROUP BY 1, 2, 3
    ), dec_hours AS (
      -- the explicit range lets the planner probe the primary key instead of scanning the table
      UPDATE product_usage_hourly_counts c SET event_count = c.event_count - hours.n
        FROM hours WHERE c.bucket_start = hours.bucket AND c.event_name = hours.event_name AND c.shard = hours.shard
         AND c.bucket_start >= (SELECT min(bucket) FROM hours) AND c.bucket_start <= (SELECT max(bucket) FROM hours)
    ), dec_days AS (
      UPDATE product_usage_daily_counts c SET event_count = c.event_count - days.n
        FROM days WHERE c.day = days.day AND c.event_name = days.event_name AND c.shard = days.shard
         AND c.day >= (SELECT min(day) FROM days) AND c.day <= (SELECT max(day) FROM days)
    )
    SELECT count(*)::bigint AS n, min(occurred_at) AS oldest, max(occurred_at) AS upto FROM del`;
  const deleted = Number(gone?.n ?? 0);
  if (deleted === 0 || !gone?.oldest || !gone.upto) return { deleted: 0, upto: since };
  const [h0, h1] = [floorTo(gone.oldest, HOUR_MS), floorTo(gone.upto, HOUR_MS)];
  const [d0, d1] = [utcDay(gone.oldest), utcDay(gone.upto)];
  // Emptied buckets go. A bucket that keeps rows keeps its newest row's time, since rows go oldest
  // first — unless a back-dated row arrived during the prune: then recompute it (rare, one probe).
  await tx.$executeRaw`
    WITH frontier AS (
      -- activity bits of hours up to here may now be stale: the summary confirms them in the ledger
      UPDATE product_usage_prune_state SET pruned_through = GREATEST(pruned_through, ${gone.upto}::timestamptz) WHERE id = 1
    ), drop_hours AS (
      DELETE FROM product_usage_hourly_counts
       WHERE bucket_start >= ${h0}::timestamptz AND bucket_start <= ${h1}::timestamptz AND event_count <= 0
    ), drop_days AS (
      DELETE FROM product_usage_daily_counts
       WHERE day >= ${d0}::date AND day <= ${d1}::date AND event_count <= 0
    ), fix_hours AS (
      UPDATE product_usage_hourly_counts c SET last_occurred_at = (
        SELECT max(e.occurred_at) FROM product_usage_events e
         WHERE e.occurred_at >= c.bucket_start AND e.occurred_at < c.bucket_start + interval '1 hour'
           AND e.event_name = c.event_name AND get_byte(uuid_send(e.id), 0) % ${COUNT_SHARDS} = c.shard)
       WHERE c.bucket_start >= ${h0}::timestamptz AND c.bucket_start <= ${h1}::timestamptz
         AND c.event_count > 0 AND c.last_occurred_at <= ${gone.upto}::timestamptz
    )
    UPDATE product_usage_daily_counts c SET last_occurred_at = (
      SELECT max(e.occurred_at) FROM product_usage_events e
       WHERE e.occurred_at >= (c.day::timestamp AT TIME ZONE 'UTC') AND e.occurred_at < ((c.day + 1)::timestamp AT TIME ZONE 'UTC')
         AND e.event_name = c.event_name AND get_byte(uuid_send(e.id), 0) % ${COUNT_SHARDS} = c.shard)
     WHERE c.day >= ${d0}::date AND c.day <= ${d1}::date AND c.event_count > 0 AND c.last_occurred_at <= ${gone.upto}::timestamptz`;
  return { deleted, upto: gone.upto };
}

/**
 * After a prune: clears the activity bits of the hours before the oldest ledger row (or before the
 * cutoff, whichever is earlier), which no row can be in any more, and drops workspaces' activity rows
 * left with none. Keeps the part of the bitmaps the summary has to confirm in the ledger small.
 */
async function trimActivity(db: Database, cutoff: Date) {
  await db.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`
      WITH oldest AS (
        SELECT product_usage_hour_index(LEAST(COALESCE((SELECT min(occurred_at) FROM product_usage_events), ${cutoff}::timestamptz), ${cutoff}::timestamptz)) AS h
      )
      UPDATE product_usage_workspace_activity a SET base_hour = oldest.h, hours = substring(a.hours FROM oldest.h - a.base_hour + 1)
        FROM oldest WHERE a.base_hour < oldest.h`;
    await tx.$executeRaw`DELETE FROM product_usage_workspace_activity WHERE position(B'1' IN hours) = 0`;
  });
}
