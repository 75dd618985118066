import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from '../db/client.ts';

/**
 * Opaque bearer tokens. The prefix names the plane so a token presented to the wrong plane gets a
 * clear refusal; the database stores only the SHA-256 of the token, in the plane's own table.
 */
export const PLANES = {
  admin: { prefix: 'tpa_', ttlMs: 12 * 3600_000 },
  system: { prefix: 'tps_', ttlMs: 8 * 3600_000 },
} as const;
export type Plane = keyof typeof PLANES;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function planeOfToken(token: string): Plane | undefined {
  if (token.startsWith(PLANES.admin.prefix)) return 'admin';
  if (token.startsWith(PLANES.system.prefix)) return 'system';
  return undefined;
}

export function newToken(plane: Plane): string {
  return PLANES[plane].prefix + randomBytes(32).toString('base64url');
}

export async function createAdminSession(db: Tx, userId: string, now: Date) {
  const token = newToken('admin');
  const expiresAt = new Date(now.getTime() + PLANES.admin.ttlMs);
  await db.adminSession.create({ data: { tokenHash: hashToken(token), userId, expiresAt, createdAt: now } });
  return { token, expiresAt };
}

export async function createSystemSession(db: Tx, systemUserId: string, now: Date) {
  const token = newToken('system');
  const expiresAt = new Date(now.getTime() + PLANES.system.ttlMs);
  await db.systemSession.create({
    data: { tokenHash: hashToken(token), systemUserId, expiresAt, createdAt: now },
  });
  return { token, expiresAt };
}

/** The admin user behind a live token, or null (unknown, expired or revoked). */
export async function findAdminSession(db: Tx, token: string, now: Date) {
  const session = await db.adminSession.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { user: { select: { id: true, email: true, displayName: true } } },
  });
  if (!session || session.revokedAt || session.expiresAt <= now) return null;
  return { sessionId: session.id, user: session.user };
}

export async function findSystemSession(db: Tx, token: string, now: Date) {
  const session = await db.systemSession.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { systemUser: { select: { id: true, email: true, displayName: true, permissions: true } } },
  });
  if (!session || session.revokedAt || session.expiresAt <= now) return null;
  return { sessionId: session.id, operator: session.systemUser };
}
