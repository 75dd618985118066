import { vi } from 'vitest';
import type { ApiError, ApiResult, ConsoleApi, FamilySummary, SummaryWindow, TelemetrySummary } from '../../../console/contract.ts';

/** The five families, in the order and with the labels the spec fixes. */
export const FAMILY_LABELS = ['Onboarding checkpoints', 'Support diagnostics', 'Operations started', 'Stored reports', 'Review packs requested'];
const EVENTS: FamilySummary['event'][] = [
  'onboarding.checkpoint_completed',
  'support.diagnostics_opened',
  'operation.started',
  'stored_report.created',
  'review_pack.generation_requested',
];

const WINDOW_MS: Record<SummaryWindow, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '90d': 90 * 86_400_000 };

/** A summary as the API sends it; `counts` per family in catalog order, `lastAgoMs` per family. */
export function summaryOf(
  window: SummaryWindow,
  opts: {
    counts?: number[];
    previousCounts?: number[];
    breadth?: number[];
    lastAgoMs?: (number | null)[];
    activeWorkspaces?: number;
    previousActiveWorkspaces?: number;
    totalWorkspaces?: number;
    trend?: boolean;
    now?: number;
  } = {},
): TelemetrySummary {
  const now = opts.now ?? Date.now();
  const counts = opts.counts ?? [0, 0, 0, 0, 0];
  // as the server counts them: UTC buckets from floor(from) to `to`, the first and last maybe partial
  const unit = window === '24h' ? 3_600_000 : 86_400_000;
  const buckets = Math.ceil((now - Math.floor((now - WINDOW_MS[window]) / unit) * unit) / unit);
  const families = EVENTS.map((event, i) => {
    const count = counts[i] ?? 0;
    const ago = opts.lastAgoMs?.[i] ?? (count ? 3.5 * 3_600_000 : null);
    const trend = Array.from({ length: buckets }, (_, b) => (b === buckets - 1 ? count : 0));
    const family = {
      event,
      label: FAMILY_LABELS[i]!,
      count,
      previousCount: opts.previousCounts?.[i] ?? count,
      activeWorkspaces: opts.breadth?.[i] ?? (count ? 1 : 0),
      lastOccurredAt: ago === null ? null : new Date(now - ago).toISOString(), trend };
    if (opts.trend === false) delete (family as Partial<typeof family>).trend;
    return family as FamilySummary;
  });
  const total = counts.reduce((a, b) => a + b, 0);
  return {
    window,
    from: new Date(now - WINDOW_MS[window]).toISOString(),
    to: new Date(now).toISOString(),
    generatedAt: new Date(now).toISOString(),
    isEmpty: total === 0,
    totalEvents: total,
    activeWorkspaces: opts.activeWorkspaces ?? (total ? 2 : 0),
    previousActiveWorkspaces: opts.previousActiveWorkspaces ?? opts.activeWorkspaces ?? (total ? 2 : 0),
    totalWorkspaces: opts.totalWorkspaces ?? 3,
    trendBucket: window === '24h' ? 'hour' : 'day',
    families,
  };
}

export const ok = <T,>(data: T): ApiResult<T> => ({ ok: true, data });
export const fail = (kind: ApiError['kind'], message: string): ApiResult<never> => ({ ok: false, error: { kind, message } });

export const OPERATOR = { id: '00000000-0000-4000-8000-000000000001', email: 'operator@tenantpilot.test', displayName: 'Platform Operator' };

/** A ConsoleApi whose methods are vi.fn()s with sensible defaults: signed out, no bootstrap. */
export function fakeApi(overrides: Partial<ConsoleApi> = {}) {
  const api = {
    authStatus: vi.fn<ConsoleApi['authStatus']>(async () => ok({ bootstrapAvailable: false })),
    login: vi.fn<ConsoleApi['login']>(async () => ok({ operator: OPERATOR, expiresAt: new Date(Date.now() + 3_600_000).toISOString() })),
    bootstrap: vi.fn<ConsoleApi['bootstrap']>(async () => ok({ operator: OPERATOR, expiresAt: new Date(Date.now() + 3_600_000).toISOString() })),
    me: vi.fn<ConsoleApi['me']>(async () => fail('unauthorized', 'Not signed in')),
    logout: vi.fn<ConsoleApi['logout']>(async () => ok({ ok: true as const })),
    summary: vi.fn<ConsoleApi['summary']>(async ({ window }) => ok(summaryOf(window, { counts: [4, 3, 12, 2, 1] }))),
  };
  return Object.assign(api, overrides);
}

/** A promise you settle from the test, to hold a call in flight. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
