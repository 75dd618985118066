import type { Tx } from '../db/client.ts';

/**
 * Failed-login throttling shared by all replicas (rows in `login_throttles`). After MAX_FAILURES
 * failures within WINDOW_MS for one key, that key is locked for LOCK_MS. Keys are per plane and per
 * account or per client address, so one attacker cannot lock everyone out from one address and
 * many addresses cannot hammer one account.
 */
export const THROTTLE = { maxFailuresPerAccount: 5, maxFailuresPerAddress: 20, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export type ThrottleKeys = { account: string; address: string };

export function throttleKeys(plane: string, email: string, ip: string): ThrottleKeys {
  return { account: `${plane}:account:${email}`, address: `${plane}:address:${ip}` };
}

/** Seconds until the caller may try again, or 0 when not locked. */
export async function lockedForSeconds(db: Tx, keys: ThrottleKeys, now: Date): Promise<number> {
  const rows = await db.loginThrottle.findMany({ where: { key: { in: [keys.account, keys.address] } } });
  const until = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

/**
 * Counts one failure per key. One statement per key counts and, on reaching the limit, locks — so
 * concurrent failures on several replicas all count and no reader ever sees "limit reached, not
 * locked yet". Every `t.` on the right-hand side is the row as it was before this statement.
 */
export async function recordFailure(db: Tx, keys: ThrottleKeys, now: Date): Promise<void> {
  const windowStart = new Date(now.getTime() - THROTTLE.windowMs);
  const lockUntil = new Date(now.getTime() + THROTTLE.lockMs);
  for (const [key, max] of [
    [keys.account, THROTTLE.maxFailuresPerAccount],
    [keys.address, THROTTLE.maxFailuresPerAddress],
  ] as const) {
    await db.$executeRaw`
      INSERT INTO login_throttles AS t (key, failures, window_starts_at, locked_until)
      VALUES (${key}, 1, ${now}, NULL)
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN t.window_starts_at <= ${windowStart} THEN 1
                        WHEN t.failures + 1 >= ${max} THEN 0
                        ELSE t.failures + 1 END,
        window_starts_at = CASE WHEN t.window_starts_at <= ${windowStart} OR t.failures + 1 >= ${max} THEN ${now}
                                ELSE t.window_starts_at END,
        locked_until = CASE WHEN t.window_starts_at > ${windowStart} AND t.failures + 1 >= ${max} THEN ${lockUntil}
                            ELSE t.locked_until END`;
  }
}

/**
 * A successful login clears the account's counter (not the address's: that one protects others) —
 * unless a lock set by parallel failures is live: a correct password does not lift it.
 */
export async function clearAccount(db: Tx, keys: ThrottleKeys, now: Date): Promise<void> {
  await db.loginThrottle.deleteMany({
    where: { key: keys.account, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
  });
}
