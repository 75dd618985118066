import type { Prisma, Tx } from '../db/client.ts';

/** Compliance truth for every mutation, written inside the action's transaction. Never telemetry. */
export function writeAudit(
  tx: Tx,
  entry: {
    action: string;
    subjectType: string;
    subjectId: string;
    workspaceId?: string | null;
    tenantId?: string | null;
    actorUserId?: string | null;
    actorSystemUserId?: string | null;
    details?: Prisma.InputJsonObject;
    at: Date;
  },
) {
  const { at, details, ...rest } = entry;
  return tx.auditLog.create({ data: { ...rest, details: details ?? {}, createdAt: at } });
}
