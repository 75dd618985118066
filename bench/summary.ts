import type { Database } from '../server/db/client.ts';
import { DAY_MS, HOUR_MS, floorTo } from '../server/telemetry/buckets.ts';
import { WINDOWS, summarize, type SummaryWindow } from '../server/telemetry/summary.ts';
import { differences, naiveSummary } from './naive.ts';
import { figure, timed, type Figure } from './lib/stats.ts';

export type SummaryResult = {
  database: 'postgres' | 'pglite';
  ledgerRows: number;
  window: SummaryWindow;
  ours: Figure;
  naive: Figure;
  /** naive median / ours median */
  ratio: number;
  /** every run of ours was compared with the naive answer for the same `now` */
  exactRuns: number;
};

export class InexactSummary extends Error {
  override name = 'InexactSummary';
}

/**
 * The `now` values of the runs: the data's end and points before it that put the window's edges in
 * partial hours, exactly on an hour boundary and exactly on a UTC day boundary.
 */
export function benchNows(end: Date, count: number): Date[] {
  const t = end.getTime();
  const all = [
    new Date(t),
    new Date(t - 37 * 60_000 - 12_345),
    floorTo(new Date(t - 2 * HOUR_MS), HOUR_MS),
    new Date(t - 13 * HOUR_MS - 1_500),
    floorTo(new Date(t), DAY_MS),
    new Date(t - 3 * DAY_MS - 5 * HOUR_MS - 59 * 60_000 - 999),
    new Date(t - 29 * 60_000 - 1),
    new Date(t - 47 * HOUR_MS),
  ];
  return all.slice(0, count);
}

/**
 * (a) Summary latency for every window against the naive exact query over the raw table, with the
 * same bounds. For each `now`: the naive answer once, then `oursPerNow` summaries, each of which must
 * equal it (counts, latest times, trends, active workspaces) or the bench fails.
 */
export async function benchSummary(
  database: Database,
  opts: { ledgerRows: number; nows: Date[]; oursPerNow: number; onWindow?: (w: SummaryWindow) => void },
): Promise<SummaryResult[]> {
  const results: SummaryResult[] = [];
  for (const window of Object.keys(WINDOWS) as SummaryWindow[]) {
    opts.onWindow?.(window);
    const ours: number[] = [];
    const naive: number[] = [];
    await summarize(database.prisma, window, opts.nows[0]!); // warm-up: connection, plan cache
    for (const now of opts.nows) {
      const exact = await timed(() => database.withSession((s) => naiveSummary(s, window, now)));
      naive.push(exact.ms);
      for (let i = 0; i < opts.oursPerNow; i++) {
        const run = await timed(() => summarize(database.prisma, window, now));
        ours.push(run.ms);
        const diff = differences(run.value, exact.value);
        if (diff.length) throw new InexactSummary(`${database.kind} ${window} now=${now.toISOString()}: ${diff.slice(0, 5).join('; ')}`);
      }
    }
    const o = figure(ours);
    const n = figure(naive);
    results.push({ database: database.kind, ledgerRows: opts.ledgerRows, window, ours: o, naive: n, ratio: n.median / o.median, exactRuns: ours.length });
  }
  return results;
}
