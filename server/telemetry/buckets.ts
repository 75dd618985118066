/** UTC time buckets shared by the recorder, the summary and the prune, so they always agree. */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Hourly counts are spread over this many rows per (hour, event) to avoid one hot row. */
export const COUNT_SHARDS = 8;

export const floorTo = (t: Date, unit: number) => new Date(Math.floor(t.getTime() / unit) * unit);
export const ceilTo = (t: Date, unit: number) => new Date(Math.ceil(t.getTime() / unit) * unit);
/** `YYYY-MM-DD` of the UTC day holding `t` (the type of `product_usage_daily_counts.day`). */
export const utcDay = (t: Date) => t.toISOString().slice(0, 10);

/**
 * The count shard of a ledger row, derived from its id so that prune can decrement the same row
 * the recorder incremented. SQL twin: `get_byte(uuid_send(id), 0) % 8`.
 */
export const shardOf = (id: string) => parseInt(id.slice(0, 2), 16) % COUNT_SHARDS;
