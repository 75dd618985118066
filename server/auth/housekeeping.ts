import type { Tx } from '../db/client.ts';
import { deleteStaleThrottles } from './throttle.ts';

/**
 * Deletes what authentication no longer needs: sessions of both planes that expired or were revoked
 * (their tokens are refused either way: an unknown token gets the same answer), and throttle rows
 * whose window and lock are over. Run by the daily schedule (telemetry/schedule.ts).
 */
export async function deleteStaleAuthRows(db: Tx, now: Date) {
  const ended = { OR: [{ expiresAt: { lte: now } }, { revokedAt: { not: null } }] };
  const adminSessions = (await db.adminSession.deleteMany({ where: ended })).count;
  const systemSessions = (await db.systemSession.deleteMany({ where: ended })).count;
  const throttles = await deleteStaleThrottles(db, now);
  return { adminSessions, systemSessions, throttles };
}
