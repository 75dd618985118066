import type { Database } from '../server/db/client.ts';
import { createLogger, createMetrics } from '../server/observability.ts';
import { DAY_MS } from '../server/telemetry/buckets.ts';
import { DEFAULT_PRUNE_BATCH, pruneProductUsage } from '../server/telemetry/prune.ts';
import { WINDOWS, summarize, type SummaryWindow } from '../server/telemetry/summary.ts';
import { differences, naiveSummary } from './naive.ts';
import { figure, timed, type Figure } from './lib/stats.ts';
import { InexactSummary } from './summary.ts';

export type PruneBenchResult = {
  retentionDays: number;
  rowsPastRetention: number;
  deleted: number;
  batches: number;
  batchSize: number;
  totalMs: number;
  longestBatchMs: number;
  medianBatchMs: number;
  summaryBefore: Figure;
  summaryDuring: Figure;
  /** p95 during / p95 before */
  p95Ratio: number;
  /** after the prune: summary == naive for every window, and rollups == ledger over the pruned region */
  exactAfter: boolean;
};

const windows = Object.keys(WINDOWS) as SummaryWindow[];

/**
 * (d) Prune of the rows past retention on PostgreSQL, run from its own connection pool (another
 * replica), while this process keeps asking for summaries of every window; compared with the same
 * summary loop before the prune.
 */
export async function benchPrune(
  reader: Database,
  pruner: Database,
  opts: { retentionDays: number; beforeSamples: number },
): Promise<PruneBenchResult> {
  const now = new Date();
  const cutoff = new Date(now.getTime() - opts.retentionDays * DAY_MS);
  const [past] = await reader.prisma.$queryRaw<{ n: bigint }[]>`
    SELECT count(*)::bigint AS n FROM product_usage_events WHERE occurred_at < ${cutoff}::timestamptz`;

  for (const w of windows) await summarize(reader.prisma, w, new Date()); // warm-up
  const before: number[] = [];
  for (let i = 0; i < opts.beforeSamples; i++) {
    before.push((await timed(() => summarize(reader.prisma, windows[i % windows.length]!, new Date()))).ms);
  }

  const during: number[] = [];
  let done = false;
  const loop = (async () => {
    for (let i = 0; !done; i++) during.push((await timed(() => summarize(reader.prisma, windows[i % windows.length]!, new Date()))).ms);
  })();
  const batchMs: number[] = [];
  let last = performance.now();
  const t0 = last;
  const result = await pruneProductUsage(
    { db: pruner, log: createLogger('silent'), metrics: createMetrics() },
    {
      retentionDays: opts.retentionDays,
      now,
      onBatch: () => {
        const t = performance.now();
        batchMs.push(t - last);
        last = t;
      },
    },
  );
  const totalMs = performance.now() - t0;
  done = true;
  await loop;
  if (result.status !== 'done') throw new Error(`prune did not run: ${result.reason}`);

  // Exact afterwards: every window against the naive query, and the rollups of the pruned region
  // (up to the day after the cutoff) against the ledger rows left there.
  const at = new Date();
  for (const w of windows) {
    const exact = await reader.withSession((s) => naiveSummary(s, w, at));
    const diff = differences(await summarize(reader.prisma, w, at), exact);
    if (diff.length) throw new InexactSummary(`after prune, ${w}: ${diff.slice(0, 5).join('; ')}`);
  }
  const edge = new Date(Math.ceil(cutoff.getTime() / DAY_MS) * DAY_MS + DAY_MS);
  const [check] = await reader.prisma.$queryRaw<{ ledger: bigint; hourly: bigint | null; daily: bigint | null; left: bigint }[]>`
    SELECT (SELECT count(*) FROM product_usage_events WHERE occurred_at < ${edge}::timestamptz)::bigint AS ledger,
           (SELECT sum(event_count) FROM product_usage_hourly_counts WHERE bucket_start < ${edge}::timestamptz)::bigint AS hourly,
           (SELECT sum(event_count) FROM product_usage_daily_counts WHERE day < (${edge}::timestamptz AT TIME ZONE 'UTC')::date)::bigint AS daily,
           (SELECT count(*) FROM product_usage_events WHERE occurred_at < ${cutoff}::timestamptz)::bigint AS left`;
  const exactAfter = Number(check!.ledger) === Number(check!.hourly ?? 0) && Number(check!.ledger) === Number(check!.daily ?? 0);
  if (!exactAfter || Number(check!.left) !== 0) {
    throw new InexactSummary(`after prune: ledger ${check!.ledger}, hourly ${check!.hourly}, daily ${check!.daily}, left past cutoff ${check!.left}`);
  }

  const fb = figure(before);
  const fd = figure(during);
  return {
    retentionDays: opts.retentionDays,
    rowsPastRetention: Number(past!.n),
    deleted: result.deleted,
    batches: result.batches,
    batchSize: DEFAULT_PRUNE_BATCH,
    totalMs,
    longestBatchMs: Math.max(0, ...batchMs),
    medianBatchMs: figure(batchMs).median,
    summaryBefore: fb,
    summaryDuring: fd,
    p95Ratio: fd.p95 / fb.p95,
    exactAfter,
  };
}
