import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../../server/telemetry/buckets.ts';
import { useTestApp } from '../../helpers/app.ts';
import { expectTrpcError, fieldPaths, snapshotTables } from '../../helpers/outcomes.ts';

/**
 * Spec User Story 2, "See bounded adoption signals on the system dashboard": an authorized platform
 * operator reads aggregate counts per event family and the number of active workspaces for the
 * selected window, and an explicit zero state when the window is empty.
 */
const t = useTestApp();
type Caller = ReturnType<typeof t.app.caller>;
let operator: Caller;

const WINDOWS = ['24h', '7d', '30d', '90d'] as const;
const FAMILIES = [
  ['onboarding.checkpoint_completed', 'Onboarding checkpoints'],
  ['support.diagnostics_opened', 'Support diagnostics'],
  ['operation.started', 'Operations started'],
  ['stored_report.created', 'Stored reports'],
  ['review_pack.generation_requested', 'Review packs requested'],
] as const;
const WINDOW_MS = { '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, '90d': 90 * DAY_MS };

/** "Now" for the dashboard; every event is placed relative to it. */
const T = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const ago = (ms: number) => new Date(T.getTime() - ms);

beforeAll(async () => {
  operator = t.app.caller(await t.app.systemToken());
});
afterEach(() => t.app.setNow(undefined));

async function summaryAt(now: Date, window: (typeof WINDOWS)[number]) {
  t.app.setNow(now);
  try {
    return await operator.system.telemetry.summary({ window });
  } finally {
    t.app.setNow(undefined);
  }
}

describe('US2-2: no telemetry in the selected window', () => {
  it.each(WINDOWS)('the %s summary is an explicit zero state: five families at 0, no last time, no active workspace', async (window) => {
    const summary = await summaryAt(T, window);
    expect(summary).toMatchObject({
      window,
      from: ago(WINDOW_MS[window]).toISOString(),
      to: T.toISOString(),
      isEmpty: true,
      totalEvents: 0,
      activeWorkspaces: 0,
      previousActiveWorkspaces: 0,
      totalWorkspaces: 2,
    });
    expect(
      summary.families.map(({ event, label, count, previousCount, activeWorkspaces, lastOccurredAt }) => ({ event, label, count, previousCount, activeWorkspaces, lastOccurredAt })),
    ).toEqual(FAMILIES.map(([event, label]) => ({ event, label, count: 0, previousCount: 0, activeWorkspaces: 0, lastOccurredAt: null })));
    expect(Date.parse(summary.generatedAt)).not.toBeNaN();
  });

  it('is not inferred from source tables: runs, reports and packs created without telemetry leave it empty', async () => {
    const { app, fx } = t;
    const { startSystemOperation } = await import('../../../server/domain/operations/service.ts');
    app.setNow(ago(HOUR_MS));
    await startSystemOperation({ database: app.database, now: app.deps.now }, { tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync', trigger: 'scheduled' });
    const owner = app.caller(await app.adminToken('owner@acme.test'));
    await owner.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id });
    expect(await summaryAt(T, '24h')).toMatchObject({ isEmpty: true, totalEvents: 0, activeWorkspaces: 0 });
  });
});

describe('US2-1: recent telemetry across several tenants and workspaces', () => {
  beforeAll(async () => {
    const { app, fx } = t;
    const acme = app.caller(await app.adminToken('owner@acme.test'));
    const globex = app.caller(await app.adminToken('owner@globex.test'));
    const [acmeProd, acmeDev, globexProd] = [fx.tenants.acmeProd.id, fx.tenants.acmeDev.id, fx.tenants.globexProd.id];
    const session = await acme.onboarding.linkTenant({
      onboardingSessionId: (await acme.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id })).id,
      tenantId: acmeDev,
    });
    const at = async (when: Date, act: () => Promise<unknown>) => {
      app.setNow(when);
      try {
        await act();
      } finally {
        app.setNow(undefined);
      }
    };
    // Inside 24h: Acme only, on both of its tenants; the pack exactly at the window's start.
    await at(ago(HOUR_MS), () => acme.operations.start({ tenantId: acmeProd, type: 'inventory.sync' }));
    await at(ago(2 * HOUR_MS), () => acme.reports.create({ tenantId: acmeDev, reportType: 'entra_admin_roles' }));
    await at(ago(DAY_MS - 60_000), () => acme.support.openDiagnostics({ tenantId: acmeProd, entryPoint: 'tenant_dashboard' }));
    await at(ago(DAY_MS), () => acme.reviewPacks.requestGeneration({ tenantId: acmeProd }));
    // Inside 7d: Globex joins, one millisecond before the 24h window.
    await at(ago(DAY_MS + 1), () => globex.reports.create({ tenantId: globexProd, reportType: 'permission_posture' }));
    await at(ago(2 * DAY_MS), () => globex.operations.start({ tenantId: globexProd, type: 'policy.backup' }));
    await at(ago(3 * DAY_MS), () => acme.onboarding.completeCheckpoint({ onboardingSessionId: session.id, checkpoint: 'connection_verified' }));
    await at(ago(6 * DAY_MS), () => globex.support.openDiagnostics({ tenantId: globexProd, entryPoint: 'tenant_dashboard' }));
    // Inside 30d and 90d.
    await at(ago(10 * DAY_MS), () => acme.operations.start({ tenantId: acmeDev, type: 'compliance.scan' }));
    await at(ago(45 * DAY_MS), () => globex.operations.start({ tenantId: globexProd, type: 'inventory.sync' }));
    await at(ago(90 * DAY_MS - HOUR_MS), () => acme.reports.create({ tenantId: acmeProd, reportType: 'permission_posture' }));
    // Older than every window.
    await at(ago(91 * DAY_MS), () => acme.operations.start({ tenantId: acmeProd, type: 'inventory.sync' }));
  });

  const expected = {
    '24h': { checkpoints: 0, support: 1, operations: 1, reports: 1, packs: 1, workspaces: 1 },
    '7d': { checkpoints: 1, support: 2, operations: 2, reports: 2, packs: 1, workspaces: 2 },
    '30d': { checkpoints: 1, support: 2, operations: 3, reports: 2, packs: 1, workspaces: 2 },
    '90d': { checkpoints: 1, support: 2, operations: 4, reports: 3, packs: 1, workspaces: 2 },
  };

  /** The previous window of the same length, [from − length, from): counts and active workspaces. */
  const previous = {
    '24h': { counts: [0, 0, 1, 1, 0], workspaces: 1 }, // Globex at 24h + 1 ms and exactly 48h ago
    '7d': { counts: [0, 0, 1, 0, 0], workspaces: 1 }, // Acme's operation 10 days ago
    '30d': { counts: [0, 0, 1, 0, 0], workspaces: 1 }, // Globex's operation 45 days ago
    '90d': { counts: [0, 0, 1, 0, 0], workspaces: 1 }, // Acme's operation 91 days ago
  };
  /** Per family: how many workspaces used it in the window (Acme and Globex, or only one of them). */
  const breadth = {
    '24h': [0, 1, 1, 1, 1],
    '7d': [1, 2, 2, 2, 1],
    '30d': [1, 2, 2, 2, 1],
    '90d': [1, 2, 2, 2, 1],
  };

  it.each(WINDOWS)('the %s summary compares each family with the previous window of the same length, and counts the workspaces using it', async (window) => {
    const summary = await summaryAt(T, window);
    expect(summary.families.map((f) => f.previousCount)).toEqual(previous[window].counts);
    expect(summary.families.map((f) => f.activeWorkspaces)).toEqual(breadth[window]);
    expect(summary).toMatchObject({ previousActiveWorkspaces: previous[window].workspaces, totalWorkspaces: 2 });
  });

  it.each(WINDOWS)('the %s summary counts each family and the distinct active workspaces inside the window only', async (window) => {
    const e = expected[window];
    const summary = await summaryAt(T, window);
    expect(summary.families.map((f) => [f.label, f.count])).toEqual([
      ['Onboarding checkpoints', e.checkpoints],
      ['Support diagnostics', e.support],
      ['Operations started', e.operations],
      ['Stored reports', e.reports],
      ['Review packs requested', e.packs],
    ]);
    const total = e.checkpoints + e.support + e.operations + e.reports + e.packs;
    expect(summary).toMatchObject({ window, isEmpty: false, totalEvents: total, activeWorkspaces: e.workspaces });
  });

  it.each(WINDOWS)('spreads each %s count over UTC buckets (hours for 24h, days otherwise) that add up to it', async (window) => {
    const summary = await summaryAt(T, window);
    const unit = window === '24h' ? HOUR_MS : DAY_MS;
    expect(summary.trendBucket).toBe(window === '24h' ? 'hour' : 'day');
    const buckets = Math.ceil((T.getTime() - Math.floor((T.getTime() - WINDOW_MS[window]) / unit) * unit) / unit);
    for (const family of summary.families) {
      expect(family.trend).toHaveLength(buckets);
      expect(family.trend.reduce((a, b) => a + b, 0), family.event).toBe(family.count);
    }
    // the newest bucket holds the operation started an hour ago (24h: its hour; otherwise: its day)
    const ops = summary.families.find((f) => f.event === 'operation.started')!;
    const newest = Math.floor((T.getTime() - HOUR_MS) / unit) - Math.floor((T.getTime() - WINDOW_MS[window]) / unit);
    expect(ops.trend[newest]).toBeGreaterThanOrEqual(1);
  });

  it('reports when each family last occurred in the window', async () => {
    const summary = await summaryAt(T, '7d');
    expect(Object.fromEntries(summary.families.map((f) => [f.event, f.lastOccurredAt]))).toEqual({
      'onboarding.checkpoint_completed': ago(3 * DAY_MS).toISOString(),
      'support.diagnostics_opened': ago(DAY_MS - 60_000).toISOString(),
      'operation.started': ago(HOUR_MS).toISOString(),
      'stored_report.created': ago(2 * HOUR_MS).toISOString(),
      'review_pack.generation_requested': ago(DAY_MS).toISOString(),
    });
    const day = await summaryAt(T, '24h');
    expect(day.families[0]!.lastOccurredAt).toBeNull();
  });

  it('moves with time: an hour later the event at the old window start has left the 24h window', async () => {
    const later = await summaryAt(new Date(T.getTime() + HOUR_MS), '24h');
    expect(later.families.find((f) => f.event === 'review_pack.generation_requested')!.count).toBe(0);
    // and a window placed in the past counts what was recent then
    const past = await summaryAt(ago(44 * DAY_MS), '24h');
    expect(past).toMatchObject({ totalEvents: 1, activeWorkspaces: 1 });
  });

  it('shows only aggregates: no id of any tenant, workspace, user, subject or ledger row', async () => {
    for (const window of WINDOWS) {
      const text = JSON.stringify(await summaryAt(T, window));
      expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
      expect(text).not.toMatch(/acme|globex|@/i);
    }
  });

  it('is read-only: asking for summaries changes no table', async () => {
    const before = await snapshotTables(t.app.db);
    for (const window of WINDOWS) await summaryAt(T, window);
    expect(await snapshotTables(t.app.db)).toEqual(before);
  });

  it('refuses a window that is not offered as BAD_REQUEST naming the field', async () => {
    const error = await expectTrpcError(operator.system.telemetry.summary({ window: '365d' as never }), 'BAD_REQUEST');
    expect(fieldPaths(error)).toEqual(['window']);
  });
});
