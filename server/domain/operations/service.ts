import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { statement } from '../../db/client.ts';
import { writeAudit } from '../audit.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import { newId, sourceAction, tenantGate } from '../tenant-action.ts';
import type { OperationType, startOperationInput } from './schema.ts';

/** What `operations.start` answers. */
export type StartedOperation = {
  id: string;
  workspaceId: string;
  tenantId: string;
  type: OperationType;
  status: 'queued';
  trigger: 'user';
  createdAt: string;
};

const INSERT_RUN = statement(
  'operation_run_insert',
  `INSERT INTO operation_runs (id, workspace_id, tenant_id, type, status, trigger, initiator_user_id, created_at)
   VALUES ($1::uuid, $2::uuid, $3::uuid, $4, 'queued', $5, $6::uuid, $7::timestamptz)`,
);

/** A user starts a tenant-bound operation run: the `operation.started` adoption signal. */
export function startOperation(deps: ServiceDeps, actor: Actor, input: z.infer<typeof startOperationInput>): Promise<StartedOperation> {
  return sourceAction(deps, actor, tenantGate(input.tenantId, 'operations.start'), async (tx, tenant, now) => {
    const id = newId();
    await tx.query(INSERT_RUN, [id, tenant.workspaceId, tenant.tenantId, input.type, 'user', actor.userId, now]);
    return {
      result: { id, workspaceId: tenant.workspaceId, tenantId: tenant.tenantId, type: input.type, status: 'queued', trigger: 'user', createdAt: now.toISOString() },
      audit: { action: 'operation.started', subjectType: 'operation_run', subjectId: id, details: { type: input.type, trigger: 'user' } },
      usage: {
        event: 'operation.started',
        subjectType: 'operation_run',
        subjectId: id,
        metadata: { operation_type: input.type },
        eventKey: `operation.started:${id}`,
      },
    };
  });
}

/**
 * Scheduled and system starts (the server's scheduler, `tenantpilot operations:start`): no initiator,
 * so never an adoption signal (FR-243-006) — this path has no recorder at all.
 */
export async function startSystemOperation(
  deps: Pick<ServiceDeps, 'database' | 'now'>,
  input: { tenantId: string; type: OperationType; trigger: 'scheduled' | 'system' },
): Promise<Omit<StartedOperation, 'trigger'> & { trigger: 'scheduled' | 'system' }> {
  const now = deps.now();
  return deps.database.transaction(async (tx) => {
    const [tenant] = await tx.query<{ workspace_id: string }>(TENANT, [input.tenantId]);
    if (!tenant) throw new TRPCError({ code: 'NOT_FOUND', message: 'Tenant not found' });
    const id = newId();
    await tx.query(INSERT_RUN, [id, tenant.workspace_id, input.tenantId, input.type, input.trigger, null, now]);
    await writeAudit(tx, {
      action: 'operation.started',
      subjectType: 'operation_run',
      subjectId: id,
      workspaceId: tenant.workspace_id,
      tenantId: input.tenantId,
      details: { type: input.type, trigger: input.trigger },
      at: now,
    });
    return { id, workspaceId: tenant.workspace_id, tenantId: input.tenantId, type: input.type, status: 'queued', trigger: input.trigger, createdAt: now.toISOString() };
  });
}

const TENANT = statement('tenant_by_id', 'SELECT workspace_id FROM tenants WHERE id = $1::uuid');
