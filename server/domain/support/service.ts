import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { requireTenantAccess } from '../access.ts';
import { writeAudit } from '../audit.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import type { openDiagnosticsInput } from './schema.ts';

const RUN_FIELDS = { id: true, type: true, status: true, trigger: true, createdAt: true, completedAt: true } as const;

/**
 * The explicit "open support diagnostics" action (not a page render): returns the diagnostic bundle —
 * tenant connection facts, recent runs, counts; no secrets, no provider payloads — audits the access
 * and records `support.diagnostics_opened`.
 */
export async function openDiagnostics(deps: ServiceDeps, actor: Actor, input: z.infer<typeof openDiagnosticsInput>) {
  const tenant = await requireTenantAccess(deps.db, actor, input.tenantId, 'support.diagnostics.open');
  const operationRun = input.operationRunId
    ? await deps.db.operationRun.findFirst({ where: { id: input.operationRunId, tenantId: tenant.id }, select: RUN_FIELDS })
    : null;
  if (input.operationRunId && !operationRun) throw new TRPCError({ code: 'NOT_FOUND', message: 'Operation run not found' });

  const [recentOperationRuns, runsByStatus, storedReports, reviewPacks] = await Promise.all([
    deps.db.operationRun.findMany({ where: { tenantId: tenant.id }, orderBy: { createdAt: 'desc' }, take: 10, select: RUN_FIELDS }),
    deps.db.operationRun.groupBy({ by: ['status'], where: { tenantId: tenant.id }, _count: { _all: true } }),
    deps.db.storedReport.count({ where: { tenantId: tenant.id } }),
    deps.db.reviewPack.groupBy({ by: ['status'], where: { tenantId: tenant.id }, _count: { _all: true } }),
  ]);
  const now = deps.now();
  const subject = operationRun
    ? ({ subjectType: 'operation_run', subjectId: operationRun.id } as const)
    : ({ subjectType: 'tenant', subjectId: tenant.id } as const);

  return deps.db.$transaction(async (tx) => {
    const audit = await writeAudit(tx, {
      action: 'support.diagnostics_opened',
      ...subject,
      workspaceId: tenant.workspaceId,
      tenantId: tenant.id,
      actorUserId: actor.userId,
      details: { entryPoint: input.entryPoint },
      at: now,
    });
    await deps.telemetry.record(tx, {
      event: 'support.diagnostics_opened',
      workspaceId: tenant.workspaceId,
      tenantId: tenant.id,
      actorUserId: actor.userId,
      ...subject,
      metadata: { entry_point: input.entryPoint, has_operation_context: operationRun !== null },
      occurredAt: now,
      eventKey: `support.diagnostics_opened:${audit.id}`,
    });
    return {
      bundleId: audit.id,
      generatedAt: now.toISOString(),
      entryPoint: input.entryPoint,
      tenant: {
        id: tenant.id,
        slug: tenant.slug,
        name: tenant.name,
        connectionStatus: tenant.connectionStatus,
        connectedAt: tenant.connectedAt?.toISOString() ?? null,
      },
      operationRun,
      recentOperationRuns,
      counts: {
        operationRunsByStatus: Object.fromEntries(runsByStatus.map((r) => [r.status, r._count._all])),
        storedReports,
        reviewPacksByStatus: Object.fromEntries(reviewPacks.map((r) => [r.status, r._count._all])),
      },
    };
  });
}
