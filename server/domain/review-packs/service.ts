import type { z } from 'zod';
import type { Prisma } from '../../db/client.ts';
import { requireTenantAccess } from '../access.ts';
import { writeAudit } from '../audit.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import type { requestGenerationInput } from './schema.ts';

/**
 * A user requests a review pack. At most one pack per tenant is pending (a unique key); a request
 * while one is pending returns it with `reused: true` and is not a new request, so it records nothing.
 */
export async function requestGeneration(deps: ServiceDeps, actor: Actor, input: z.infer<typeof requestGenerationInput>) {
  const tenant = await requireTenantAccess(deps.db, actor, input.tenantId, 'review_packs.generate');
  const now = deps.now();
  return deps.db.$transaction(async (tx) => {
    const [created] = await tx.reviewPack.createManyAndReturn({
      data: [
        {
          workspaceId: tenant.workspaceId,
          tenantId: tenant.id,
          status: 'pending',
          pendingKey: tenant.id,
          requestedByUserId: actor.userId,
          createdAt: now,
        },
      ],
      skipDuplicates: true,
    });
    if (!created) {
      const pending = await tx.reviewPack.findUniqueOrThrow({ where: { pendingKey: tenant.id } });
      return { ...pending, reused: true };
    }
    await writeAudit(tx, {
      action: 'review_pack.generation_requested',
      subjectType: 'review_pack',
      subjectId: created.id,
      workspaceId: tenant.workspaceId,
      tenantId: tenant.id,
      actorUserId: actor.userId,
      at: now,
    });
    await deps.telemetry.record(tx, {
      event: 'review_pack.generation_requested',
      workspaceId: tenant.workspaceId,
      tenantId: tenant.id,
      actorUserId: actor.userId,
      subjectType: 'review_pack',
      subjectId: created.id,
      metadata: {},
      occurredAt: now,
      eventKey: `review_pack.generation_requested:${created.id}`,
    });
    return { ...created, reused: false };
  });
}

/**
 * The generator: assembles each pending pack from the tenant's stored reports and operation runs and
 * marks it ready. Runs in the server's job loop; `SKIP LOCKED` lets several replicas share the work.
 */
export async function generatePendingReviewPacks(deps: Omit<ServiceDeps, 'telemetry'>, limit = 20): Promise<number> {
  let generated = 0;
  for (let i = 0; i < limit; i++) {
    const done = await deps.db.$transaction(async (tx) => {
      const [pack] = await tx.$queryRaw<{ id: string; tenant_id: string; workspace_id: string }[]>`
        SELECT id, tenant_id, workspace_id FROM review_packs WHERE status = 'pending'
         ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`;
      if (!pack) return false;
      const now = deps.now();
      const [reports, runs] = await Promise.all([
        tx.storedReport.findMany({
          where: { tenantId: pack.tenant_id },
          orderBy: { createdAt: 'desc' },
          take: 10,
          select: { id: true, reportType: true, createdAt: true },
        }),
        tx.operationRun.groupBy({ by: ['type', 'status'], where: { tenantId: pack.tenant_id }, _count: { _all: true } }),
      ]);
      const contents: Prisma.InputJsonObject = {
        generatedAt: now.toISOString(),
        storedReports: reports.map((r) => ({ id: r.id, reportType: r.reportType, createdAt: r.createdAt.toISOString() })),
        operationRuns: runs.map((r) => ({ type: r.type, status: r.status, count: r._count._all })),
      };
      await tx.reviewPack.update({
        where: { id: pack.id },
        data: { status: 'ready', pendingKey: null, contents, generatedAt: now },
      });
      await writeAudit(tx, {
        action: 'review_pack.generated',
        subjectType: 'review_pack',
        subjectId: pack.id,
        workspaceId: pack.workspace_id,
        tenantId: pack.tenant_id,
        at: now,
      });
      return true;
    });
    if (!done) break;
    generated++;
  }
  return generated;
}
