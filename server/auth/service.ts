import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { SYSTEM_PERMISSIONS } from './capabilities.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, decoyHash, hashPassword, verifyPassword } from './passwords.ts';
import { createAdminSession, createSystemSession, hashToken, type Plane } from './sessions.ts';
import { clearAccount, lockedForSeconds, recordFailure, throttleKeys } from './throttle.ts';

export const email = z.string().trim().toLowerCase().pipe(z.email({ error: 'must be an e-mail address' }).max(254));
export const loginInput = z.strictObject({ email, password: z.string().min(1).max(MAX_PASSWORD_LENGTH) });
export const newPassword = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH);
export const bootstrapInput = z.strictObject({
  email,
  displayName: z.string().trim().min(1).max(100),
  password: newPassword,
});

type LoginDeps = { db: Db; now: () => Date; ip: string; setHeader: (name: string, value: string) => void };

const INVALID = 'Invalid e-mail or password';

/**
 * Password login for either plane. The same message and (through a decoy hash) the same cost for an
 * unknown account and a wrong password; failures counted per account and per address.
 */
export async function login(deps: LoginDeps, plane: Plane, input: z.infer<typeof loginInput>) {
  const now = deps.now();
  const keys = throttleKeys(plane, input.email, deps.ip);
  const wait = await lockedForSeconds(deps.db, keys, now);
  if (wait > 0) tooMany(deps, wait);

  const account =
    plane === 'admin'
      ? await deps.db.user.findUnique({ where: { email: input.email } })
      : await deps.db.systemUser.findUnique({ where: { email: input.email } });
  const ok = await verifyPassword(input.password, account?.passwordHash ?? (await decoyHash()));
  if (!account || !ok) {
    await recordFailure(deps.db, keys, now);
    const locked = await lockedForSeconds(deps.db, keys, now);
    if (locked > 0) tooMany(deps, locked);
    throw new TRPCError({ code: 'UNAUTHORIZED', message: INVALID });
  }
  await clearAccount(deps.db, keys);
  const session =
    plane === 'admin' ? await createAdminSession(deps.db, account.id, now) : await createSystemSession(deps.db, account.id, now);
  return { ...session, account: { id: account.id, email: account.email, displayName: account.displayName } };
}

function tooMany(deps: LoginDeps, seconds: number): never {
  deps.setHeader('Retry-After', String(seconds));
  throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `Too many failed sign-ins: try again in ${Math.ceil(seconds / 60)} min` });
}

export async function revokeSession(db: Db, plane: Plane, token: string, now: Date) {
  const where = { tokenHash: hashToken(token), revokedAt: null };
  if (plane === 'admin') await db.adminSession.updateMany({ where, data: { revokedAt: now } });
  else await db.systemSession.updateMany({ where, data: { revokedAt: now } });
}

/** Creates a system user (CLI `system-user:create`, first-operator bootstrap). */
export async function createSystemUser(db: Db, input: { email: string; displayName: string; password: string }) {
  const parsed = z.strictObject({ email, displayName: z.string().trim().min(1).max(100), password: newPassword }).parse(input);
  return db.systemUser.create({
    data: {
      email: parsed.email,
      displayName: parsed.displayName,
      passwordHash: await hashPassword(parsed.password),
      permissions: [...SYSTEM_PERMISSIONS],
    },
    select: { id: true, email: true, displayName: true },
  });
}

/** Key of the transaction-scoped advisory lock that makes "first operator" happen once. */
const BOOTSTRAP_LOCK = 4_310_003;

/** The first system user, only while none exists. */
export async function bootstrapFirstOperator(db: Db, input: z.infer<typeof bootstrapInput>, now: Date) {
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`;
    if ((await tx.systemUser.count()) > 0) {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'An operator already exists: sign in instead' });
    }
    const operator = await tx.systemUser.create({
      data: { email: input.email, displayName: input.displayName, passwordHash, permissions: [...SYSTEM_PERMISSIONS] },
      select: { id: true, email: true, displayName: true },
    });
    const session = await createSystemSession(tx, operator.id, now);
    return { ...session, operator };
  });
}
