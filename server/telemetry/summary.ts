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
 * - active workspaces: index probes per workspace into (workspace_id, event_name, occurred_at) — "any
 *   row of this family in [from, to)?" — so the cost follows the number of workspaces, not of events.
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
  const families = Prisma.join(EVENT_NAMES.map((e) => Prisma.sql`(${e}::text)`));
  const names = Prisma.join(EVENT_NAMES.map((e) => Prisma.sql`${e}::text`));
  // One statement, hence one snapshot: counts, previous counts and active workspaces describe the
  // same ledger even while the recorder or a prune batch commits. Each part is one simple range scan
  // or index probe: small estimated costs keep the planner from a parallel plan, whose worker
  // start-up would cost more than the work. The previous window needs no trend: whole days suffice.
  const rows = await db.$queryRaw<Row[]>`
    WITH hits AS MATERIALIZED (
      -- LATERAL … LIMIT 1 keeps this one probe per workspace and family whatever the planner estimates
      SELECT w.id AS workspace_id, f.event_name FROM workspaces w CROSS JOIN (VALUES ${families}) f(event_name)
       CROSS JOIN LATERAL (SELECT 1 FROM product_usage_events e
                            WHERE e.workspace_id = w.id AND e.event_name = f.event_name
                              AND e.occurred_at >= ${from}::timestamptz AND e.occurred_at < ${to}::timestamptz LIMIT 1) hit)
    SELECT 'count' AS part, event_name, bucket, n, last FROM (${countParts(windowPlan(from, to, { days: trendBucket === 'day' }), trend)}) c
    UNION ALL
    SELECT 'previous', event_name, NULL, n, NULL FROM (${countParts(windowPlan(previousFrom, from), none)}) p
    UNION ALL
    SELECT 'active', event_name, NULL, count(*), NULL FROM hits GROUP BY event_name
    UNION ALL
    SELECT 'active', NULL, NULL, count(DISTINCT workspace_id), NULL FROM hits
    UNION ALL
    -- one probe per workspace; the executor tries the five families in turn and stops at the first hit
    SELECT 'previous_active', NULL, NULL, count(*), NULL FROM workspaces w
     CROSS JOIN LATERAL (SELECT 1 FROM product_usage_events e
                          WHERE e.workspace_id = w.id AND e.event_name IN (${names})
                            AND e.occurred_at >= ${previousFrom}::timestamptz AND e.occurred_at < ${from}::timestamptz LIMIT 1) hit
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
