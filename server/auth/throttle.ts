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

export async function recordFailure(db: Tx, keys: ThrottleKeys, now: Date): Promise<void> {
  for (const [key, max] of [
    [keys.account, THROTTLE.maxFailuresPerAccount],
    [keys.address, THROTTLE.maxFailuresPerAddress],
  ] as const) {
    // One statement per key so concurrent failures on several replicas all count.
    await db.$executeRaw`
      INSERT INTO login_throttles (key, failures, window_starts_at, locked_until)
      VALUES (${key}, 1, ${now}, NULL)
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN login_throttles.window_starts_at <= ${new Date(now.getTime() - THROTTLE.windowMs)}
                        THEN 1 ELSE login_throttles.failures + 1 END,
        window_starts_at = CASE WHEN login_throttles.window_starts_at <= ${new Date(now.getTime() - THROTTLE.windowMs)}
                        THEN ${now} ELSE login_throttles.window_starts_at END`;
    await db.$executeRaw`
      UPDATE login_throttles SET locked_until = ${new Date(now.getTime() + THROTTLE.lockMs)}, failures = 0, window_starts_at = ${now}
      WHERE key = ${key} AND failures >= ${max}`;
  }
}

/** A successful login clears the account's counter (not the address's: that one protects others). */
export async function clearAccount(db: Tx, keys: ThrottleKeys): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key: keys.account } });
}
