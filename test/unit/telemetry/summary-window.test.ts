import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instant, span } from '../../helpers/time-arbitraries.ts';
import { DAY_MS, HOUR_MS } from '../../../server/telemetry/buckets.ts';
import { WINDOWS, summaryInput, windowPlan } from '../../../server/telemetry/summary.ts';

/**
 * The summary reads a window [from, to) as raw rows at both partial-hour edges plus rollups for the
 * whole hours (and, inside those, whole days) in between. These properties hold for any window: the
 * parts cover every instant of the window exactly once and nothing outside it, so the summary is
 * exact by construction.
 */

const windowArb = fc.tuple(instant, span).map(([to, length]) => ({ from: new Date(to - length), to: new Date(to) }));

type Part = { name: string; from: number; to: number };
const dayStart = (utcDate: string) => Date.parse(`${utcDate}T00:00:00Z`);

/** The parts that serve counts: raw edges and the rollup span between them. */
function countParts(from: Date, to: Date): Part[] {
  const p = windowPlan(from, to);
  return [
    { name: 'raw before', from: p.from.getTime(), to: p.hourFrom.getTime() },
    { name: 'rollups', from: p.hourFrom.getTime(), to: p.hourTo.getTime() },
    { name: 'raw after', from: p.hourTo.getTime(), to: p.to.getTime() },
  ];
}

const containing = (parts: Part[], t: number) => parts.filter((part) => part.from <= t && t < part.to).map((part) => part.name);

describe('windowPlan: how the summary splits a window [from, to)', () => {
  it('keeps the window as given', () => {
    fc.assert(
      fc.property(windowArb, ({ from, to }) => {
        const p = windowPlan(from, to);
        expect([p.from.getTime(), p.to.getTime()]).toEqual([from.getTime(), to.getTime()]);
      }),
      { numRuns: 2000 },
    );
  });

  it('orders the parts from <= hourFrom <= hourTo <= to, with rollup edges on whole UTC hours', () => {
    fc.assert(
      fc.property(windowArb, ({ from, to }) => {
        const p = windowPlan(from, to);
        expect(from.getTime()).toBeLessThanOrEqual(p.hourFrom.getTime());
        expect(p.hourFrom.getTime()).toBeLessThanOrEqual(p.hourTo.getTime());
        expect(p.hourTo.getTime()).toBeLessThanOrEqual(to.getTime());
        if (p.hourFrom < p.hourTo) {
          expect(p.hourFrom.getTime() % HOUR_MS).toBe(0);
          expect(p.hourTo.getTime() % HOUR_MS).toBe(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads raw rows only for the partial hours at the edges (each edge shorter than one hour)', () => {
    fc.assert(
      fc.property(windowArb, ({ from, to }) => {
        const p = windowPlan(from, to);
        if (p.hourFrom < p.hourTo) {
          expect(p.hourFrom.getTime() - from.getTime()).toBeLessThan(HOUR_MS);
          expect(to.getTime() - p.hourTo.getTime()).toBeLessThan(HOUR_MS);
          // every whole hour inside the window is read from the rollups
          expect(p.hourFrom.getTime()).toBe(Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS);
          expect(p.hourTo.getTime()).toBe(Math.floor(to.getTime() / HOUR_MS) * HOUR_MS);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('puts every instant of the window in exactly one part, and no instant outside it in any', () => {
    fc.assert(
      fc.property(
        windowArb.chain(({ from, to }) =>
          fc.tuple(
            fc.constant({ from, to }),
            fc.oneof(
              fc.integer({ min: from.getTime() - DAY_MS, max: to.getTime() + DAY_MS }),
              fc.constantFrom(from.getTime() - 1, from.getTime(), to.getTime() - 1, to.getTime()),
            ),
          ),
        ),
        ([{ from, to }, t]) => {
          const parts = countParts(from, to);
          const inWindow = from.getTime() <= t && t < to.getTime();
          expect(containing(parts, t)).toHaveLength(inWindow ? 1 : 0);
          // the whole hours and their boundaries too
          const p = windowPlan(from, to);
          for (const edge of [p.hourFrom.getTime(), p.hourTo.getTime()]) {
            const edgeInWindow = from.getTime() <= edge && edge < to.getTime();
            expect(containing(parts, edge)).toHaveLength(edgeInWindow ? 1 : 0);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads daily rollups, if any, only for whole UTC days inside the rollup span', () => {
    fc.assert(
      fc.property(windowArb, ({ from, to }) => {
        const p = windowPlan(from, to);
        if (p.dayFrom < p.dayTo) {
          const a = dayStart(p.dayFrom);
          const b = dayStart(p.dayTo);
          expect(a % DAY_MS).toBe(0);
          expect(p.hourFrom.getTime()).toBeLessThanOrEqual(a);
          expect(b).toBeLessThanOrEqual(p.hourTo.getTime());
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('uses no rollup at all for a window shorter than one whole hour', () => {
    const from = new Date('2026-03-01T10:15:00.000Z');
    const to = new Date('2026-03-01T11:14:59.999Z');
    const p = windowPlan(from, to);
    expect(p.hourFrom.getTime()).toBe(p.hourTo.getTime());
    expect(containing(countParts(from, to), Date.parse('2026-03-01T11:00:00Z'))).toEqual([expect.stringMatching(/^raw/)]);
  });

  it('reads a window from one exact hour to another entirely from the hourly rollups', () => {
    const from = new Date('2026-03-01T10:00:00.000Z');
    const to = new Date('2026-03-01T13:00:00.000Z');
    expect(windowPlan(from, to)).toMatchObject({ hourFrom: from, hourTo: to });
  });

  it('reads a window from one midnight to another with whole days, and no raw edge', () => {
    const from = new Date('2026-03-01T00:00:00.000Z');
    const to = new Date('2026-03-31T00:00:00.000Z');
    const p = windowPlan(from, to);
    expect(p).toMatchObject({ hourFrom: from, hourTo: to, dayFrom: '2026-03-01', dayTo: '2026-03-31' });
  });

  it('splits a 24-hour window that starts and ends mid-hour into two raw edges and 23 whole hours', () => {
    const to = new Date('2026-03-02T09:30:00.000Z');
    const p = windowPlan(new Date(to.getTime() - WINDOWS['24h']), to);
    expect(p.hourFrom.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(p.hourTo.toISOString()).toBe('2026-03-02T09:00:00.000Z');
    expect((p.hourTo.getTime() - p.hourFrom.getTime()) / HOUR_MS).toBe(23);
  });
});

describe('the summary window input', () => {
  it('offers exactly the dashboard windows 24h, 7d, 30d and 90d', () => {
    expect(WINDOWS).toEqual({ '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, '90d': 90 * DAY_MS });
    for (const window of Object.keys(WINDOWS)) expect(summaryInput.safeParse({ window }).success).toBe(true);
  });

  it('refuses any other window, naming the field, and unknown keys', () => {
    for (const window of ['1h', '365d', '', '24H', 24]) {
      const result = summaryInput.safeParse({ window });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['window']);
    }
    expect(summaryInput.safeParse({ window: '7d', tenantId: 'x' }).success).toBe(false);
  });
});
