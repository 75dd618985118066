import { createHash, randomBytes } from 'node:crypto';
import { statement, type SqlRunner, type Tx } from '../db/client.ts';

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

// The two session lookups every authenticated request makes: one statement each, prepared once.
const ADMIN_SESSION = statement(
  'admin_session_lookup',
  `SELECT s.id AS session_id, u.id, u.email, u.display_name
     FROM admin_sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2::timestamptz`,
);
const SYSTEM_SESSION = statement(
  'system_session_lookup',
  `SELECT s.id AS session_id, u.id, u.email, u.display_name, u.permissions
     FROM system_sessions s JOIN system_users u ON u.id = s.system_user_id
    WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2::timestamptz`,
);

/** The admin user behind a live token, or null (unknown, expired or revoked). */
export async function findAdminSession(sql: SqlRunner, token: string, now: Date) {
  const [row] = await sql.query<{ session_id: string; id: string; email: string; display_name: string }>(ADMIN_SESSION, [hashToken(token), now]);
  return row ? { sessionId: row.session_id, user: { id: row.id, email: row.email, displayName: row.display_name } } : null;
}

export async function findSystemSession(sql: SqlRunner, token: string, now: Date) {
  const [row] = await sql.query<{ session_id: string; id: string; email: string; display_name: string; permissions: string[] }>(SYSTEM_SESSION, [
    hashToken(token),
    now,
  ]);
  return row
    ? { sessionId: row.session_id, operator: { id: row.id, email: row.email, displayName: row.display_name, permissions: row.permissions } }
    : null;
}
