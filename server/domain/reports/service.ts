import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { requireTenantAccess } from '../access.ts';
import { writeAudit } from '../audit.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import type { ReportType, createReportInput } from './schema.ts';

/** A user creates a stored report: the `stored_report.created` adoption signal. */
export async function createReport(deps: ServiceDeps, actor: Actor, input: z.infer<typeof createReportInput>) {
  const tenant = await requireTenantAccess(deps.db, actor, input.tenantId, 'reports.create');
  const now = deps.now();
  return deps.db.$transaction(async (tx) => {
    const report = await tx.storedReport.create({
      data: {
        workspaceId: tenant.workspaceId,
        tenantId: tenant.id,
        reportType: input.reportType,
        createdByUserId: actor.userId,
        summary: await reportSummary(tx, tenant.id, input.reportType, now),
        createdAt: now,
      },
    });
    await writeAudit(tx, {
      action: 'stored_report.created',
      subjectType: 'stored_report',
      subjectId: report.id,
      workspaceId: tenant.workspaceId,
      tenantId: tenant.id,
      actorUserId: actor.userId,
      details: { reportType: input.reportType },
      at: now,
    });
    await deps.telemetry.record(tx, {
      event: 'stored_report.created',
      workspaceId: tenant.workspaceId,
      tenantId: tenant.id,
      actorUserId: actor.userId,
      subjectType: 'stored_report',
      subjectId: report.id,
      metadata: { report_type: input.reportType },
      occurredAt: now,
      eventKey: `stored_report.created:${report.id}`,
    });
    return report;
  });
}

/** The report's content: counts from the tenant's own records, no provider payloads. */
async function reportSummary(tx: Tx, tenantId: string, reportType: ReportType, now: Date) {
  const sourceType = reportType === 'permission_posture' ? 'permission_posture.refresh' : 'inventory.sync';
  const runs = await tx.operationRun.groupBy({
    by: ['status'],
    where: { tenantId, type: sourceType },
    _count: { _all: true },
    _max: { createdAt: true },
  });
  return {
    reportType,
    generatedAt: now.toISOString(),
    sourceOperationType: sourceType,
    sourceRunsByStatus: Object.fromEntries(runs.map((r) => [r.status, r._count._all])),
    latestSourceRunAt: runs.reduce<Date | null>((max, r) => (r._max.createdAt && (!max || r._max.createdAt > max) ? r._max.createdAt : max), null)?.toISOString() ?? null,
  };
}
