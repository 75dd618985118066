import { describe, expect, it } from 'vitest';
import { DEMO, USAGE } from '../../../server/seed/demo.ts';
import { planActions, REVIEW_PACKS_LAUNCH } from '../../../server/seed/plan.ts';
import { DAY_MS } from '../../../server/telemetry/buckets.ts';

/** The demo usage plan looks like a product in use, and is the same for the same seed. */
const ANCHOR = new Date('2026-06-15T13:27:41.123Z');
const DAYS = 90;
const plan = planActions(USAGE, { seed: 243, from: 0, to: 6000, days: DAYS, anchor: ANCHOR });
const start = ANCHOR.getTime() - DAYS * DAY_MS;
const fraction = (t: Date) => (t.getTime() - start) / (DAYS * DAY_MS);
const count = <T,>(xs: T[], key: (x: T) => string) => xs.reduce((m, x) => m.set(key(x), (m.get(key(x)) ?? 0) + 1), new Map<string, number>());

describe('the demo usage plan', () => {
  it('is deterministic for a seed, differs for another, and a longer plan starts with the shorter one', () => {
    expect(planActions(USAGE, { seed: 243, from: 0, to: 500, days: DAYS, anchor: ANCHOR })).toEqual(plan.slice(0, 500));
    expect(planActions(USAGE, { seed: 244, from: 0, to: 500, days: DAYS, anchor: ANCHOR })).not.toEqual(plan.slice(0, 500));
  });

  it('stays inside the period, before its end', () => {
    for (const a of plan) {
      expect(a.at.getTime()).toBeGreaterThanOrEqual(start);
      expect(a.at.getTime()).toBeLessThan(ANCHOR.getTime());
    }
  });

  it('gives the families different popularity: operations most, then support and reports, onboarding and packs least', () => {
    const n = count(plan, (a) => a.event);
    const ops = n.get('operation.started')!;
    const support = n.get('support.diagnostics_opened')!;
    const reports = n.get('stored_report.created')!;
    expect(ops).toBeGreaterThan(1.5 * support);
    expect(support).toBeGreaterThan(reports);
    expect(reports).toBeGreaterThan(n.get('onboarding.checkpoint_completed')!);
    expect(reports).toBeGreaterThan(n.get('review_pack.generation_requested')!);
  });

  it('has a weekly rhythm: a working day sees several times the actions of a Sunday', () => {
    const byDay = count(plan, (a) => String(a.at.getUTCDay()));
    expect(byDay.get('2')!).toBeGreaterThan(3 * byDay.get('0')!);
  });

  it('ramps up: the last 30 days hold more actions than the first 30, and workspaces join over the period', () => {
    expect(plan.filter((a) => fraction(a.at) >= 2 / 3).length).toBeGreaterThan(2 * plan.filter((a) => fraction(a.at) < 1 / 3).length);
    for (const [slug, profile] of Object.entries(USAGE)) {
      const mine = plan.filter((a) => a.workspace === slug);
      expect(mine.length, slug).toBeGreaterThan(0);
      expect(Math.min(...mine.map((a) => fraction(a.at))), slug).toBeGreaterThanOrEqual(profile.joins);
      // a few went quiet: nothing after
      if (profile.quiet !== undefined) expect(Math.max(...mine.map((a) => fraction(a.at))), slug).toBeLessThan(profile.quiet);
    }
    expect(Object.values(USAGE).filter((p) => p.quiet !== undefined).length).toBeGreaterThanOrEqual(2);
  });

  it('has workspaces of different sizes, using only their families; review packs only after their launch', () => {
    const sizes = [...count(plan, (a) => a.workspace).values()].sort((a, b) => a - b);
    expect(sizes.at(-1)!).toBeGreaterThan(8 * sizes[0]!);
    for (const a of plan) {
      const uses = USAGE[a.workspace]!.uses;
      if (uses) expect(uses).toContain(a.event);
      if (a.event === 'review_pack.generation_requested') expect(fraction(a.at)).toBeGreaterThanOrEqual(REVIEW_PACKS_LAUNCH);
    }
    expect(DEMO.workspaces).toHaveLength(12);
  });
});
