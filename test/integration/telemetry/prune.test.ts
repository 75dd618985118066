import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../../server/telemetry/buckets.ts';
import { EVENT_NAMES, type EventName } from '../../../server/telemetry/catalog.ts';
import { pruneProductUsage } from '../../../server/telemetry/prune.ts';
import type { UsageEvent } from '../../../server/telemetry/recorder.ts';
import { runPruneTick } from '../../../server/telemetry/schedule.ts';
import { WINDOWS, type SummaryWindow } from '../../../server/telemetry/summary.ts';
import { testDbKind } from '../../helpers/db.ts';
import { useTestApp } from '../../helpers/app.ts';
import { ledgerRows, snapshotTables, type TableSnapshot } from '../../helpers/outcomes.ts';

/**
 * FR-243-011: the retention prune deletes ledger rows older than the window in bounded batches,
 * keeps every newer row, keeps the summary exact, and never touches a source-of-truth table.
 */
const t = useTestApp();
const NOW = new Date();
const METADATA: { [E in EventName]: Record<string, unknown> } = {
  'onboarding.checkpoint_completed': { checkpoint: 'connection_verified' },
  'support.diagnostics_opened': { entry_point: 'tenant_dashboard', has_operation_context: false },
  'operation.started': { operation_type: 'inventory.sync' },
  'stored_report.created': { report_type: 'permission_posture' },
  'review_pack.generation_requested': {},
};
const SUBJECT: { [E in EventName]: string } = {
  'onboarding.checkpoint_completed': 'onboarding_session',
  'support.diagnostics_opened': 'tenant',
  'operation.started': 'operation_run',
  'stored_report.created': 'stored_report',
  'review_pack.generation_requested': 'review_pack',
};

/** Records one event at `occurredAt` through the real recorder (the only ledger writer). */
async function recordAt(occurredAt: Date, i: number, workspace: 'acme' | 'globex' = i % 3 ? 'acme' : 'globex') {
  const { app, fx } = t;
  const event = EVENT_NAMES[i % EVENT_NAMES.length]!;
  const tenantId = workspace === 'acme' ? fx.tenants.acmeProd.id : fx.tenants.globexProd.id;
  const outcome = await app.db.$transaction((tx) =>
    app.deps.telemetry.record(tx, {
      event,
      workspaceId: fx.workspaces[workspace].id,
      tenantId,
      actorUserId: workspace === 'acme' ? fx.users.acmeOwner.id : fx.users.globexOwner.id,
      subjectType: SUBJECT[event],
      subjectId: event === 'support.diagnostics_opened' ? tenantId : randomUUID(),
      metadata: METADATA[event],
      occurredAt,
      eventKey: `prune-test:${randomUUID()}`,
    } as UsageEvent),
  );
  expect(outcome.status).toBe('recorded');
}

/** Raw counts per event over [from, to), straight from the ledger: the truth the summary must equal. */
async function rawCounts(from: Date, to: Date) {
  const rows = await t.app.db.$queryRaw<{ event_name: string; n: number }[]>`
    SELECT event_name, count(*)::int AS n FROM product_usage_events
     WHERE occurred_at >= ${from}::timestamptz AND occurred_at < ${to}::timestamptz GROUP BY event_name`;
  return EVENT_NAMES.map((e) => rows.find((r) => r.event_name === e)?.n ?? 0);
}

async function expectSummaryExact(now: Date) {
  const operator = t.app.caller(await t.app.systemToken());
  t.app.setNow(now);
  try {
    for (const window of Object.keys(WINDOWS) as SummaryWindow[]) {
      const summary = await operator.system.telemetry.summary({ window });
      const from = new Date(now.getTime() - WINDOWS[window]);
      expect(summary.families.map((f) => f.count), window).toEqual(await rawCounts(from, now));
      const [active] = await t.app.db.$queryRaw<{ n: number }[]>`
        SELECT count(DISTINCT workspace_id)::int AS n FROM product_usage_events
         WHERE occurred_at >= ${from}::timestamptz AND occurred_at < ${now}::timestamptz`;
      expect(summary.activeWorkspaces, window).toBe(active!.n);
    }
  } finally {
    t.app.setNow(undefined);
  }
}

