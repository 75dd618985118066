import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instant, span } from '../helpers/time-arbitraries.ts';
import { DAY_MS, HOUR_MS } from '../../server/telemetry/buckets.ts';
import { WINDOWS, windowPlan } from '../../server/telemetry/summary.ts';

/**
 * The five parts the summary reads a window [from, to) from — raw rows before the first whole hour,
 * hourly rollups up to the first whole day, daily rollups, hourly rollups after the last whole day,
 * raw rows after the last whole hour — partition the window exactly, whatever its length and edges,
 * with and without daily rollups (the hourly trend of the 24h window reads no daily rows).
 */

function parts(from: Date, to: Date, days: boolean) {
  const p = windowPlan(from, to, { days });
  const day = (d: string) => Date.parse(`${d}T00:00:00Z`);
  return {
    p,
    list: [
      { name: 'raw before', a: p.from.getTime(), b: p.hourFrom.getTime() },
      { name: 'hourly before', a: p.hourFrom.getTime(), b: p.dayFromTime.getTime() },
      { name: 'daily', a: day(p.dayFrom), b: day(p.dayTo) },
      { name: 'hourly after', a: p.dayToTime.getTime(), b: p.hourTo.getTime() },
      { name: 'raw after', a: p.hourTo.getTime(), b: p.to.getTime() },
    ],
  };
}

describe('windowPlan parts', () => {
  it('follow each other without gap or overlap from `from` to `to`, each on the right grid', () => {
    fc.assert(
      fc.property(instant, span, fc.boolean(), (end, length, days) => {
        const from = new Date(end - length);
        const to = new Date(end);
        const { p, list } = parts(from, to, days);
        const nonEmpty = list.filter((x) => x.a < x.b);
        expect(nonEmpty[0]?.a ?? from.getTime()).toBe(from.getTime());
        expect(nonEmpty.at(-1)?.b ?? to.getTime()).toBe(to.getTime());
        for (let i = 1; i < nonEmpty.length; i++) expect(nonEmpty[i]!.a).toBe(nonEmpty[i - 1]!.b);
        for (const x of list) expect(x.a).toBeLessThanOrEqual(x.b);
        // raw edges are partial hours (or the whole window, when it holds no whole hour); rollup
        // parts sit on whole hours and whole UTC days
        if (p.hourFrom >= p.hourTo) expect(to.getTime() - from.getTime()).toBeLessThan(2 * HOUR_MS);
        else {
          expect(p.hourFrom.getTime() - from.getTime()).toBeLessThan(HOUR_MS);
          expect(to.getTime() - p.hourTo.getTime()).toBeLessThan(HOUR_MS);
          for (const t of [p.hourFrom, p.hourTo, p.dayFromTime, p.dayToTime]) expect(t.getTime() % HOUR_MS).toBe(0);
        }
        if (p.dayFrom < p.dayTo) {
          expect(days).toBe(true);
          expect(p.dayFromTime.getTime() % DAY_MS).toBe(0);
          expect(p.dayToTime.getTime() % DAY_MS).toBe(0);
          // hourly rollups only on the two edge days
          expect(p.dayFromTime.getTime() - p.hourFrom.getTime()).toBeLessThan(DAY_MS);
          expect(p.hourTo.getTime() - p.dayToTime.getTime()).toBeLessThan(DAY_MS);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('reads a 90-day window ending mid-hour from 89 whole days, 23 whole hours and two partial hours', () => {
    const to = new Date('2026-06-15T13:27:41.123Z');
    const { p } = parts(new Date(to.getTime() - WINDOWS['90d']), to, true);
    expect([p.dayFrom, p.dayTo]).toEqual(['2026-03-18', '2026-06-15']);
    expect((p.dayFromTime.getTime() - p.hourFrom.getTime()) / HOUR_MS + (p.hourTo.getTime() - p.dayToTime.getTime()) / HOUR_MS).toBe(10 + 13);
  });
});
