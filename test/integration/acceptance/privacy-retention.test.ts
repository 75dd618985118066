import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/config.ts';
import { generatePendingReviewPacks } from '../../../server/domain/review-packs/service.ts';
import { pruneProductUsage } from '../../../server/telemetry/prune.ts';
import { CATALOG, isEventName } from '../../../server/telemetry/catalog.ts';
import { DAY_MS } from '../../../server/telemetry/buckets.ts';
import { checkMetadata } from '../../../server/telemetry/safe-metadata.ts';
import { useTestApp } from '../../helpers/app.ts';
import { expectTrpcError, ledgerRows, snapshotTables } from '../../helpers/outcomes.ts';

/**
 * Spec User Story 3, "Keep telemetry private, tenant-bound, and cheap": stored rows hold only bounded
 * IDs and enumerated metadata; only system-dashboard users read aggregates and nobody reads rows;
 * rows past the retention window are pruned without touching source truth.
 */
const t = useTestApp();
type Caller = ReturnType<typeof t.app.caller>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Every response an admin-plane client got back while the ledger was being written. */
const responses: unknown[] = [];

beforeAll(async () => {
  const { app, fx } = t;
  const tracked = (c: Caller) =>
    new Proxy(c, {
      get: (target, area: string) =>
        new Proxy((target as never)[area], {
          get: (proc: Record<string, (i: unknown) => Promise<unknown>>, name: string) => async (input: unknown) => {
            const out = await proc[name]!(input);
            responses.push(out);
            return out;
          },
        }),
    }) as Caller;
  const acme = tracked(app.caller(await app.adminToken('owner@acme.test')));
  const globex = tracked(app.caller(await app.adminToken('owner@globex.test')));
  // Every event kind, every metadata variant, in both workspaces; some of them long ago.
  for (const [caller, workspaceId, tenantId] of [
    [acme, fx.workspaces.acme.id, fx.tenants.acmeProd.id],
    [globex, fx.workspaces.globex.id, fx.tenants.globexProd.id],
  ] as const) {
    for (const when of [new Date(Date.now() - 120 * DAY_MS), new Date(Date.now() - 100 * DAY_MS), undefined]) {
      app.setNow(when);
      const draft = await caller.onboarding.createDraft({ workspaceId });
      await caller.onboarding.linkTenant({ onboardingSessionId: draft.id, tenantId });
      await caller.onboarding.completeCheckpoint({ onboardingSessionId: draft.id, checkpoint: 'connection_verified' });
      const run = await caller.operations.start({ tenantId, type: 'permission_posture.refresh' });
      await caller.support.openDiagnostics({ tenantId, entryPoint: 'tenant_dashboard' });
      await caller.support.openDiagnostics({ tenantId, entryPoint: 'operation_detail', operationRunId: run.id });
      await caller.reports.create({ tenantId, reportType: 'entra_admin_roles' });
      await caller.reports.create({ tenantId, reportType: 'permission_posture' });
      await caller.reviewPacks.requestGeneration({ tenantId });
      await generatePendingReviewPacks({ db: app.db, now: app.deps.now });
      await caller.auth.me();
    }
  }
  app.setNow(undefined);
});
afterEach(() => t.app.setNow(undefined));