/** Every table but the ledger and its rollups: operation runs, reports, packs, onboarding, audit log, identities. */
const sourceOnly = (s: TableSnapshot) => Object.fromEntries(Object.entries(s).filter(([name]) => !name.startsWith('product_usage_')));
const pruneDeps = () => ({ db: t.app.database, log: t.app.deps.log, metrics: t.app.metrics });

const OLD = 23;
const RECENT = 7;

describe('pruning the ledger past the retention window', () => {
  beforeAll(async () => {
    // Source records too, so there is source truth for the prune to leave alone.
    const owner = t.app.caller(await t.app.adminToken('owner@acme.test'));
    await owner.operations.start({ tenantId: t.fx.tenants.acmeProd.id, type: 'inventory.sync' });
    await owner.reports.create({ tenantId: t.fx.tenants.acmeProd.id, reportType: 'entra_admin_roles' });
    await owner.reviewPacks.requestGeneration({ tenantId: t.fx.tenants.acmeProd.id });
    await owner.onboarding.createDraft({ workspaceId: t.fx.workspaces.acme.id });
    // OLD rows between 120 and 91 days ago (some mid-hour), RECENT rows within the last 89 days.
    for (let i = 0; i < OLD; i++) await recordAt(new Date(NOW.getTime() - 91 * DAY_MS - i * 31 * HOUR_MS - i * 7_919), i);
    for (let i = 0; i < RECENT; i++) await recordAt(new Date(NOW.getTime() - i * 12 * DAY_MS - 13 * 60_000), i);
  });

  it('in a dry run, counts the rows it would delete and changes nothing', async () => {
    const before = await snapshotTables(t.app.db);
    const result = await pruneProductUsage(pruneDeps(), { retentionDays: 90, now: NOW, dryRun: true });
    expect(result).toEqual({ status: 'done', cutoff: new Date(NOW.getTime() - 90 * DAY_MS), deleted: OLD, batches: 0, dryRun: true });
    expect(await snapshotTables(t.app.db)).toEqual(before);
  });

  it(`deletes the ${OLD} old rows in batches of batchSize (5), reporting the running total after each`, async () => {
    const before = await ledgerRows(t.app.db);
    const sourceBefore = sourceOnly(await snapshotTables(t.app.db));
    const prunedBefore = (await t.app.metrics.rowsPruned.get()).values[0]?.value ?? 0;
    const progress: number[] = [];
    const result = await pruneProductUsage(pruneDeps(), { retentionDays: 90, now: NOW, batchSize: 5, onBatch: (n) => void progress.push(n) });

    expect(result).toMatchObject({ status: 'done', deleted: OLD, batches: 5, dryRun: false });
    expect(progress).toEqual([5, 10, 15, 20, 23]);
    const cutoff = NOW.getTime() - 90 * DAY_MS;
    expect((await ledgerRows(t.app.db)).map((r) => r.id)).toEqual(before.filter((r) => r.occurred_at.getTime() >= cutoff).map((r) => r.id));
    expect((await ledgerRows(t.app.db)).length).toBe(before.length - OLD);
    // no source-of-truth table touched: same rows, same contents
    expect(sourceOnly(await snapshotTables(t.app.db))).toEqual(sourceBefore);
    expect(((await t.app.metrics.rowsPruned.get()).values[0]?.value ?? 0) - prunedBefore).toBe(OLD);
  });

  it('keeps every summary window exact after the prune', async () => {
    await expectSummaryExact(NOW);
  });

  it('finds nothing more to delete on a second run', async () => {
    expect(await pruneProductUsage(pruneDeps(), { retentionDays: 90, now: NOW })).toMatchObject({ status: 'done', deleted: 0, batches: 0 });
  });

  it('keeps the summary exact when the cutoff falls mid-hour inside the dashboard windows (retention 5 days)', async () => {
    for (let i = 0; i < 12; i++) await recordAt(new Date(NOW.getTime() - 5 * DAY_MS + (i - 6) * 11 * 60_000), i);
    await expectSummaryExact(NOW);
    const result = await pruneProductUsage(pruneDeps(), { retentionDays: 5, now: NOW, batchSize: 4 });
    expect(result).toMatchObject({ status: 'done' });
    expect((await rawCounts(new Date(0), new Date(NOW.getTime() - 5 * DAY_MS))).every((n) => n === 0)).toBe(true);
    await expectSummaryExact(NOW);
    await expectSummaryExact(new Date(NOW.getTime() - 2 * DAY_MS + 17 * 60_000));
  });
});

