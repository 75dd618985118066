import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { Prisma } from '../db/generated/client.ts';
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
  /** Exact count in the previous window of the same length, [from − (to − from), from). */
  previousCount: number;
  /** Workspaces with at least one event of this family in the window (a count, never a list). */
  activeWorkspaces: number;
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
  /** Workspaces with at least one event of any family in the window. */
  activeWorkspaces: number;
  /** The same for the previous window of the same length. */
  previousActiveWorkspaces: number;
  /** Every workspace, active or not: the denominator of "used by N of M workspaces". */
  totalWorkspaces: number;
  trendBucket: TrendBucket;
  families: FamilySummary[];
};

/**
 * How a window [from, to) is read exactly, without scanning the ledger's rows in the window:
 * - counts: daily rollups for the whole UTC days inside it, hourly rollups for the whole hours of the
 *   two edge days, raw rows for the partial hours at both ends (under two hours of rows);
 * - active workspaces: the activity bits of each workspace and event (see summarize), so the cost
 *   follows the number of workspaces, not the number of events.
 * With `days: false` (an hourly trend) the whole window's whole hours come from the hourly rollups.
 */
export function windowPlan(from: Date, to: Date, opts: { days: boolean } = { days: true }) {
  let hA = ceilTo(from, HOUR_MS);
  let hB = floorTo(to, HOUR_MS);
  if (hA >= hB) hA = hB = to; // shorter than one whole hour: raw rows only
  let dA = ceilTo(from, DAY_MS);
  let dB = floorTo(to, DAY_MS);
  if (!opts.days || dA >= dB || hA >= hB) dA = dB = hB; // no whole day: hourly rollups for [hA, hB)
  return {
    from,
    to,
    /** raw rows: [from, hA) and [hB, to) */
    hourFrom: hA,
    hourTo: hB,
    /** hourly rollups: [hA, dA) and [dB, hB) */
    dayFromTime: dA,
    dayToTime: dB,
    /** daily rollups: [dayFrom, dayTo) (UTC dates) */
    dayFrom: utcDay(dA),
    dayTo: utcDay(dB),
  };
}

/**
 * A window in the hour indexes of the activity bits (hours since the epoch): the whole hours inside
 * [from, to), and every hour that overlaps it (the whole ones plus the partial edge hours).
 */
function activityRange(from: Date, to: Date) {
  const hour = (t: Date) => t.getTime() / HOUR_MS;
  return {
    wholeFrom: hour(ceilTo(from, HOUR_MS)),
    wholeTo: hour(floorTo(to, HOUR_MS)),
    spanFrom: hour(floorTo(from, HOUR_MS)),
    spanTo: hour(ceilTo(to, HOUR_MS)),
  };
}

/** Trend buckets are UTC-aligned, so any part of the plan maps onto them with date_bin. */
const EPOCH = new Date(0);

type Row = { part: 'count' | 'previous' | 'active' | 'previous_active' | 'workspaces'; event_name: string | null; bucket: Date | null; n: bigint; last: Date | null };

/**
 * The rollup and edge-row parts that count [from, to) exactly (see windowPlan), grouped by event and
 * by `bucket(column)` — the trend bucket, or NULL for a plain count.
 */
