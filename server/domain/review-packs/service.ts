import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { statement, type Prisma } from '../../db/client.ts';
import { writeAudit } from '../audit.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import { newId, sourceAction, tenantGate, type GatedTenant } from '../tenant-action.ts';
import type { requestGenerationInput } from './schema.ts';

/** What `reviewPacks.requestGeneration` answers: the pending pack, new or the one already pending. */
export type RequestedReviewPack = { id: string; tenantId: string; status: 'pending'; createdAt: string; reused: boolean };

const INSERT_PENDING = statement(
  'review_pack_insert',
  `INSERT INTO review_packs (id, workspace_id, tenant_id, status, pending_key, requested_by_user_id, created_at)
   VALUES ($1::uuid, $2::uuid, $3::uuid, 'pending', $3::uuid, $4::uuid, $5::timestamptz)
   ON CONFLICT (pending_key) DO NOTHING
   RETURNING id`,
);
// The pending pack a conflict met, share-locked so the generator cannot finish it before this commits.
const PENDING = statement(
  'review_pack_pending',
  `SELECT id, created_at FROM review_packs WHERE pending_key = $1::uuid FOR SHARE`,
);

/**
 * A user requests a review pack. At most one pack per tenant is pending (a unique key); a request
 * while one is pending returns it with `reused: true` and is not a new request, so it records nothing.
 * The pack a conflict met may be finished by the generator before it is read (each statement sees the
 * latest commits): then no pack is pending any more, and this request makes the new one.
 */
export function requestGeneration(deps: ServiceDeps, actor: Actor, input: z.infer<typeof requestGenerationInput>): Promise<RequestedReviewPack> {
  return sourceAction<GatedTenant, RequestedReviewPack>(deps, actor, tenantGate(input.tenantId, 'review_packs.generate'), async (tx, tenant, now) => {
    for (let attempt = 1; ; attempt++) {
      const id = newId();
      const [created] = await tx.query<{ id: string }>(INSERT_PENDING, [id, tenant.workspaceId, tenant.tenantId, actor.userId, now]);
      if (created) {
        return {
          result: { id, tenantId: tenant.tenantId, status: 'pending', createdAt: now.toISOString(), reused: false },
          audit: { action: 'review_pack.generation_requested', subjectType: 'review_pack', subjectId: id },
          usage: { event: 'review_pack.generation_requested', subjectType: 'review_pack', subjectId: id, metadata: {}, eventKey: `review_pack.generation_requested:${id}` },
        };
      }
      const [pending] = await tx.query<{ id: string; created_at: Date }>(PENDING, [tenant.tenantId]);
      if (pending) {
        return { result: { id: pending.id, tenantId: tenant.tenantId, status: 'pending', createdAt: pending.created_at.toISOString(), reused: true } };
      }
      if (attempt === 3) throw new TRPCError({ code: 'CONFLICT', message: 'Review packs of this tenant are changing fast: try again' });
    }
  });
}

/**
 * The generator: assembles each pending pack from the tenant's stored reports and operation runs and
 * marks it ready. Runs in the server's job loop; `SKIP LOCKED` lets several replicas share the work.
 */
export async function generatePendingReviewPacks(deps: Pick<ServiceDeps, 'db' | 'now'>, limit = 20): Promise<number> {
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
