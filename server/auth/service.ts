import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { SYSTEM_PERMISSIONS } from './capabilities.ts';
import {
  DEFAULT_COST,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  costOf,
  decoyHash,
  hashPassword,
  verifyPassword,
  type ScryptCost,
} from './passwords.ts';
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
 * Password login for either plane. The same message and the same scrypt work (a decoy hash with the
 * cost of the real stored hashes) for an unknown account and a wrong password. Failures are counted
 * per account and per address in the database, so every replica sees them; a locked key is refused
 * before any password is checked, and a correct password is refused too while its key is locked, so
 * a burst of parallel guesses learns nothing beyond the first few.
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
  const ok = await verifyPassword(input.password, account?.passwordHash ?? (await decoyHash(await referenceCost(deps.db, plane))));
  if (!account || !ok) {
    await recordFailure(deps.db, keys, now);
    const locked = await lockedForSeconds(deps.db, keys, now);
    if (locked > 0) tooMany(deps, locked);
    throw new TRPCError({ code: 'UNAUTHORIZED', message: INVALID });
  }
  // Parallel wrong guesses may have locked the key while this one was being checked.
  const locked = await lockedForSeconds(deps.db, keys, now);
  if (locked > 0) tooMany(deps, locked);
  await clearAccount(deps.db, keys, now);
  const session =
    plane === 'admin' ? await createAdminSession(deps.db, account.id, now) : await createSystemSession(deps.db, account.id, now);
  return { ...session, account: { id: account.id, email: account.email, displayName: account.displayName } };
}

/**
 * The scrypt cost of the plane's real stored hashes (its newest account's), looked up once per
 * database and plane; the default cost while the plane has no account.
 */
const referenceCosts = new WeakMap<object, Partial<Record<Plane, ScryptCost>>>();
async function referenceCost(db: Db, plane: Plane): Promise<ScryptCost> {
  const known = referenceCosts.get(db)?.[plane];
  if (known) return known;
  const newest =
    plane === 'admin'
      ? await db.user.findFirst({ orderBy: { createdAt: 'desc' }, select: { passwordHash: true } })
      : await db.systemUser.findFirst({ orderBy: { createdAt: 'desc' }, select: { passwordHash: true } });
  const cost = newest ? costOf(newest.passwordHash) : undefined;
  if (!cost) return DEFAULT_COST;
  referenceCosts.set(db, { ...referenceCosts.get(db), [plane]: cost });
  return cost;
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