function countParts(p: ReturnType<typeof windowPlan>, bucket: (column: Prisma.Sql) => Prisma.Sql) {
  const hourly = (a: Date, b: Date) => Prisma.sql`
    SELECT event_name, ${bucket(Prisma.sql`bucket_start`)} AS bucket, sum(event_count) AS n, max(last_occurred_at) AS last
      FROM product_usage_hourly_counts WHERE bucket_start >= ${a}::timestamptz AND bucket_start < ${b}::timestamptz GROUP BY 1, 2`;
  const raw = (a: Date, b: Date) => Prisma.sql`
    SELECT event_name, ${bucket(Prisma.sql`occurred_at`)}, count(*), max(occurred_at)
      FROM product_usage_events WHERE occurred_at >= ${a}::timestamptz AND occurred_at < ${b}::timestamptz GROUP BY 1, 2`;
  return Prisma.sql`
    SELECT event_name, bucket, sum(n)::bigint AS n, max(last) AS last FROM (
      SELECT event_name, ${bucket(Prisma.sql`(day::timestamp AT TIME ZONE 'UTC')`)} AS bucket, sum(event_count) AS n, max(last_occurred_at) AS last
        FROM product_usage_daily_counts WHERE day >= ${p.dayFrom}::date AND day < ${p.dayTo}::date GROUP BY 1, 2
      UNION ALL ${hourly(p.hourFrom, p.dayFromTime)}
      UNION ALL ${hourly(p.dayToTime, p.hourTo)}
      UNION ALL ${raw(p.from, p.hourFrom)}
      UNION ALL ${raw(p.hourTo, p.to)}
    ) parts GROUP BY 1, 2`;
}

