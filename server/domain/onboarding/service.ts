import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { statement, type SqlRunner } from '../../db/client.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import { newId, requireCapability, sourceAction, tenantGate, workspaceGate, type Gate, type Scope } from '../tenant-action.ts';
import { CHECKPOINTS, type Checkpoint, type completeCheckpointInput, type createDraftInput, type linkTenantInput } from './schema.ts';

/** What the onboarding procedures answer. */
export type OnboardingSessionView = {
  id: string;
  workspaceId: string;
  tenantId: string | null;
  status: 'draft' | 'in_progress' | 'completed';
  completedCheckpoints: Checkpoint[];
  createdAt: string;
  updatedAt: string;
};

type SessionRow = {
  id: string;
  workspace_id: string;
  tenant_id: string | null;
  status: OnboardingSessionView['status'];
  completed_checkpoints: Checkpoint[];
  created_at: Date;
  updated_at: Date;
};
const COLUMNS = 'id, workspace_id, tenant_id, status, completed_checkpoints, created_at, updated_at';

const INSERT_DRAFT = statement(
  'onboarding_draft_insert',
  `INSERT INTO tenant_onboarding_sessions (id, workspace_id, created_by_user_id, status, completed_checkpoints, created_at, updated_at)
   VALUES ($1::uuid, $2::uuid, $3::uuid, 'draft', '{}', $4::timestamptz, $4::timestamptz)
   RETURNING ${COLUMNS}`,
);
// The session row locked for this transaction (transitions of one session run one at a time), with
// the actor's membership of its workspace share-locked; no row for a non-member.
const LOCK_SESSION = statement(
  'onboarding_session_lock',
  `SELECT s.${COLUMNS.split(', ').join(', s.')}, m.capabilities
     FROM tenant_onboarding_sessions s
     JOIN workspace_memberships m ON m.workspace_id = s.workspace_id AND m.user_id = $2::uuid
    WHERE s.id = $1::uuid
      FOR UPDATE OF s FOR SHARE OF m`,
);
const LINK = statement(
  'onboarding_link',
  `UPDATE tenant_onboarding_sessions SET tenant_id = $2::uuid, status = $3, updated_at = $4::timestamptz WHERE id = $1::uuid RETURNING ${COLUMNS}`,
);
const COMPLETE = statement(
  'onboarding_complete',
  `UPDATE tenant_onboarding_sessions SET completed_checkpoints = array_append(completed_checkpoints, $2), status = $3, updated_at = $4::timestamptz
    WHERE id = $1::uuid RETURNING ${COLUMNS}`,
);

/** A pre-tenant draft: no tenant context yet, so never telemetry (FR-243-006). */
export function createDraft(deps: ServiceDeps, actor: Actor, input: z.infer<typeof createDraftInput>): Promise<OnboardingSessionView> {
  return sourceAction(deps, actor, workspaceGate(input.workspaceId, 'onboarding.manage'), async (tx, _scope, now) => {
    const [draft] = await tx.query<SessionRow>(INSERT_DRAFT, [newId(), input.workspaceId, actor.userId, now]);
    return {
      result: view(draft!),
      audit: { action: 'onboarding.draft_created', subjectType: 'onboarding_session', subjectId: draft!.id },
    };
  });
}

export function linkTenant(deps: ServiceDeps, actor: Actor, input: z.infer<typeof linkTenantInput>): Promise<OnboardingSessionView> {
  const gate: Gate<Scope & { session: SessionRow }> = async (tx, who) => {
    const session = await lockSession(tx, who, input.onboardingSessionId);
    const tenant = await tenantGate(input.tenantId, 'onboarding.manage')(tx, who);
    if (tenant.workspaceId !== session.workspace_id) throw new TRPCError({ code: 'NOT_FOUND', message: 'Tenant not found' });
    return { workspaceId: session.workspace_id, tenantId: tenant.tenantId, session };
  };
  return sourceAction(deps, actor, gate, async (tx, { session, tenantId }, now) => {
    // A retry of this request (or the same link made concurrently): the same answer, nothing new.
    if (session.tenant_id === tenantId) return { result: view(session) };
    if (session.tenant_id) throw new TRPCError({ code: 'CONFLICT', message: 'This onboarding session is already linked to another tenant' });
    const [linked] = await tx.query<SessionRow>(LINK, [session.id, tenantId, statusOf(tenantId, session.completed_checkpoints), now]);
    return {
      result: view(linked!),
      audit: { action: 'onboarding.tenant_linked', subjectType: 'onboarding_session', subjectId: session.id },
    };
  });
}

/**
 * Checkpoints complete in order. A real transition on a linked tenant records
 * `onboarding.checkpoint_completed`; a repeat, or any transition of a pre-tenant draft, records nothing.
 */
export function completeCheckpoint(deps: ServiceDeps, actor: Actor, input: z.infer<typeof completeCheckpointInput>): Promise<OnboardingSessionView> {
  const gate: Gate<Scope & { session: SessionRow }> = async (tx, who) => {
    const session = await lockSession(tx, who, input.onboardingSessionId);
    if (session.tenant_id) await tenantGate(session.tenant_id, 'onboarding.manage')(tx, who);
    return { workspaceId: session.workspace_id, tenantId: session.tenant_id, session };
  };
  return sourceAction(deps, actor, gate, async (tx, { session }, now) => {
    const done = session.completed_checkpoints;
    if (done.includes(input.checkpoint)) return { result: view(session) };
    const missing = CHECKPOINTS.slice(0, CHECKPOINTS.indexOf(input.checkpoint)).filter((c) => !done.includes(c));
    if (missing.length > 0) {
      throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `Checkpoint ${input.checkpoint} requires ${missing.join(', ')} first` });
    }
    const status = statusOf(session.tenant_id, [...done, input.checkpoint]);
    const [updated] = await tx.query<SessionRow>(COMPLETE, [session.id, input.checkpoint, status, now]);
    return {
      result: view(updated!),
      audit: { action: 'onboarding.checkpoint_completed', subjectType: 'onboarding_session', subjectId: session.id, details: { checkpoint: input.checkpoint } },
      usage: session.tenant_id
        ? {
            event: 'onboarding.checkpoint_completed',
            subjectType: 'onboarding_session',
            subjectId: session.id,
            metadata: { checkpoint: input.checkpoint },
            eventKey: `onboarding.checkpoint_completed:${session.id}:${input.checkpoint}`,
          }
        : undefined,
    };
  });
}

/** The session, locked, if the actor may manage onboarding in its workspace; NOT_FOUND otherwise. */
async function lockSession(tx: SqlRunner, actor: Actor, id: string): Promise<SessionRow> {
  const [row] = await tx.query<SessionRow & { capabilities: string[] }>(LOCK_SESSION, [id, actor.userId]);
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: 'Onboarding session not found' });
  requireCapability(row.capabilities, 'onboarding.manage');
  const { capabilities: _, ...session } = row;
  return session;
}

/** One rule for every transition: all checkpoints passed is completed, whether linked before or after. */
function statusOf(tenantId: string | null, completedCheckpoints: readonly string[]): OnboardingSessionView['status'] {
  if (CHECKPOINTS.every((c) => completedCheckpoints.includes(c))) return 'completed';
  return tenantId ? 'in_progress' : 'draft';
}

function view(row: SessionRow): OnboardingSessionView {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    tenantId: row.tenant_id,
    status: row.status,
    completedCheckpoints: row.completed_checkpoints,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
