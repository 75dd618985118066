import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differences, naiveSummary } from '../../bench/naive.ts';
import type { Database } from '../../server/db/client.ts';
import { createLogger, createMetrics } from '../../server/observability.ts';
import { DAY_MS, HOUR_MS, ceilTo, floorTo } from '../../server/telemetry/buckets.ts';
import { pruneProductUsage } from '../../server/telemetry/prune.ts';
import { createRecorder, type UsageEvent } from '../../server/telemetry/recorder.ts';
import { WINDOWS, summarize, type SummaryWindow } from '../../server/telemetry/summary.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

/**
 * The fast summary path (daily and hourly rollups, raw edge rows, per-workspace probes) against the
 * naive exact query over the raw ledger — the same oracle `npm run bench` uses — for every window, at
 * `now` values in partial hours and exactly on hour and day boundaries, with events placed exactly on
 * and just before every edge; then while a prune with a retention shorter than the windows runs
 * (after every committed batch), and after it.
 */
const WINDOW_NAMES = Object.keys(WINDOWS) as SummaryWindow[];
const NOW = new Date('2026-06-15T13:27:41.123Z');
const EVENTS = 1_500;

/** Deterministic randomness (mulberry32), so a failure reproduces. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(243_011);
const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;

const KINDS = [
  { event: 'onboarding.checkpoint_completed', subjectType: 'onboarding_session', metadata: { checkpoint: 'connection_verified' } },
  { event: 'support.diagnostics_opened', subjectType: 'tenant', metadata: { entry_point: 'tenant_dashboard', has_operation_context: false } },
  { event: 'operation.started', subjectType: 'operation_run', metadata: { operation_type: 'inventory.sync' } },
  { event: 'stored_report.created', subjectType: 'stored_report', metadata: { report_type: 'entra_admin_roles' } },
  { event: 'review_pack.generation_requested', subjectType: 'review_pack', metadata: {} },
] as const;

/** `now` values: inside an hour, exactly on an hour, exactly on a UTC day, and 1 ms either side. */
const NOWS = [
  NOW,
  floorTo(NOW, HOUR_MS),
  floorTo(NOW, DAY_MS),
  new Date(floorTo(NOW, DAY_MS).getTime() - 1),
  new Date(floorTo(NOW, HOUR_MS).getTime() + 1),
  new Date(NOW.getTime() - 3 * DAY_MS - 7 * HOUR_MS - 1_234),
];

/** Every edge the plans of these windows use: [from, to), whole hours, whole days. */
function edges(): Date[] {
  const out: Date[] = [];
  for (const now of NOWS) {
    for (const w of WINDOW_NAMES) {
      const from = new Date(now.getTime() - WINDOWS[w]);
      for (const t of [from, now, ceilTo(from, HOUR_MS), floorTo(now, HOUR_MS), ceilTo(from, DAY_MS), floorTo(now, DAY_MS)]) out.push(t);
    }
  }
  return out;
}

let testDb: TestDatabase;
let database: Database;
const recorder = createRecorder({ log: createLogger('silent'), metrics: createMetrics() });
/** Where events land: per tenant, the families its workspace uses and the period it was active. */
let scope: { workspaceId: string; tenantId: string; kinds: (typeof KINDS)[number][]; activeFrom: number; activeTo: number }[] = [];

async function record(times: Date[]) {
  for (let i = 0; i < times.length; i += 100) {
    await database.prisma.$transaction(async (tx) => {
      for (const occurredAt of times.slice(i, i + 100)) {
        const at = pick(scope.filter((x) => occurredAt.getTime() >= x.activeFrom && occurredAt.getTime() < x.activeTo));
        const kind = pick(at.kinds);
        const event = {
          ...kind,
          workspaceId: at.workspaceId,
          tenantId: at.tenantId,
          actorUserId: randomUUID(),
          subjectId: randomUUID(),
          occurredAt,
          eventKey: `exactness:${randomUUID()}`,
        } as UsageEvent;
        const outcome = await recorder.record(tx, event);
        expect(outcome.status).toBe('recorded');
        // recording the same source success again adds nothing
        if (random() < 0.02) expect((await recorder.record(tx, event)).status).toBe('duplicate');
      }
    });
  }
}

