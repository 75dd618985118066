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
import type { SetupCode } from './setup-code.ts';
import { admission, type KnownLocks, releaseAttempt, reserveAttempt, settleSuccess, setupCodeKeys, throttleKeys, type ThrottleKeys } from './throttle.ts';
import { BusyError } from './work-limiter.ts';

export const email = z.string().trim().toLowerCase().pipe(z.email({ error: 'must be an e-mail address' }).max(254));
export const loginInput = z.strictObject({ email, password: z.string().min(1).max(MAX_PASSWORD_LENGTH) });
export const newPassword = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH);
const SETUP_CODE_NEEDED = 'enter the setup code the server printed at start';
export const bootstrapInput = z.strictObject({
  email,
  displayName: z.string().trim().min(1).max(100),
  password: newPassword,
  /** The code this server printed at start (see auth/setup-code.ts). */
  setupCode: z.string({ error: SETUP_CODE_NEEDED }).trim().min(1, SETUP_CODE_NEEDED).max(200),
});

type LoginDeps = { db: Db; now: () => Date; ip: string; setHeader: (name: string, value: string) => void };

const INVALID = 'Invalid e-mail or password';

/**
 * Password login for either plane. The same message and the same scrypt work (a decoy hash with the
 * cost of the real stored hashes) for an unknown account and a wrong password, and the same
 * throttling (auth/throttle.ts). In this process one account's attempts run one at a time — tRPC runs
 * a batch's calls in parallel — so each sees the count the previous one left; across replicas the
 * count is reserved in the database before the password is hashed.
 */
export function login(deps: LoginDeps, plane: Plane, input: z.infer<typeof loginInput>) {
  const keys = throttleKeys(plane, input.email, deps.ip);
  return oneAtATime(keys.account, (known) => attemptLogin(deps, plane, input, keys, known));
}

async function attemptLogin(deps: LoginDeps, plane: Plane, input: z.infer<typeof loginInput>, keys: ThrottleKeys, known: KnownLocks) {
  const now = deps.now();
  const { waitSeconds, clean } = await admission(deps.db, keys, now, known);
  if (waitSeconds > 0) tooMany(deps, waitSeconds);
  const lockedNow = await reserveAttempt(deps.db, keys, now, known);
  if (lockedNow > 0) tooMany(deps, lockedNow);

  // Hashed ahead of the others: an attempt with no recent failures on its account or address, and
  // no other attempt from its address under way here (a burst's first guesses arrive together).
  const priority = clean && !checking.has(keys.address) ? 'high' : 'normal';
  checking.set(keys.address, (checking.get(keys.address) ?? 0) + 1);
  let account: { id: string; email: string; displayName: string; passwordHash: string } | null;
  let ok: boolean;
  try {
    account =
      plane === 'admin'
        ? await deps.db.user.findUnique({ where: { email: input.email } })
        : await deps.db.systemUser.findUnique({ where: { email: input.email } });
    const stored = account?.passwordHash ?? (await decoyHash(await referenceCost(deps.db, plane)));
    ok = await verifyPassword(input.password, stored, priority);
  } catch (err) {
    // Never checked: not an attempt.
    await releaseAttempt(deps.db, keys, now);
    if (err instanceof BusyError) busy(deps, err.retryAfterSeconds);
    throw err;
  } finally {
    const left = checking.get(keys.address)! - 1;
    if (left > 0) checking.set(keys.address, left);
    else checking.delete(keys.address);
  }
  if (!account || !ok) throw new TRPCError({ code: 'UNAUTHORIZED', message: INVALID });

  // Failures on other replicas may have locked the account while this password was being checked.
  const locked = await settleSuccess(deps.db, keys, now, known);
  if (locked > 0) tooMany(deps, locked);
  const session =
    plane === 'admin' ? await createAdminSession(deps.db, account.id, now) : await createSystemSession(deps.db, account.id, now);
  return { ...session, account: { id: account.id, email: account.email, displayName: account.displayName } };
}

/** Attempts whose password is being checked in this process, per address key. */
const checking = new Map<string, number>();

/**
 * Runs `task` after every earlier task with the same key has settled (in this process). The tasks
 * queued together share what they learnt of locks (KnownLocks), so a burst at a locked account costs
 * one database read, not one per attempt; that knowledge goes with the queue once it empties.
 */
const queues = new Map<string, { tail: Promise<unknown>; known: KnownLocks }>();
function oneAtATime<T>(key: string, task: (known: KnownLocks) => Promise<T>): Promise<T> {
  const queue = queues.get(key) ?? { tail: Promise.resolve(), known: new Map() };
  // Each queued attempt starts in a macrotask of its own: refusals of a burst (no I/O once the lock
  // is known) would otherwise run back to back as microtasks and hold up every other request.
  const result = queue.tail.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => task(queue.known));
  const settled = result.catch(() => undefined);
  queue.tail = settled;
  queues.set(key, queue);
  void settled.then(() => {
    if (queue.tail === settled) queues.delete(key);
  });
  return result;
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

function tooMany(deps: Pick<LoginDeps, 'setHeader'>, seconds: number): never {
  deps.setHeader('Retry-After', String(seconds));
  throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `Too many failed sign-ins: try again in ${Math.ceil(seconds / 60)} min` });
}

function busy(deps: Pick<LoginDeps, 'setHeader'>, seconds: number): never {
  deps.setHeader('Retry-After', String(seconds));
  throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: `The server is busy checking other sign-ins: try again in ${seconds} s` });
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

export const WRONG_SETUP_CODE = 'Invalid or expired setup code: use the one this server printed at start';
const OPERATOR_EXISTS = 'An operator already exists: sign in instead';

/**
 * The first system user, only with this process's setup code and only while no system user exists.
 * A wrong code is refused before any other work, creates nothing and counts as a failed sign-in of
 * the caller's address (so it is throttled like one); whether an operator exists is told only to a
 * caller who holds the code.
 */
export async function bootstrapFirstOperator(
  deps: LoginDeps & { setupCode?: SetupCode },
  input: z.infer<typeof bootstrapInput>,
) {
  const now = deps.now();
  const keys = setupCodeKeys(deps.ip);
  const { waitSeconds } = await admission(deps.db, keys, now);
  if (waitSeconds > 0) tooMany(deps, waitSeconds);
  if (!deps.setupCode?.matches(input.setupCode)) {
    const locked = await reserveAttempt(deps.db, keys, now);
    if (locked > 0) tooMany(deps, locked);
    throw new TRPCError({ code: 'FORBIDDEN', message: WRONG_SETUP_CODE });
  }
  // Refuse before hashing once an operator exists (created by the CLI, or through another replica).
  if ((await deps.db.systemUser.count()) > 0) {
    deps.setupCode.consume();
    throw new TRPCError({ code: 'FORBIDDEN', message: OPERATOR_EXISTS });
  }
  let passwordHash: string;
  try {
    passwordHash = await hashPassword(input.password);
  } catch (err) {
    if (err instanceof BusyError) busy(deps, err.retryAfterSeconds);
    throw err;
  }
  const created = await deps.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`;
    if ((await tx.systemUser.count()) > 0) return undefined;
    const operator = await tx.systemUser.create({
      data: { email: input.email, displayName: input.displayName, passwordHash, permissions: [...SYSTEM_PERMISSIONS] },
      select: { id: true, email: true, displayName: true },
    });
    const session = await createSystemSession(tx, operator.id, now);
    return { ...session, operator };
  });
  deps.setupCode.consume();
  if (!created) throw new TRPCError({ code: 'FORBIDDEN', message: OPERATOR_EXISTS });
  return created;
}
