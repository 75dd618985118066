import fc from 'fast-check';
import { DAY_MS, HOUR_MS } from '../../server/telemetry/buckets.ts';
import { WINDOWS } from '../../server/telemetry/summary.ts';

const START = Date.UTC(2024, 0, 1);

/** Instants from 2024 to 2027, often exactly on an hour or a day boundary, or one ms off one. */
export const instant = fc
  .tuple(
    fc.integer({ min: 0, max: 3 * 365 }),
    fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 23 }).map((h) => h * HOUR_MS),
      fc.integer({ min: 0, max: 23 }).chain((h) => fc.constantFrom(h * HOUR_MS - 1, h * HOUR_MS + 1)),
      fc.integer({ min: 0, max: DAY_MS - 1 }),
    ),
  )
  .map(([day, offset]) => START + day * DAY_MS + offset);

/** Window lengths from 1 ms to 120 days, including every dashboard window and sub-hour ones. */
export const span = fc.oneof(
  fc.constantFrom(...Object.values(WINDOWS)),
  fc.integer({ min: 1, max: HOUR_MS - 1 }),
  fc.integer({ min: 1, max: 2 * HOUR_MS }),
  fc.integer({ min: 1, max: 3 * DAY_MS }),
  fc.integer({ min: 1, max: 120 * DAY_MS }),
);