/** The naive query through Prisma: a prune holds the embedded database's raw session meanwhile. */
const viaPrisma = {
  query: <T,>(sql: string, params: unknown[] = []) => database.prisma.$queryRawUnsafe<T[]>(sql, ...params),
};

async function expectExact(now: Date, windows = WINDOW_NAMES) {
  for (const w of windows) {
    const exact = await naiveSummary(viaPrisma, w, now);
    const ours = await summarize(database.prisma, w, now);
    expect(differences(ours, exact), `${w} at ${now.toISOString()}`).toEqual([]);
  }
}

/** Every rollup row equals the ledger rows of its bucket, event and shard: count and latest time. */
async function expectRollupsMatchLedger() {
  const [row] = await database.prisma.$queryRaw<{ hourly: bigint; daily: bigint }[]>`
    WITH l AS (SELECT occurred_at, event_name, get_byte(uuid_send(id), 0) % 8 AS shard FROM product_usage_events),
    h AS (SELECT date_trunc('hour', occurred_at, 'UTC') AS b, event_name, shard, count(*) AS n, max(occurred_at) AS last FROM l GROUP BY 1, 2, 3),
    d AS (SELECT (occurred_at AT TIME ZONE 'UTC')::date AS b, event_name, shard, count(*) AS n, max(occurred_at) AS last FROM l GROUP BY 1, 2, 3)
    SELECT
      (SELECT count(*) FROM h FULL JOIN product_usage_hourly_counts c ON c.bucket_start = h.b AND c.event_name = h.event_name AND c.shard = h.shard
        WHERE h.n IS DISTINCT FROM c.event_count OR h.last IS DISTINCT FROM c.last_occurred_at)::bigint AS hourly,
      (SELECT count(*) FROM d FULL JOIN product_usage_daily_counts c ON c.day = d.b AND c.event_name = d.event_name AND c.shard = d.shard
        WHERE d.n IS DISTINCT FROM c.event_count OR d.last IS DISTINCT FROM c.last_occurred_at)::bigint AS daily`;
  expect({ hourly: Number(row!.hourly), daily: Number(row!.daily) }).toEqual({ hourly: 0, daily: 0 });
  // activity bits: set for every hour with a row; and, from the prune's frontier on, only for those
  const [bits] = await database.prisma.$queryRaw<{ missing: bigint; stale: bigint }[]>`
    WITH l AS (SELECT DISTINCT workspace_id, event_name, product_usage_hour_index(occurred_at) AS h FROM product_usage_events),
    b AS (SELECT a.workspace_id, a.event_name, a.base_hour + i AS h FROM product_usage_workspace_activity a
            CROSS JOIN generate_series(0, length(a.hours) - 1) i WHERE get_bit(a.hours, i) = 1),
    t AS (SELECT COALESCE(product_usage_hour_index(pruned_through) + 1, -2147483647) AS h FROM product_usage_prune_state)
    SELECT (SELECT count(*) FROM l WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.workspace_id = l.workspace_id AND b.event_name = l.event_name AND b.h = l.h))::bigint AS missing,
           (SELECT count(*) FROM b, t WHERE b.h >= t.h AND NOT EXISTS (SELECT 1 FROM l WHERE b.workspace_id = l.workspace_id AND b.event_name = l.event_name AND b.h = l.h))::bigint AS stale`;
  expect({ missing: Number(bits!.missing), stale: Number(bits!.stale) }).toEqual({ missing: 0, stale: 0 });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = testDb.database;
  // 12 workspaces with 2 tenants each; two of them never record, so active < all. Workspace i uses
  // only some families (so breadth differs per family), two went quiet 20 and 10 days ago, and two
  // started 5 days ago (so the previous windows' active workspaces differ from the current ones).
  const workspaces = Array.from({ length: 12 }, (_, i) => ({ id: randomUUID(), name: `Exact ${i}`, slug: `exact-${i}` }));
  const tenants = workspaces.flatMap((w, i) => [0, 1].map((k) => ({ id: randomUUID(), workspaceId: w.id, slug: `exact-${i}-${k}`, name: `Exact ${i}/${k}` })));
  await database.prisma.workspace.createMany({ data: workspaces });
  await database.prisma.tenant.createMany({ data: tenants });
  const period = (i: number): [number, number] =>
    i === 0 ? [-Infinity, NOW.getTime() - 20 * DAY_MS] : i === 1 ? [-Infinity, NOW.getTime() - 10 * DAY_MS] : i >= 8 ? [NOW.getTime() - 5 * DAY_MS, Infinity] : [-Infinity, Infinity];
  scope = tenants.slice(0, 20).map((t, j) => {
    const i = Math.floor(j / 2);
    const [activeFrom, activeTo] = period(i);
    return { workspaceId: t.workspaceId, tenantId: t.id, kinds: KINDS.filter((_, k) => k === i % 5 || (i + k) % 3 !== 0), activeFrom, activeTo };
  });
  const start = NOW.getTime() - 100 * DAY_MS;
  const times = Array.from({ length: EVENTS }, () => new Date(start + Math.floor(random() * (100 * DAY_MS + 2 * HOUR_MS))));
  for (const t of edges()) times.push(t, new Date(t.getTime() - 1));
  await record(times);
  // ~1,700 events through the recorder, one transaction per 100: give a busy machine time
}, 240_000);

