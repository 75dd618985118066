import type { SqlSession } from '../server/db/client.ts';
import { DAY_MS, HOUR_MS, floorTo } from '../server/telemetry/buckets.ts';
import { EVENT_NAMES } from '../server/telemetry/catalog.ts';
import { WINDOWS, type SummaryWindow, type TelemetrySummary } from '../server/telemetry/summary.ts';

/** What the summary must equal: the raw ledger rows with from <= occurred_at < to, counted directly. */
export type Exact = {
  totalEvents: number;
  activeWorkspaces: number;
  previousActiveWorkspaces: number;
  totalWorkspaces: number;
  families: { event: string; count: number; previousCount: number; activeWorkspaces: number; lastOccurredAt: string | null; trend: number[] }[];
};

/**
 * The naive exact query over the raw table, with the window's bounds and those of the previous window
 * of the same length: count (and latest) per event name and trend bucket; count per event name in the
 * previous window; count(distinct workspace_id) per event name, for any of the five, and for any of
 * them in the previous window; the number of workspaces. No rollup is read.
 */
export async function naiveSummary(s: Pick<SqlSession, 'query'>, window: SummaryWindow, now: Date): Promise<Exact> {
  const to = now;
  const from = new Date(to.getTime() - WINDOWS[window]);
  const previousFrom = new Date(from.getTime() - WINDOWS[window]);
  const unit = window === '24h' ? 'hour' : 'day';
  const unitMs = window === '24h' ? HOUR_MS : DAY_MS;
  const bounds = [from.toISOString(), to.toISOString()];
  // the five names are code-owned constants: literals keep the query portable to every client
  const five = EVENT_NAMES.map((e) => `'${e}'`).join(', ');
  const rows = await s.query<{ event_name: string; bucket: Date | string; n: string | number; last: Date | string }>(
    `SELECT event_name, date_trunc('${unit}', occurred_at, 'UTC') AS bucket, count(*) AS n, max(occurred_at) AS last
       FROM product_usage_events WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz
      GROUP BY 1, 2`,
    bounds,
  );
  const previous = await s.query<{ event_name: string; n: string | number }>(
    `SELECT event_name, count(*) AS n FROM product_usage_events
      WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz GROUP BY 1`,
    [previousFrom.toISOString(), from.toISOString()],
  );
  // GROUPING SETS: per event name, and (event_name NULL) across the five families
  const workspaces = await s.query<{ event_name: string | null; n: string | number }>(
    `SELECT event_name, count(DISTINCT workspace_id) AS n FROM product_usage_events
      WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz AND event_name IN (${five})
      GROUP BY GROUPING SETS ((event_name), ())`,
    bounds,
  );
  const [previousWorkspaces] = await s.query<{ n: string | number }>(
    `SELECT count(DISTINCT workspace_id) AS n FROM product_usage_events
      WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz AND event_name IN (${five})`,
    [previousFrom.toISOString(), from.toISOString()],
  );
  const [allWorkspaces] = await s.query<{ n: string | number }>('SELECT count(*) AS n FROM workspaces');
  const first = floorTo(from, unitMs).getTime();
  const nBuckets = Math.ceil((to.getTime() - first) / unitMs);
  const families = EVENT_NAMES.map((event) => {
    const trend = new Array<number>(nBuckets).fill(0);
    let last: number | null = null;
    for (const r of rows) {
      if (r.event_name !== event) continue;
      trend[Math.round((new Date(r.bucket).getTime() - first) / unitMs)]! += Number(r.n);
      const l = new Date(r.last).getTime();
      if (last === null || l > last) last = l;
    }
    return {
      event,
      count: trend.reduce((a, b) => a + b, 0),
      previousCount: Number(previous.find((r) => r.event_name === event)?.n ?? 0),
      activeWorkspaces: Number(workspaces.find((r) => r.event_name === event)?.n ?? 0),
      lastOccurredAt: last === null ? null : new Date(last).toISOString(),
      trend,
    };
  });
  return {
    totalEvents: families.reduce((a, f) => a + f.count, 0),
    activeWorkspaces: Number(workspaces.find((r) => r.event_name === null)?.n ?? 0),
    previousActiveWorkspaces: Number(previousWorkspaces!.n),
    totalWorkspaces: Number(allWorkspaces!.n),
    families,
  };
}

/** Differences between a summary and the exact answer (empty when they agree). */
export function differences(ours: TelemetrySummary, exact: Exact): string[] {
  const out: string[] = [];
  for (const key of ['totalEvents', 'activeWorkspaces', 'previousActiveWorkspaces', 'totalWorkspaces'] as const) {
    if (ours[key] !== exact[key]) out.push(`${key} ${ours[key]} != ${exact[key]}`);
  }
  for (const e of exact.families) {
    const f = ours.families.find((x) => x.event === e.event);
    if (!f) {
      out.push(`${e.event}: missing`);
      continue;
    }
    for (const key of ['count', 'previousCount', 'activeWorkspaces', 'lastOccurredAt'] as const) {
      if (f[key] !== e[key]) out.push(`${e.event}.${key} ${f[key]} != ${e[key]}`);
    }
    if (JSON.stringify(f.trend) !== JSON.stringify(e.trend)) out.push(`${e.event}.trend [${f.trend}] != [${e.trend}]`);
  }
  return out;
}
