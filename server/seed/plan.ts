import { DAY_MS } from '../telemetry/buckets.ts';
import { EVENT_NAMES, type EventName } from '../telemetry/catalog.ts';

/**
 * The demo's usage, as a founder would recognise it: features of different popularity, a weekly and
 * daily rhythm, workspaces of different sizes joining over the period (adoption ramps up), a few
 * that went quiet, and review packs adopted later than the rest. Pure and deterministic: action `i`
 * of seed `s` depends only on (s, i, days, anchor), so a plan of N actions is the first N of a plan
 * of N + M — which is what lets `seed:demo --events` extend a seeded database and resume after a
 * crash without redoing or doubling anything.
 */

/** How a demo workspace uses the product; times are fractions of the seeded period (0 = its start, 1 = now). */
export type UsageProfile = {
  /** Relative share of the actions while active. */
  size: number;
  /** When its first action may happen; its activity then ramps up over three weeks. */
  joins: number;
  /** When it stopped using the product (went quiet), if it did. */
  quiet?: number;
  /** The families it uses (default: all). */
  uses?: readonly EventName[];
};

export type PlannedAction = { index: number; workspace: string; event: EventName; at: Date };

/** How popular each family is among the actions of a workspace that uses it. */
export const POPULARITY: Record<EventName, number> = {
  'onboarding.checkpoint_completed': 0.09,
  'support.diagnostics_opened': 0.21,
  'operation.started': 0.43,
  'stored_report.created': 0.18,
  'review_pack.generation_requested': 0.09,
};
/** Review packs are the newest feature: nobody requests one before this point of the period. */
export const REVIEW_PACKS_LAUNCH = 0.45;

/** Weekday share of activity (Sunday first): working days, a quiet weekend. */
const WEEKDAY = [0.12, 1, 1, 1, 0.95, 0.8, 0.18];
/** UTC hour-of-day share: a working day, with a little before and after. */
const HOUR = Array.from({ length: 24 }, (_, h) => (h >= 8 && h < 18 ? 1 : h >= 6 && h < 21 ? 0.35 : 0.05));
const RAMP_DAYS = 21;

/** mulberry32: small, fast and good enough for demo data; seeded per action for prefix stability. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const mix = (a: number, b: number) => Math.imul(a ^ Math.imul(b + 0x9e3779b9, 0x85ebca6b), 0xc2b2ae35) ^ (b >>> 13);

function weighted<T>(items: readonly T[], weight: (x: T) => number, r: number): T {
  const total = items.reduce((s, x) => s + weight(x), 0);
  let at = r * total;
  for (const x of items) {
    at -= weight(x);
    if (at < 0) return x;
  }
  return items[items.length - 1]!;
}

/** The action with this index: a workspace (by size and active span), a time in its active span, a family. */
export function plannedAction(
  profiles: Readonly<Record<string, UsageProfile>>,
  opts: { seed: number; index: number; days: number; anchor: Date },
): PlannedAction {
  const random = mulberry32(mix(opts.seed, opts.index));
  const span = opts.days * DAY_MS;
  const start = opts.anchor.getTime() - span;
  const names = Object.keys(profiles);
  const active = (p: UsageProfile) => Math.max(0, (p.quiet ?? 1) - p.joins);
  const workspace = weighted(names, (n) => profiles[n]!.size * active(profiles[n]!), random());
  const p = profiles[workspace]!;
  // Rejection sampling: uniform in the active span, kept with the weekday × hour × ramp-up share.
  let t = 0;
  for (let tries = 0; tries < 1000; tries++) {
    t = start + (p.joins + random() * active(p)) * span;
    const d = new Date(t);
    const ramp = Math.min(1, (t - (start + p.joins * span)) / (RAMP_DAYS * DAY_MS) + 0.15);
    if (random() < WEEKDAY[d.getUTCDay()]! * HOUR[d.getUTCHours()]! * ramp) break;
  }
  // Never at or after the anchor (a seed's "now"), whole milliseconds.
  const at = new Date(Math.min(Math.floor(t), opts.anchor.getTime() - 1));
  const launched = (e: EventName) => e !== 'review_pack.generation_requested' || at.getTime() >= start + REVIEW_PACKS_LAUNCH * span;
  const uses = (p.uses ?? EVENT_NAMES).filter(launched);
  const event = weighted(uses.length ? uses : ['operation.started' as const], (e) => POPULARITY[e], random());
  return { index: opts.index, workspace, event, at };
}

/** Actions `from` … `to − 1` of a plan. */
export function planActions(profiles: Readonly<Record<string, UsageProfile>>, opts: { seed: number; from: number; to: number; days: number; anchor: Date }) {
  const out: PlannedAction[] = [];
  for (let index = opts.from; index < opts.to; index++) out.push(plannedAction(profiles, { ...opts, index }));
  return out;
}

