import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import type { Capability } from '../auth/capabilities.ts';
import { statement, type SqlRunner } from '../db/client.ts';
import type { EventName } from '../telemetry/catalog.ts';
import type { UsageEvent } from '../telemetry/recorder.ts';
import { writeAudit, type AuditEntry } from './audit.ts';
import type { Actor, ServiceDeps } from './deps.ts';

/**
 * The one pattern of the five source seams. In one transaction, in this order:
 *   1. the access gate: workspace membership → tenant entitlement → capability, read under share
 *      locks, so a right revoked concurrently either waits for this commit or is seen and refuses;
 *   2. the source write (the action's own statements);
 *   3. the audit entry (compliance truth, always written for a real change);
 *   4. the telemetry recorder, last, in its own subtransaction (an adoption signal, when the success
 *      is one).
 * The action returns its public result; it never returns a database row.
 */
export type ActionOutcome<T, E extends EventName = EventName> = {
  result: T;
  /** Absent when nothing changed (an idempotent repeat): then nothing is audited or recorded either. */
  audit?: Omit<AuditEntry, 'workspaceId' | 'tenantId' | 'actorUserId' | 'at'>;
  usage?: Omit<UsageEvent<E>, 'workspaceId' | 'tenantId' | 'actorUserId' | 'occurredAt'>;
};

/** Where an action acts, as its gate found it. */
export type Scope = { workspaceId: string; tenantId: string | null };

export type Gate<S extends Scope> = (tx: SqlRunner, actor: Actor) => Promise<S>;

export async function sourceAction<S extends Scope, T>(
  deps: ServiceDeps,
  actor: Actor,
  gate: Gate<S>,
  act: (tx: SqlRunner, scope: S, now: Date) => Promise<ActionOutcome<T>>,
): Promise<T> {
  const now = deps.now();
  return deps.database.transaction(async (tx) => {
    const scope = await gate(tx, actor);
    const { result, audit, usage } = await act(tx, scope, now);
    if (audit) {
      await writeAudit(tx, { ...audit, workspaceId: scope.workspaceId, tenantId: scope.tenantId, actorUserId: actor.userId, at: now });
    }
    if (usage) {
      if (!scope.tenantId) throw new Error(`${usage.event}: an adoption signal needs a tenant`);
      await deps.telemetry.record(tx, { ...usage, workspaceId: scope.workspaceId, tenantId: scope.tenantId, actorUserId: actor.userId, occurredAt: now } as UsageEvent);
    }
    return result;
  });
}

/** Ids are made here, not by the database: a statement needs no RETURNING to learn them. */
export const newId = () => randomUUID();

export type GatedTenant = { workspaceId: string; tenantId: string; slug: string; name: string; connectionStatus: string; connectedAt: Date | null };

// One round trip. The membership and entitlement rows are share-locked (a revoking DELETE or UPDATE
// waits for this transaction; one that committed first is seen). `visible` is false for a tenant the
// actor may not see, whether or not it exists elsewhere.
const TENANT_GATE = statement(
  'tenant_gate',
  `SELECT t.workspace_id, t.id AS tenant_id, t.slug, t.name, t.connection_status, t.connected_at,
          m.capabilities,
          EXISTS (SELECT 1 FROM tenant_entitlements e WHERE e.tenant_id = t.id AND e.user_id = $2::uuid FOR SHARE) AS entitled
     FROM tenants t
     JOIN workspace_memberships m ON m.workspace_id = t.workspace_id AND m.user_id = $2::uuid
    WHERE t.id = $1::uuid
      FOR SHARE OF m`,
);

/** The tenant gate: NOT_FOUND unless member and entitled; FORBIDDEN without the capability. */
export const tenantGate =
  (tenantId: string, capability: Capability): Gate<GatedTenant> =>
  async (tx, actor) => {
    const [row] = await tx.query<{
      workspace_id: string;
      tenant_id: string;
      slug: string;
      name: string;
      connection_status: string;
      connected_at: Date | null;
      capabilities: string[];
      entitled: boolean;
    }>(TENANT_GATE, [tenantId, actor.userId]);
    if (!row?.entitled) throw new TRPCError({ code: 'NOT_FOUND', message: 'Tenant not found' });
    requireCapability(row.capabilities, capability);
    return {
      workspaceId: row.workspace_id,
      tenantId: row.tenant_id,
      slug: row.slug,
      name: row.name,
      connectionStatus: row.connection_status,
      connectedAt: row.connected_at,
    };
  };

const WORKSPACE_GATE = statement(
  'workspace_gate',
  'SELECT capabilities FROM workspace_memberships WHERE workspace_id = $1::uuid AND user_id = $2::uuid FOR SHARE',
);

/** The workspace gate (pre-tenant onboarding drafts): NOT_FOUND unless member; FORBIDDEN without the capability. */
export const workspaceGate =
  (workspaceId: string, capability: Capability, notFound = 'Workspace not found'): Gate<Scope> =>
  async (tx, actor) => {
    const [membership] = await tx.query<{ capabilities: string[] }>(WORKSPACE_GATE, [workspaceId, actor.userId]);
    if (!membership) throw new TRPCError({ code: 'NOT_FOUND', message: notFound });
    requireCapability(membership.capabilities, capability);
    return { workspaceId, tenantId: null };
  };

export function requireCapability(granted: readonly string[], capability: Capability) {
  if (!granted.includes(capability)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `You lack the ${capability} capability in this workspace` });
  }
}

/** Recent history only: what the actions read of a tenant's past is bounded by this window. */
export const HISTORY_WINDOW_DAYS = 30;
export const historyStart = (now: Date) => new Date(now.getTime() - HISTORY_WINDOW_DAYS * 86_400_000);

/** SQL for a timestamptz as JavaScript's toISOString() writes it (our columns keep milliseconds). */
export const isoSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
