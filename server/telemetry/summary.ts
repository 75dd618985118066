import { z } from 'zod';
import { Prisma, type Db } from '../db/client.ts';
import { DAY_MS, HOUR_MS, ceilTo, floorTo, utcDay } from './buckets.ts';
import { CATALOG, EVENT_NAMES, type EventName } from './catalog.ts';

export const WINDOWS = { '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, '90d': 90 * DAY_MS } as const;
export type SummaryWindow = keyof typeof WINDOWS;
export const summaryInput = z.strictObject({ window: z.enum(Object.keys(WINDOWS) as [SummaryWindow, ...SummaryWindow[]]) });

export type TrendBucket = 'hour' | 'day';
export type FamilySummary = {
  event: EventName;
  label: string;
  count: number;
  lastOccurredAt: string | null;
  /** Counts per UTC bucket covering the window, oldest first (the first and last may be partial); sums to `count`. */
  trend: number[];
};
export type TelemetrySummary = {
  window: SummaryWindow;
  from: string;
  to: string;
  generatedAt: string;
  isEmpty: boolean;
  totalEvents: number;
  activeWorkspaces: number;
  trendBucket: TrendBucket;
  families: FamilySummary[];
};

/**
 * How a window [from, to) is read without scanning the whole ledger, yet exactly:
 * - counts: hourly rollups for the whole hours inside the window, raw rows for the partial hours at
 *   both edges;
 * - active workspaces: day presence for whole days, hour presence for the whole hours of the edge
 *   days, raw rows for the partial hours.
 */
export function windowPlan(from: Date, to: Date) {
  let hA = ceilTo(from, HOUR_MS);
  let hB = floorTo(to, HOUR_MS);
  if (hA >= hB) hA = hB = to; // shorter than one whole hour: raw rows only
  const dA = ceilTo(from, DAY_MS);
  const dB = floorTo(to, DAY_MS);
  const wholeDays = dA < dB && hA < hB;
  return {
    from,
    to,
    hourFrom: hA,
    hourTo: hB,
    dayFrom: wholeDays ? utcDay(dA) : '1970-01-01',
    dayTo: wholeDays ? utcDay(dB) : '1970-01-01',
    // hour presence covers the whole hours that whole days do not
    hourPresence: wholeDays ? ([[hA, dA], [dB, hB]] as const) : ([[hA, hB], [hB, hB]] as const),
  };
}

export async function summarize(db: Db, window: SummaryWindow, now: Date): Promise<TelemetrySummary> {
  const to = now;
  const from = new Date(to.getTime() - WINDOWS[window]);
  const p = windowPlan(from, to);
  const trendBucket: TrendBucket = window === '24h' ? 'hour' : 'day';
  const unit = trendBucket === 'hour' ? HOUR_MS : DAY_MS;
  const buckets: number[] = [];
  for (let b = floorTo(from, unit).getTime(); b < to.getTime(); b += unit) buckets.push(b);
  // One snapshot for both queries, so counts and active workspaces describe the same ledger.
  const [perBucket, workspaces] = await db.$transaction([
    db.$queryRaw<{ event_name: string; bucket: Date; n: bigint; last: Date | null }[]>`
      SELECT event_name, bucket, sum(n)::bigint AS n, max(last) AS last FROM (
        SELECT event_name, date_trunc(${trendBucket}, bucket_start, 'UTC') AS bucket,
               sum(event_count)::bigint AS n, max(last_occurred_at) AS last
          FROM product_usage_hourly_counts
         WHERE bucket_start >= ${p.hourFrom}::timestamptz AND bucket_start < ${p.hourTo}::timestamptz
         GROUP BY 1, 2
        UNION ALL
        SELECT event_name, date_trunc(${trendBucket}, occurred_at, 'UTC'), count(*)::bigint, max(occurred_at)
          FROM product_usage_events
         WHERE (occurred_at >= ${p.from}::timestamptz AND occurred_at < ${p.hourFrom}::timestamptz)
            OR (occurred_at >= ${p.hourTo}::timestamptz AND occurred_at < ${p.to}::timestamptz)
         GROUP BY 1, 2
      ) parts GROUP BY event_name, bucket`,
    db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*)::bigint AS n FROM (
        SELECT workspace_id FROM product_usage_workspace_days
         WHERE day >= ${p.dayFrom}::date AND day < ${p.dayTo}::date
        UNION
        SELECT workspace_id FROM product_usage_workspace_hours
         WHERE (bucket_start >= ${p.hourPresence[0][0]}::timestamptz AND bucket_start < ${p.hourPresence[0][1]}::timestamptz)
            OR (bucket_start >= ${p.hourPresence[1][0]}::timestamptz AND bucket_start < ${p.hourPresence[1][1]}::timestamptz)
        UNION
        SELECT workspace_id FROM product_usage_events
         WHERE (occurred_at >= ${p.from}::timestamptz AND occurred_at < ${p.hourFrom}::timestamptz)
            OR (occurred_at >= ${p.hourTo}::timestamptz AND occurred_at < ${p.to}::timestamptz)
      ) w`,
  ], { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead });
  const bucketIndex = new Map(buckets.map((b, i) => [b, i]));
  const families = EVENT_NAMES.map((event): FamilySummary => {
    const trend = buckets.map(() => 0);
    let last: Date | null = null;
    for (const row of perBucket) {
      if (row.event_name !== event) continue;
      trend[bucketIndex.get(new Date(row.bucket).getTime())!]! += Number(row.n);
      if (row.last && (!last || new Date(row.last) > last)) last = new Date(row.last);
    }
    return {
      event,
      label: CATALOG[event].label,
      count: trend.reduce((a, b) => a + b, 0),
      lastOccurredAt: last ? last.toISOString() : null,
      trend,
    };
  });
  const totalEvents = families.reduce((sum, f) => sum + f.count, 0);
  return {
    window,
    from: from.toISOString(),
    to: to.toISOString(),
    generatedAt: new Date().toISOString(),
    isEmpty: totalEvents === 0,
    totalEvents,
    activeWorkspaces: Number(workspaces[0]?.n ?? 0),
    trendBucket,
    families,
  };
}
