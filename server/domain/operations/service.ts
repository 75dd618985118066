import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { requireTenantAccess } from '../access.ts';
import { writeAudit } from '../audit.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import type { OperationType, startOperationInput } from './schema.ts';

/** A user starts a tenant-bound operation run: the `operation.started` adoption signal. */
export async function startOperation(deps: ServiceDeps, actor: Actor, input: z.infer<typeof startOperationInput>) {
  const tenant = await requireTenantAccess(deps.db, actor, input.tenantId, 'operations.start');
  const now = deps.now();
  return deps.db.$transaction(async (tx) => {
    const run = await tx.operationRun.create({
      data: {
        workspaceId: tenant.workspaceId,
        tenantId: tenant.id,
        type: input.type,
        status: 'queued',
        trigger: 'user',
        initiatorUserId: actor.userId,
        createdAt: now,
      },
    });
    await writeAudit(tx, {
      action: 'operation.started',
      subjectType: 'operation_run',
      subjectId: run.id,
      workspaceId: tenant.workspaceId,
      tenantId: tenant.id,
      actorUserId: actor.userId,
      details: { type: input.type, trigger: 'user' },
      at: now,
    });
    await deps.telemetry.record(tx, {
      event: 'operation.started',
      workspaceId: tenant.workspaceId,
      tenantId: tenant.id,
      actorUserId: actor.userId,
      subjectType: 'operation_run',
      subjectId: run.id,
      metadata: { operation_type: input.type },
      occurredAt: now,
      eventKey: `operation.started:${run.id}`,
    });
    return run;
  });
}

/**
 * Scheduled and system starts (the server's scheduler, `tenantpilot operations:start`): no initiator,
 * so never an adoption signal (FR-243-006) — this path has no recorder at all.
 */
export async function startSystemOperation(
  deps: Omit<ServiceDeps, 'telemetry'>,
  input: { tenantId: string; type: OperationType; trigger: 'scheduled' | 'system' },
) {
  const tenant = await deps.db.tenant.findUnique({ where: { id: input.tenantId } });
  if (!tenant) throw new TRPCError({ code: 'NOT_FOUND', message: 'Tenant not found' });
  const now = deps.now();
  return deps.db.$transaction(async (tx) => {
    const run = await tx.operationRun.create({
      data: {
        workspaceId: tenant.workspaceId,
        tenantId: tenant.id,
        type: input.type,
        status: 'queued',
        trigger: input.trigger,
        initiatorUserId: null,
        createdAt: now,
      },
    });
    await writeAudit(tx, {
      action: 'operation.started',
      subjectType: 'operation_run',
      subjectId: run.id,
      workspaceId: tenant.workspaceId,
      tenantId: tenant.id,
      details: { type: input.type, trigger: input.trigger },
      at: now,
    });
    return run;
  });
}
