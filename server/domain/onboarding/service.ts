import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import type { TenantOnboardingSession, Tx } from '../../db/client.ts';
import { requireTenantAccess, requireWorkspaceAccess } from '../access.ts';
import { writeAudit } from '../audit.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import { CHECKPOINTS, type completeCheckpointInput, type createDraftInput, type linkTenantInput } from './schema.ts';

/** A pre-tenant draft: no tenant context yet, so never telemetry (FR-243-006). */
export async function createDraft(deps: ServiceDeps, actor: Actor, input: z.infer<typeof createDraftInput>) {
  await requireWorkspaceAccess(deps.db, actor, input.workspaceId, 'onboarding.manage');
  const now = deps.now();
  return deps.db.$transaction(async (tx) => {
    const session = await tx.tenantOnboardingSession.create({
      data: { workspaceId: input.workspaceId, createdByUserId: actor.userId, status: 'draft', createdAt: now, updatedAt: now },
    });
    await writeAudit(tx, {
      action: 'onboarding.draft_created',
      subjectType: 'onboarding_session',
      subjectId: session.id,
      workspaceId: input.workspaceId,
      actorUserId: actor.userId,
      at: now,
    });
    return session;
  });
}

export async function linkTenant(deps: ServiceDeps, actor: Actor, input: z.infer<typeof linkTenantInput>) {
  const session = await findSessionFor(deps.db, actor, input.onboardingSessionId);
  const tenant = await requireTenantAccess(deps.db, actor, input.tenantId, 'onboarding.manage');
  if (tenant.workspaceId !== session.workspaceId) throw new TRPCError({ code: 'NOT_FOUND', message: 'Tenant not found' });
  if (session.tenantId === tenant.id) return session;
  if (session.tenantId) {
    throw new TRPCError({ code: 'CONFLICT', message: 'This onboarding session is already linked to another tenant' });
  }
  const now = deps.now();
  return deps.db.$transaction(async (tx) => {
    const linked = await tx.tenantOnboardingSession.updateManyAndReturn({
      where: { id: session.id, tenantId: null },
      data: { tenantId: tenant.id, status: statusOf(tenant.id, session.completedCheckpoints), updatedAt: now },
    });
    if (linked.length === 0) {
      // Linked concurrently: to this tenant, it was a retry of this request (same answer as above).
      const current = await tx.tenantOnboardingSession.findUniqueOrThrow({ where: { id: session.id } });
      if (current.tenantId === tenant.id) return current;
      throw new TRPCError({ code: 'CONFLICT', message: 'This onboarding session is already linked to another tenant' });
    }
    const current = await settleStatus(tx, linked[0]!);
    await writeAudit(tx, {
      action: 'onboarding.tenant_linked',
      subjectType: 'onboarding_session',
      subjectId: session.id,
      workspaceId: session.workspaceId,
      tenantId: tenant.id,
      actorUserId: actor.userId,
      at: now,
    });
    return current;
  });
}

/**
 * Checkpoints complete in order. A real transition on a linked tenant records
 * `onboarding.checkpoint_completed`; a repeat, or any transition of a pre-tenant draft, records nothing.
 */
export async function completeCheckpoint(deps: ServiceDeps, actor: Actor, input: z.infer<typeof completeCheckpointInput>) {
  const session = await findSessionFor(deps.db, actor, input.onboardingSessionId);
  if (session.tenantId) await requireTenantAccess(deps.db, actor, session.tenantId, 'onboarding.manage');
  if (session.completedCheckpoints.includes(input.checkpoint)) return session;
  const position = CHECKPOINTS.indexOf(input.checkpoint);
  const missing = CHECKPOINTS.slice(0, position).filter((c) => !session.completedCheckpoints.includes(c));
  if (missing.length > 0) {
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: `Checkpoint ${input.checkpoint} requires ${missing.join(', ')} first`,
    });
  }
  const now = deps.now();
  const completed = [...session.completedCheckpoints, input.checkpoint];
  return deps.db.$transaction(async (tx) => {
    const updated = await tx.tenantOnboardingSession.updateManyAndReturn({
      where: { id: session.id, NOT: { completedCheckpoints: { has: input.checkpoint } } },
      data: {
        completedCheckpoints: { push: input.checkpoint },
        status: statusOf(session.tenantId, completed),
        updatedAt: now,
      },
    });
    // Completed concurrently by another request: that request owns the transition.
    if (updated.length === 0) return (await tx.tenantOnboardingSession.findUniqueOrThrow({ where: { id: session.id } }));
    // The update locked the row and returned its current state, which a concurrent link may have
    // changed since the read above: check access to a newly linked tenant (a refusal rolls back)
    // and derive the status from that state.
    const current = await settleStatus(tx, updated[0]!);
    if (current.tenantId && current.tenantId !== session.tenantId) {
      await requireTenantAccess(tx, actor, current.tenantId, 'onboarding.manage');
    }
    await writeAudit(tx, {
      action: 'onboarding.checkpoint_completed',
      subjectType: 'onboarding_session',
      subjectId: session.id,
      workspaceId: session.workspaceId,
      tenantId: current.tenantId,
      actorUserId: actor.userId,
      details: { checkpoint: input.checkpoint },
      at: now,
    });
    if (current.tenantId) {
      await deps.telemetry.record(tx, {
        event: 'onboarding.checkpoint_completed',
        workspaceId: current.workspaceId,
        tenantId: current.tenantId,
        actorUserId: actor.userId,
        subjectType: 'onboarding_session',
        subjectId: current.id,
        metadata: { checkpoint: input.checkpoint },
        occurredAt: now,
        eventKey: `onboarding.checkpoint_completed:${current.id}:${input.checkpoint}`,
      });
    }
    return current;
  });
}

/** Re-derives the status from the locked row's current state (a concurrent transition may have changed it). */
async function settleStatus(tx: Tx, row: TenantOnboardingSession): Promise<TenantOnboardingSession> {
  const status = statusOf(row.tenantId, row.completedCheckpoints);
  return status === row.status ? row : tx.tenantOnboardingSession.update({ where: { id: row.id }, data: { status } });
}

/** One rule for every transition: all checkpoints passed is completed, whether linked before or after. */
function statusOf(tenantId: string | null, completedCheckpoints: readonly string[]) {
  if (CHECKPOINTS.every((c) => completedCheckpoints.includes(c))) return 'completed';
  return tenantId ? 'in_progress' : 'draft';
}

/** The session, if the actor may manage onboarding in its workspace; NOT_FOUND otherwise. */
async function findSessionFor(db: Tx, actor: Actor, id: string): Promise<TenantOnboardingSession> {
  const session = await db.tenantOnboardingSession.findUnique({ where: { id } });
  if (!session) throw new TRPCError({ code: 'NOT_FOUND', message: 'Onboarding session not found' });
  try {
    await requireWorkspaceAccess(db, actor, session.workspaceId, 'onboarding.manage');
  } catch (err) {
    if (err instanceof TRPCError && err.code === 'NOT_FOUND') {
      throw new TRPCError({ code: 'NOT_FOUND', message: 'Onboarding session not found' });
    }
    throw err;
  }
  return session;
}
