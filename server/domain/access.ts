import { TRPCError } from '@trpc/server';
import type { Capability } from '../auth/capabilities.ts';
import type { Tx } from '../db/client.ts';
import type { Actor } from './deps.ts';

/**
 * The gate every tenant action passes before it acts: the actor is a member of the tenant's
 * workspace, is entitled to the tenant, and holds the capability. A tenant the actor may not see is
 * NOT_FOUND whether or not it exists elsewhere; a visible tenant without the capability is FORBIDDEN.
 */
export async function requireTenantAccess(db: Tx, actor: Actor, tenantId: string, capability: Capability) {
  const tenant = await db.tenant.findFirst({
    where: {
      id: tenantId,
      entitlements: { some: { userId: actor.userId } },
      workspace: { memberships: { some: { userId: actor.userId } } },
    },
    include: { workspace: { select: { memberships: { where: { userId: actor.userId }, select: { capabilities: true } } } } },
  });
  if (!tenant) throw new TRPCError({ code: 'NOT_FOUND', message: 'Tenant not found' });
  requireCapability(tenant.workspace.memberships[0]?.capabilities ?? [], capability);
  const { workspace: _membership, ...rest } = tenant;
  return rest;
}

/** Workspace-level gate (pre-tenant onboarding drafts): membership plus the capability. */
export async function requireWorkspaceAccess(db: Tx, actor: Actor, workspaceId: string, capability: Capability) {
  const membership = await db.workspaceMembership.findUnique({
    where: { workspaceId_userId: { workspaceId, userId: actor.userId } },
  });
  if (!membership) throw new TRPCError({ code: 'NOT_FOUND', message: 'Workspace not found' });
  requireCapability(membership.capabilities, capability);
  return membership;
}

function requireCapability(granted: string[], capability: Capability) {
  if (!granted.includes(capability)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `You lack the ${capability} capability in this workspace` });
  }
}
