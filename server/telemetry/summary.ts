import { z } from 'zod';
import { Prisma, type Db } from '../db/client.ts';
import { DAY_MS, HOUR_MS, ceilTo, floorTo, utcDay } from './buckets.ts';
import { CATALOG, EVENT_NAMES, type EventName } from './catalog.ts';

export const WINDOWS = { '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, '90d': 90 * DAY_MS } as const;
export type SummaryWindow = keyof typeof WINDOWS;
export const summaryInput = z.strictObject({ window: z.enum(Object.keys(WINDOWS) as [SummaryWindow, ...SummaryWindow[]]) });

export type FamilySummary = { event: EventName; label: string; count: number; lastOccurredAt: string | null };
export type TelemetrySummary = {
  window: SummaryWindow;
  from: string;
  to: string;
  generatedAt: string;
  isEmpty: boolean;
  totalEvents: number;
  activeWorkspaces: number;
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
  // One snapshot for both queries, so counts and active workspaces describe the same ledger.
  const [perEvent, workspaces] = await db.$transaction([
    db.$queryRaw<{ event_name: string; n: bigint; last: Date | null }[]>`
      SELECT event_name, sum(n)::bigint AS n, max(last) AS last FROM (
        SELECT event_name, sum(event_count)::bigint AS n, max(last_occurred_at) AS last
          FROM product_usage_hourly_counts
         WHERE bucket_start >= ${p.hourFrom}::timestamptz AND bucket_start < ${p.hourTo}::timestamptz
         GROUP BY event_name
        UNION ALL
        SELECT event_name, count(*)::bigint, max(occurred_at)
          FROM product_usage_events
         WHERE (occurred_at >= ${p.from}::timestamptz AND occurred_at < ${p.hourFrom}::timestamptz)
            OR (occurred_at >= ${p.hourTo}::timestamptz AND occurred_at < ${p.to}::timestamptz)
         GROUP BY event_name
      ) parts GROUP BY event_name`,
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
  const byEvent = new Map(perEvent.map((r) => [r.event_name, r]));
  const families = EVENT_NAMES.map((event) => {
    const row = byEvent.get(event);
    return {
      event,
      label: CATALOG[event].label,
      count: Number(row?.n ?? 0),
      lastOccurredAt: row?.last ? new Date(row.last).toISOString() : null,
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
    families,
  };
}