export async function summarize(db: Db, window: SummaryWindow, now: Date): Promise<TelemetrySummary> {
  const to = now;
  const from = new Date(to.getTime() - WINDOWS[window]);
  const previousFrom = new Date(from.getTime() - WINDOWS[window]);
  const trendBucket: TrendBucket = window === '24h' ? 'hour' : 'day';
  const unit = trendBucket === 'hour' ? HOUR_MS : DAY_MS;
  const stride = trendBucket === 'hour' ? '1 hour' : '1 day';
  const trend = (column: Prisma.Sql) => Prisma.sql`date_bin(${stride}::interval, ${column}, ${EPOCH}::timestamptz)`;
  const none = () => Prisma.sql`NULL::timestamptz`;
  const five = Prisma.join(EVENT_NAMES.map((e) => Prisma.sql`${e}::text`));
  const current = activityRange(from, to);
  const previous = activityRange(previousFrom, from);
  // One statement, hence one snapshot: counts, previous counts and active workspaces describe the
  // same ledger even while the recorder or a prune batch commits. Each part is one simple range scan:
  // small estimated costs keep the planner from a parallel plan, whose worker start-up would cost more
  // than the work. The previous window needs no trend: whole days suffice.
  //
  // Active workspaces come from the activity bits (one row per workspace and event): a bit set in a
  // whole hour inside the window that the prune cannot have emptied proves activity; no bit set
  // anywhere in the window's hours proves none. Only a workspace with bits in the partial edge hours
  // or in hours at the prune's frontier, and none that prove it, costs one probe of the ledger.
  const rows = await db.$queryRaw<Row[]>`
    WITH trusted AS (
      -- hours from this one on cannot hold a bit the prune made stale (no row of the table: none can)
      SELECT COALESCE((SELECT COALESCE(product_usage_hour_index(pruned_through) + 1, -2147483647) FROM product_usage_prune_state WHERE id = 1), 2147483647) AS h
    ), act AS MATERIALIZED (
      -- per workspace and event, for each window: 2 = proven active, 1 = needs a probe, 0 = inactive.
      -- The last two whole days are tried first: most active pairs are settled by a short bit range.
      SELECT a.workspace_id, a.event_name,
             CASE WHEN product_usage_any_hour(a.hours, a.base_hour, GREATEST(${current.wholeFrom}::int, t.h, ${current.wholeTo - 48}::int), ${current.wholeTo}::int)
                    OR product_usage_any_hour(a.hours, a.base_hour, GREATEST(${current.wholeFrom}::int, t.h), ${current.wholeTo}::int) THEN 2
                  WHEN product_usage_any_hour(a.hours, a.base_hour, ${current.spanFrom}::int, ${current.spanTo}::int) THEN 1 ELSE 0 END AS cur,
             CASE WHEN product_usage_any_hour(a.hours, a.base_hour, GREATEST(${previous.wholeFrom}::int, t.h, ${previous.wholeTo - 48}::int), ${previous.wholeTo}::int)
                    OR product_usage_any_hour(a.hours, a.base_hour, GREATEST(${previous.wholeFrom}::int, t.h), ${previous.wholeTo}::int) THEN 2
                  WHEN product_usage_any_hour(a.hours, a.base_hour, ${previous.spanFrom}::int, ${previous.spanTo}::int) THEN 1 ELSE 0 END AS prev
        FROM product_usage_workspace_activity a CROSS JOIN trusted t
       WHERE a.event_name IN (${five})
    ), cur AS MATERIALIZED (
      SELECT workspace_id, event_name FROM act
       WHERE CASE cur WHEN 2 THEN true
                      WHEN 1 THEN EXISTS (SELECT 1 FROM product_usage_events e
                                           WHERE e.workspace_id = act.workspace_id AND e.event_name = act.event_name
                                             AND e.occurred_at >= ${from}::timestamptz AND e.occurred_at < ${to}::timestamptz)
                      ELSE false END
    ), prev AS (
      SELECT workspace_id FROM act GROUP BY workspace_id
      HAVING CASE max(prev) WHEN 2 THEN true
                            WHEN 1 THEN EXISTS (SELECT 1 FROM product_usage_events e
                                                 WHERE e.workspace_id = act.workspace_id AND e.event_name IN (${five})
                                                   AND e.occurred_at >= ${previousFrom}::timestamptz AND e.occurred_at < ${from}::timestamptz)
                            ELSE false END
    )
    SELECT 'count' AS part, event_name, bucket, n, last FROM (${countParts(windowPlan(from, to, { days: trendBucket === 'day' }), trend)}) c
    UNION ALL
    SELECT 'previous', event_name, NULL, n, NULL FROM (${countParts(windowPlan(previousFrom, from), none)}) p
    UNION ALL
    SELECT 'active', event_name, NULL, count(*), NULL FROM cur GROUP BY event_name
    UNION ALL
    SELECT 'active', NULL, NULL, count(DISTINCT workspace_id), NULL FROM cur
    UNION ALL
    SELECT 'previous_active', NULL, NULL, count(*), NULL FROM prev
    UNION ALL
    SELECT 'workspaces', NULL, NULL, count(*), NULL FROM workspaces`;

  const first = floorTo(from, unit).getTime();
  const trendLength = Math.ceil((to.getTime() - first) / unit);
  const byEvent = new Map(
    EVENT_NAMES.map((event) => [event as string, { trend: new Array<number>(trendLength).fill(0), last: null as Date | null, previousCount: 0, activeWorkspaces: 0 }]),
  );
  const totals = { activeWorkspaces: 0, previousActiveWorkspaces: 0, totalWorkspaces: 0 };
  for (const row of rows) {
    const n = Number(row.n);
    if (row.event_name === null) {
      if (row.part === 'active') totals.activeWorkspaces = n;
      else if (row.part === 'previous_active') totals.previousActiveWorkspaces = n;
      else if (row.part === 'workspaces') totals.totalWorkspaces = n;
      continue;
    }
    const family = byEvent.get(row.event_name);
    if (!family) continue; // not in the catalog (any more): not a family of the summary
    if (row.part === 'previous') family.previousCount += n;
    else if (row.part === 'active') family.activeWorkspaces = n;
    else {
      family.trend[Math.round((new Date(row.bucket!).getTime() - first) / unit)]! += n;
      if (row.last && (!family.last || new Date(row.last) > family.last)) family.last = new Date(row.last);
    }
  }
  const summaries = EVENT_NAMES.map((event): FamilySummary => {
    const { trend, last, previousCount, activeWorkspaces } = byEvent.get(event)!;
    return {
      event,
      label: CATALOG[event].label,
      count: trend.reduce((a, b) => a + b, 0),
      previousCount,
      activeWorkspaces,
      lastOccurredAt: last ? last.toISOString() : null,
      trend,
    };
  });
  const totalEvents = summaries.reduce((sum, f) => sum + f.count, 0);
  return {
    window,
    from: from.toISOString(),
    to: to.toISOString(),
    generatedAt: new Date().toISOString(),
    isEmpty: totalEvents === 0,
    totalEvents,
    ...totals,
    trendBucket,
    families: summaries,
  };
}
