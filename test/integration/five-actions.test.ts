import { describe, expect, it } from 'vitest';
import { ledgerCounts, useTestApp } from '../helpers/app.ts';

const t = useTestApp();

describe('a tenant admin performing the five source actions', () => {
  it('appears exactly once per action in the system summary, and nothing else does', async () => {
    const { app, fx } = t;
    const owner = app.caller(await app.adminToken('owner@acme.test'));
    const tenantId = fx.tenants.acmeProd.id;

    const draft = await owner.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id });
    await owner.onboarding.linkTenant({ onboardingSessionId: draft.id, tenantId });
    await owner.onboarding.completeCheckpoint({ onboardingSessionId: draft.id, checkpoint: 'connection_verified' });
    await owner.support.openDiagnostics({ tenantId, entryPoint: 'tenant_dashboard' });
    await owner.operations.start({ tenantId, type: 'inventory.sync' });
    await owner.reports.create({ tenantId, reportType: 'entra_admin_roles' });
    const pack = await owner.reviewPacks.requestGeneration({ tenantId });
    expect(pack.reused).toBe(false);

    const operator = app.caller(await app.systemToken());
    const summary = await operator.system.telemetry.summary({ window: '24h' });
    expect(summary.families.map((f) => [f.label, f.count])).toEqual([
      ['Onboarding checkpoints', 1],
      ['Support diagnostics', 1],
      ['Operations started', 1],
      ['Stored reports', 1],
      ['Review packs requested', 1],
    ]);
    expect(summary).toMatchObject({ window: '24h', totalEvents: 5, activeWorkspaces: 1, isEmpty: false, trendBucket: 'hour' });
    for (const family of summary.families) {
      expect(family.trend.reduce((a, b) => a + b, 0)).toBe(family.count);
      expect(family.trend.at(-1)).toBe(1); // the action just happened: it lands in the current hour
    }
    expect(await ledgerCounts(app.db)).toEqual({
      'onboarding.checkpoint_completed': 1,
      'support.diagnostics_opened': 1,
      'operation.started': 1,
      'stored_report.created': 1,
      'review_pack.generation_requested': 1,
    });
  });
});