afterAll(async () => {
  await testDb?.drop();
});

describe('the telemetry summary', () => {
  it('equals the naive count over raw rows for every window, at and around hour and day boundaries', async () => {
    await expectRollupsMatchLedger();
    for (const now of NOWS) await expectExact(now);
    // the data exercises what breadth and change report: families differ, workspaces came and went
    const week = await summarize(database.prisma, '7d', NOW);
    expect(week.totalWorkspaces).toBe(12);
    expect(new Set(week.families.map((f) => f.activeWorkspaces)).size).toBeGreaterThan(1);
    expect(week.previousActiveWorkspaces).not.toBe(week.activeWorkspaces);
    expect(week.families.some((f) => f.previousCount !== f.count && f.previousCount > 0)).toBe(true);
  });

  it('stays exact after every prune batch, with a retention shorter than the windows, and afterwards', async () => {
    let batches = 0;
    const result = await pruneProductUsage(
      { db: database, log: createLogger('silent'), metrics: createMetrics() },
      {
        retentionDays: 20,
        now: NOW,
        batchSize: 97,
        onBatch: async () => {
          batches++;
          // a back-dated event recorded between batches, behind the prune's frontier
          if (batches % 5 === 0) {
            const [oldest] = await database.prisma.$queryRaw<{ t: Date }[]>`SELECT min(occurred_at) AS t FROM product_usage_events`;
            await record([new Date(oldest!.t.getTime() - 1)]);
          }
          await expectExact(NOW, ['30d', '90d']);
          await expectRollupsMatchLedger();
        },
      },
    );
    expect(result.status).toBe('done');
    expect(batches).toBeGreaterThan(10);
    await expectRollupsMatchLedger();
    for (const now of NOWS) await expectExact(now);
  });

  it('counts new events in buckets the prune emptied', async () => {
    await record([new Date(NOW.getTime() - 40 * DAY_MS), new Date(NOW.getTime() - 40 * DAY_MS + 1), new Date(NOW.getTime() - 25 * DAY_MS)]);
    await expectRollupsMatchLedger();
    await expectExact(NOW);
  });
});
