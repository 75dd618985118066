import type { TelemetrySummary } from '../../../console/contract.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export type TrendBucketInfo = {
  start: Date;
  /** The first bucket when the window starts inside it, or the last when the window ends inside it. */
  partial: 'start' | 'end' | null;
};

/**
 * The UTC buckets of a summary's trend (the same `floor(from)` … `to` the server counts), and which of
 * them the window covers only in part: the current bucket is still filling up ("so far"), and the
 * first one is cut at the window's start — neither may be read as a drop.
 */
export function trendBuckets(summary: Pick<TelemetrySummary, 'from' | 'to' | 'trendBucket'>, length: number): TrendBucketInfo[] {
  const unit = summary.trendBucket === 'hour' ? HOUR_MS : DAY_MS;
  const from = Date.parse(summary.from);
  const to = Date.parse(summary.to);
  const first = Math.floor(from / unit) * unit;
  return Array.from({ length }, (_, i) => {
    const start = first + i * unit;
    const partial = i === length - 1 && start + unit > to ? 'end' : i === 0 && start < from ? 'start' : null;
    return { start: new Date(start), partial };
  });
}

const utc = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' });
const dayFormat = utc({ weekday: 'short', day: 'numeric', month: 'short' });
const hourFormat = utc({ weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const tickDay = utc({ day: 'numeric', month: 'short' });
const tickHour = utc({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** A bucket's start in UTC: "Tue 1 Dec" (days) or "Tue 1 Dec, 14:00" (hours). */
export function formatBucket(start: Date, bucket: TelemetrySummary['trendBucket']): string {
  return bucket === 'hour' ? `${hourFormat.format(start)} UTC` : `${dayFormat.format(start)} (UTC)`;
}

/** A short axis tick: "1 Dec" or "14:00". */
export function formatTick(start: Date, bucket: TelemetrySummary['trendBucket']): string {
  return bucket === 'hour' ? tickHour.format(start) : tickDay.format(start);
}

/** How a bucket's partial state reads next to its count. */
export function partialNote(partial: TrendBucketInfo['partial'], summary: Pick<TelemetrySummary, 'from' | 'to' | 'trendBucket'>): string {
  if (partial === 'end') return `so far (until ${tickHour.format(new Date(summary.to))} UTC)`;
  if (partial === 'start') return `partial (from ${tickHour.format(new Date(summary.from))} UTC)`;
  return '';
}
