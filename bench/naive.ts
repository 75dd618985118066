import type { SqlSession } from '../server/db/client.ts';
import { DAY_MS, HOUR_MS, floorTo } from '../server/telemetry/buckets.ts';
import { EVENT_NAMES } from '../server/telemetry/catalog.ts';
import { WINDOWS, type SummaryWindow, type TelemetrySummary } from '../server/telemetry/summary.ts';

/** What the summary must equal: the raw ledger rows with from <= occurred_at < to, counted directly. */
export type Exact = {
  totalEvents: number;
  activeWorkspaces: number;
  families: { event: string; count: number; lastOccurredAt: string | null; trend: number[] }[];
};

/**
 * The naive exact query over the raw table: count (and latest) per event name and trend bucket, plus
 * count(distinct workspace_id), with the window's bounds. No rollup is read.
 */
export async function naiveSummary(s: Pick<SqlSession, 'query'>, window: SummaryWindow, now: Date): Promise<Exact> {
  const to = now;
  const from = new Date(to.getTime() - WINDOWS[window]);
  const unit = window === '24h' ? 'hour' : 'day';
  const unitMs = window === '24h' ? HOUR_MS : DAY_MS;
  const rows = await s.query<{ event_name: string; bucket: Date | string; n: string | number; last: Date | string }>(
    `SELECT event_name, date_trunc('${unit}', occurred_at, 'UTC') AS bucket, count(*) AS n, max(occurred_at) AS last
       FROM product_usage_events WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz
      GROUP BY 1, 2`,
    [from.toISOString(), to.toISOString()],
  );
  const [ws] = await s.query<{ n: string | number }>(
    `SELECT count(DISTINCT workspace_id) AS n FROM product_usage_events
      WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz`,
    [from.toISOString(), to.toISOString()],
  );
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
    return { event, count: trend.reduce((a, b) => a + b, 0), lastOccurredAt: last === null ? null : new Date(last).toISOString(), trend };
  });
  return { totalEvents: families.reduce((a, f) => a + f.count, 0), activeWorkspaces: Number(ws!.n), families };
}

/** Differences between a summary and the exact answer (empty when they agree). */
export function differences(ours: TelemetrySummary, exact: Exact): string[] {
  const out: string[] = [];
  if (ours.totalEvents !== exact.totalEvents) out.push(`totalEvents ${ours.totalEvents} != ${exact.totalEvents}`);
  if (ours.activeWorkspaces !== exact.activeWorkspaces) out.push(`activeWorkspaces ${ours.activeWorkspaces} != ${exact.activeWorkspaces}`);
  for (const e of exact.families) {
    const f = ours.families.find((x) => x.event === e.event);
    if (!f) {
      out.push(`${e.event}: missing`);
      continue;
    }
    if (f.count !== e.count) out.push(`${e.event}.count ${f.count} != ${e.count}`);
    if (f.lastOccurredAt !== e.lastOccurredAt) out.push(`${e.event}.lastOccurredAt ${f.lastOccurredAt} != ${e.lastOccurredAt}`);
    if (JSON.stringify(f.trend) !== JSON.stringify(e.trend)) out.push(`${e.event}.trend [${f.trend}] != [${e.trend}]`);
  }
  return out;
}
