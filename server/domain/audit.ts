import { randomUUID } from 'node:crypto';
import { sqlRunner, statement, type SqlRunner, type Tx } from '../db/client.ts';

export type AuditEntry = {
  action: string;
  subjectType: string;
  subjectId: string;
  workspaceId?: string | null;
  tenantId?: string | null;
  actorUserId?: string | null;
  actorSystemUserId?: string | null;
  details?: Record<string, unknown>;
  at: Date;
  /** Made here when absent; pass one when the entry's id is also the action's own identity. */
  id?: string;
};

const INSERT_AUDIT = statement(
  'audit_insert',
  `INSERT INTO audit_logs (id, workspace_id, tenant_id, actor_user_id, actor_system_user_id, action, subject_type, subject_id, details, created_at)
   VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6, $7, $8, $9::jsonb, $10::timestamptz)`,
);

/** Compliance truth for every mutation, written inside the action's transaction. Never telemetry. */
export async function writeAudit(tx: SqlRunner | Tx, entry: AuditEntry): Promise<{ id: string }> {
  const id = entry.id ?? randomUUID();
  await sqlRunner(tx).query(INSERT_AUDIT, [
    id,
    entry.workspaceId ?? null,
    entry.tenantId ?? null,
    entry.actorUserId ?? null,
    entry.actorSystemUserId ?? null,
    entry.action,
    entry.subjectType,
    entry.subjectId,
    JSON.stringify(entry.details ?? {}),
    entry.at,
  ]);
  return { id };
}