describe('two prunes at the same time', () => {
  /** Starts a prune that pauses after its first batch until `release` is called. */
  async function pausedPrune() {
    for (let i = 0; i < 6; i++) await recordAt(new Date(NOW.getTime() - 200 * DAY_MS - i * HOUR_MS), i);
    let release!: () => void;
    let paused!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reachedBatch = new Promise<void>((r) => (paused = r));
    const first = pruneProductUsage(pruneDeps(), {
      retentionDays: 90,
      now: NOW,
      batchSize: 2,
      onBatch: async () => {
        paused();
        await gate;
      },
    });
    await reachedBatch;
    return { first, release };
  }

  it.runIf(testDbKind() === 'postgres')('on PostgreSQL: the second is skipped ("another prune is running") while the first holds the lock', async () => {
    const { first, release } = await pausedPrune();
    const second = await pruneProductUsage(pruneDeps(), { retentionDays: 90, now: NOW });
    expect(second).toEqual({ status: 'skipped', reason: 'another prune is running' });
    release();
    expect(await first).toMatchObject({ status: 'done', deleted: 6 });
    // the lock is released afterwards
    expect(await pruneProductUsage(pruneDeps(), { retentionDays: 90, now: NOW })).toMatchObject({ status: 'done', deleted: 0 });
  });

  it.runIf(testDbKind() === 'pglite')(
    'on the embedded database (one connection, sessions queued): the second waits for the first, then finds nothing left',
    async () => {
      const { first, release } = await pausedPrune();
      const second = pruneProductUsage(pruneDeps(), { retentionDays: 90, now: NOW });
      release();
      expect(await first).toMatchObject({ status: 'done', deleted: 6 });
      expect(await second).toMatchObject({ status: 'done', deleted: 0 });
    },
  );
});

describe('the daily schedule entry', () => {
  it('runs the prune once per scheduled tick, however many replicas fire it, and records the rows it removed', async () => {
    await recordAt(new Date(Date.now() - 100 * DAY_MS), 0);
    const tick = new Date('2026-05-01T03:15:00.000Z');
    const sourceBefore = sourceOnly(await snapshotTables(t.app.db));
    const [a, b] = await Promise.all([
      runPruneTick(pruneDeps(), { tick, retentionDays: 90 }),
      runPruneTick(pruneDeps(), { tick, retentionDays: 90 }),
    ]);
    expect([a, b].sort()).toEqual(['claimed elsewhere', 'ran']);
    const job = await t.app.db.scheduledJobRun.findMany({ where: { scheduledFor: tick } });
    expect(job).toEqual([expect.objectContaining({ job: 'product-usage:prune', rowsAffected: 1, finishedAt: expect.any(Date) })]);
    const { scheduled_job_runs: _jobs, ...after } = sourceOnly(await snapshotTables(t.app.db));
    const { scheduled_job_runs: _before, ...rest } = sourceBefore;
    expect(after).toEqual(rest);
  });
});