describe('US3-1: stored rows hold only bounded IDs and enumerated metadata', () => {
  it('has a row of every kind to inspect', async () => {
    const kinds = new Set((await ledgerRows(t.app.db)).map((r) => r.event_name));
    expect([...kinds].sort()).toEqual(Object.keys(CATALOG).sort());
  });

  it('stores no e-mail address, name, slug or free text anywhere in any column of any row', async () => {
    const { app } = t;
    const rows = await ledgerRows(app.db);
    const users = await app.db.user.findMany({ select: { email: true, displayName: true } });
    const tenants = await app.db.tenant.findMany({ select: { slug: true, name: true } });
    const workspaces = await app.db.workspace.findMany({ select: { slug: true, name: true } });
    const forbidden = [...users.flatMap((u) => [u.email, u.displayName]), ...tenants.flatMap((x) => [x.slug, x.name]), ...workspaces.flatMap((w) => [w.slug, w.name])];
    for (const row of rows) {
      expect(row.row_json).not.toMatch(/@|https?:|www\./i);
      for (const word of forbidden) expect(row.row_json.toLowerCase()).not.toContain(word.toLowerCase());
    }
  });

  it('ties every row to a workspace and one of its tenants, an actor and a subject, all by UUID', async () => {
    const { app } = t;
    const tenants = new Map((await app.db.tenant.findMany()).map((x) => [x.id, x.workspaceId]));
    for (const row of await ledgerRows(app.db)) {
      for (const id of [row.id, row.workspace_id, row.tenant_id, row.actor_user_id, row.subject_id]) expect(id).toMatch(UUID);
      expect(tenants.get(row.tenant_id)).toBe(row.workspace_id);
    }
  });

  it("holds in each row exactly its event's catalog feature area, an allowed subject type and metadata that passes the safe-metadata check", async () => {
    for (const row of await ledgerRows(t.app.db)) {
      expect(isEventName(row.event_name)).toBe(true);
      const entry = CATALOG[row.event_name as keyof typeof CATALOG];
      expect(row.feature_area).toBe(entry.featureArea);
      expect(entry.subjectTypes as readonly string[]).toContain(row.subject_type);
      expect(checkMetadata(row.event_name as keyof typeof CATALOG, row.metadata)).toEqual({ ok: true, metadata: row.metadata });
    }
  });
});

describe('US3-2: only system-dashboard users read aggregates, and nobody reads rows', () => {
  it('refuses the summary to every admin-plane user, even an owner of every capability', async () => {
    const { app } = t;
    for (const email of ['owner@acme.test', 'readonly@acme.test', 'owner@globex.test']) {
      const error = await expectTrpcError(app.caller(await app.adminToken(email)).system.telemetry.summary({ window: '7d' }), 'FORBIDDEN');
      expect(error.message).toBe('An admin-plane token is not accepted by system-plane procedures');
    }
  });

  it('refuses the summary to a platform user without the system.dashboard.view permission', async () => {
    const { app } = t;
    const error = await expectTrpcError(app.caller(await app.systemToken('nobody@example.test')).system.telemetry.summary({ window: '7d' }), 'FORBIDDEN');
    expect(error.message).toBe('You lack the system.dashboard.view permission');
  });

  it('returns no ledger row, row id or event key in any admin-plane response', async () => {
    const rows = await ledgerRows(t.app.db);
    const text = JSON.stringify(responses);
    expect(responses.length).toBeGreaterThan(20);
    for (const row of rows) expect(text).not.toContain(row.id);
    expect(text).not.toMatch(/event_key|eventKey|feature_area|featureArea/);
  });
});

describe('US3-3: rows older than the 90-day retention window are pruned without touching source truth', () => {
  it('deletes exactly the rows older than 90 days, keeps the rest, and leaves AuditLog, OperationRun, StoredReport, ReviewPack and onboarding as they were', async () => {
    const { app } = t;
    const config = loadConfig({});
    expect(config.retentionDays).toBe(90);
    const now = new Date();
    const cutoff = now.getTime() - 90 * DAY_MS;
    const rows = await ledgerRows(app.db);
    const old = rows.filter((r) => r.occurred_at.getTime() < cutoff);
    expect(old.length).toBeGreaterThan(0);
    expect(rows.length - old.length).toBeGreaterThan(0);
    const source = ['audit_logs', 'operation_runs', 'stored_reports', 'review_packs', 'tenant_onboarding_sessions', 'tenants', 'workspaces', 'users'];
    const pick = (s: Awaited<ReturnType<typeof snapshotTables>>) => Object.fromEntries(source.map((n) => [n, s[n]]));
    const before = pick(await snapshotTables(app.db));
    const summaryBefore = await app.caller(await app.systemToken()).system.telemetry.summary({ window: '90d' });

    const result = await pruneProductUsage(
      { db: app.database, log: app.deps.log, metrics: app.metrics },
      { retentionDays: config.retentionDays, now },
    );

    expect(result).toMatchObject({ status: 'done', deleted: old.length, dryRun: false });
    expect((await ledgerRows(app.db)).map((r) => r.id)).toEqual(rows.filter((r) => !old.includes(r)).map((r) => r.id));
    expect(pick(await snapshotTables(app.db))).toEqual(before);
    const summaryAfter = await app.caller(await app.systemToken()).system.telemetry.summary({ window: '90d' });
    expect(summaryAfter.families.map((f) => f.count)).toEqual(summaryBefore.families.map((f) => f.count));
  });
});
