import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.ts';

/**
 * What the source actions answer: explicit public results (never database rows), and reads of a
 * tenant's history bounded to the last 30 days, whatever its age.
 */
const t = useTestApp();
const NOW = new Date('2026-11-30T12:00:00.000Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

describe('public results and bounded history', () => {
  it('a report and a diagnostics bundle count only the last 30 days, with ISO dates, and carry nothing else', async () => {
    const { app, fx } = t;
    const tenantId = fx.tenants.acmeDev.id;
    const owner = app.caller(await app.adminToken('owner@acme.test'));
    app.setNow(daysAgo(45));
    const old = await owner.operations.start({ tenantId, type: 'inventory.sync' });
    app.setNow(daysAgo(2));
    const recent = await owner.operations.start({ tenantId, type: 'inventory.sync' });
    app.setNow(daysAgo(1));
    const other = await owner.operations.start({ tenantId, type: 'policy.backup' });
    app.setNow(NOW);

    const report = await owner.reports.create({ tenantId, reportType: 'entra_admin_roles' });
    expect(report).toEqual({
      id: report.id,
      tenantId,
      reportType: 'entra_admin_roles',
      createdAt: NOW.toISOString(),
      summary: {
        reportType: 'entra_admin_roles',
        generatedAt: NOW.toISOString(),
        sourceOperationType: 'inventory.sync',
        windowDays: 30,
        sourceRunsByStatus: { queued: 1 }, // the 45-day-old run is outside the window
        latestSourceRunAt: daysAgo(2).toISOString(),
      },
    });
    const stored = await app.db.storedReport.findUniqueOrThrow({ where: { id: report.id } });
    expect(stored.summary).toEqual(report.summary);

    const facts = (run: { id: string; type: string }, at: Date) => ({ id: run.id, type: run.type, status: 'queued', trigger: 'user', createdAt: at.toISOString(), completedAt: null });
    const bundle = await owner.support.openDiagnostics({ tenantId, entryPoint: 'operation_detail', operationRunId: recent.id });
    expect(bundle).toEqual({
      bundleId: bundle.bundleId,
      generatedAt: NOW.toISOString(),
      entryPoint: 'operation_detail',
      tenant: { id: tenantId, slug: 'acme-dev', name: fx.tenants.acmeDev.name, connectionStatus: fx.tenants.acmeDev.connectionStatus, connectedAt: fx.tenants.acmeDev.connectedAt?.toISOString() ?? null },
      operationRun: facts(recent, daysAgo(2)),
      recentOperationRuns: [facts(other, daysAgo(1)), facts(recent, daysAgo(2)), facts(old, daysAgo(45))],
      counts: { windowDays: 30, operationRunsByStatus: { queued: 2 }, storedReports: 1, reviewPacksByStatus: {} },
    });
    // the bundle's id is its audit entry's, and keys its adoption signal
    expect(await app.db.auditLog.findUniqueOrThrow({ where: { id: bundle.bundleId } })).toMatchObject({ action: 'support.diagnostics_opened', subjectId: recent.id });
    expect(await app.db.productUsageEvent.count({ where: { eventKey: `support.diagnostics_opened:${bundle.bundleId}` } })).toBe(1);

    const pack = await owner.reviewPacks.requestGeneration({ tenantId });
    expect(pack).toEqual({ id: pack.id, tenantId, status: 'pending', createdAt: NOW.toISOString(), reused: false });
    expect(await owner.reviewPacks.requestGeneration({ tenantId })).toEqual({ ...pack, reused: true });
  });
});
