import type { Tx } from '../db/client.ts';
import { clientAddressKey } from '../net.ts';

/**
 * Failed-login throttling shared by all replicas (rows in `login_throttles`), after OWASP's
 * Authentication Cheat Sheet: the failure counter belongs to the account, not to the source address.
 *
 * - Account: `maxFailuresPerAccount` failures within `windowMs` lock it for `lockMs`, whoever tries.
 * - Address (an IPv4 address, or an IPv6 /64): past `maxFailuresPerAddress` failures, it may still sign
 *   in to accounts that have no recent failures (a NAT or proxy shares an address with many honest
 *   users), but not to any that has; at `addressCeiling` it is locked for `lockMs`, whatever the account.
 *
 * Every attempt is counted (reserved) as a failure before its password is hashed, and a success
 * takes its count back, so a burst of parallel guesses cannot buy more scrypt runs than the limits
 * allow. A lock set meanwhile by other attempts is not lifted by a correct password.
 */
export const THROTTLE = {
  maxFailuresPerAccount: 5,
  maxFailuresPerAddress: 20,
  addressCeiling: 100,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
};

export type ThrottleKeys = { account: string; address: string };

export function throttleKeys(plane: string, email: string, ip: string): ThrottleKeys {
  return { account: `${plane}:account:${email}`, address: `${plane}:address:${clientAddressKey(ip)}` };
}

/**
 * Wrong first-run setup codes count per address: against the address's system-plane sign-ins, and
 * under a key of their own that locks further tries from that address like an account lock would.
 */
export function setupCodeKeys(ip: string): ThrottleKeys {
  const address = clientAddressKey(ip);
  return { account: `system:setup-code:${address}`, address: `system:address:${address}` };
}

/**
 * Locks (key → locked-until, ms) already read from the database by earlier attempts of the same
 * burst in this process, so later ones are refused without asking again. Only ever a lock: a lock is
 * never lifted before its time, so what was read stays true. Short-lived: see auth/service.ts.
 */
export type KnownLocks = Map<string, number>;

type Row = { key: string; failures: number; window_starts_at: Date; locked_until: Date | null };
const seconds = (ms: number) => Math.ceil(ms / 1000);

/** The longest known lock on `keys` that is still live at `now`, in seconds (0: none known). */
function knownWait(known: KnownLocks | undefined, keys: ThrottleKeys, now: Date): number {
  const until = Math.max(known?.get(keys.account) ?? 0, known?.get(keys.address) ?? 0);
  return until > now.getTime() ? seconds(until - now.getTime()) : 0;
}

function remember(known: KnownLocks | undefined, key: string, lockedUntil: Date | null) {
  if (known && lockedUntil) known.set(key, Math.max(known.get(key) ?? 0, lockedUntil.getTime()));
}

async function readRows(db: Tx, keys: ThrottleKeys, known: KnownLocks | undefined): Promise<Row[]> {
  const rows = await db.$queryRaw<Row[]>`
    SELECT key, failures, window_starts_at, locked_until FROM login_throttles WHERE key IN (${keys.account}, ${keys.address})`;
  for (const row of rows) remember(known, row.key, row.locked_until);
  return rows;
}

/**
 * Whether an attempt may be made now — `waitSeconds` 0, or the seconds to wait — and whether it is
 * `clean`: neither its account nor its address has recent failures. Refused: a locked account or
 * address, and an account with recent failures from an address past its per-address limit.
 */
export async function admission(db: Tx, keys: ThrottleKeys, now: Date, known?: KnownLocks): Promise<{ waitSeconds: number; clean: boolean }> {
  const wait = knownWait(known, keys, now);
  if (wait > 0) return { waitSeconds: wait, clean: false };
  const rows = await readRows(db, keys, known);
  const t = now.getTime();
  const locked = Math.max(0, ...rows.map((r) => r.locked_until?.getTime() ?? 0));
  if (locked > t) return { waitSeconds: seconds(locked - t), clean: false };
  const recent = (row: Row | undefined) => (row && row.window_starts_at.getTime() + THROTTLE.windowMs > t && row.failures > 0 ? row : undefined);
  const account = recent(rows.find((r) => r.key === keys.account));
  const address = recent(rows.find((r) => r.key === keys.address));
  if (account && address && address.failures >= THROTTLE.maxFailuresPerAddress) {
    // Until either count runs out of its window.
    return { waitSeconds: seconds(Math.min(account.window_starts_at.getTime(), address.window_starts_at.getTime()) + THROTTLE.windowMs - t), clean: false };
  }
  return { waitSeconds: 0, clean: !account && !address };
}

/**
 * Counts one attempt as a failure on both keys, before its password is checked; returns the seconds
 * of a lock this count set (or met), 0 when the attempt may go ahead. One statement counts and, on
 * reaching a key's limit, locks it — so concurrent attempts on several replicas all count and no
 * reader ever sees "limit reached, not locked yet". Every `t.` on the right-hand side is the row as
 * it was before this statement; `limits` gives each key its limit.
 */
export async function reserveAttempt(db: Tx, keys: ThrottleKeys, now: Date, known?: KnownLocks): Promise<number> {
  const windowStart = new Date(now.getTime() - THROTTLE.windowMs);
  const lockUntil = new Date(now.getTime() + THROTTLE.lockMs);
  const rows = await db.$queryRaw<{ key: string; locked_until: Date | null }[]>`
    WITH limits (key, max) AS (VALUES (${keys.account}, ${THROTTLE.maxFailuresPerAccount}::int), (${keys.address}, ${THROTTLE.addressCeiling}::int))
    INSERT INTO login_throttles AS t (key, failures, window_starts_at, locked_until)
    SELECT key, 1, ${now}, NULL FROM limits
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN t.window_starts_at <= ${windowStart} THEN 1
                      WHEN t.failures + 1 >= (SELECT max FROM limits WHERE limits.key = t.key) THEN 0
                      ELSE t.failures + 1 END,
      window_starts_at = CASE WHEN t.window_starts_at <= ${windowStart}
                                OR t.failures + 1 >= (SELECT max FROM limits WHERE limits.key = t.key) THEN ${now}
                              ELSE t.window_starts_at END,
      locked_until = CASE WHEN t.window_starts_at > ${windowStart}
                             AND t.failures + 1 >= (SELECT max FROM limits WHERE limits.key = t.key) THEN ${lockUntil}
                          ELSE t.locked_until END
    RETURNING key, locked_until`;
  for (const row of rows) remember(known, row.key, row.locked_until);
  const until = Math.max(0, ...rows.map((r) => r.locked_until?.getTime() ?? 0));
  return until > now.getTime() ? seconds(until - now.getTime()) : 0;
}

/**
 * The attempt was not made after all (the server was too busy to check the password): takes back the
 * count `reserveAttempt` made at `reservedAt` — unless that count is gone already (its window ended,
 * or a lock reset the counter since).
 */
export async function releaseAttempt(db: Tx, keys: ThrottleKeys, reservedAt: Date): Promise<void> {
  await db.$executeRaw`
    UPDATE login_throttles SET failures = failures - 1
     WHERE key IN (${keys.account}, ${keys.address}) AND failures > 0 AND window_starts_at <= ${reservedAt}`;
}

/**
 * A correct password, checked at `now` after `reserveAttempt(…, now)`: unless failures elsewhere (on
 * other replicas) locked its account or address meanwhile, its count comes off the address and the
 * account's failures are forgotten; returns the seconds of such a lock (then nothing changes: a
 * correct password does not lift a lock). One statement, so the check and the change see one state.
 */
export async function settleSuccess(db: Tx, keys: ThrottleKeys, now: Date, known?: KnownLocks): Promise<number> {
  const wait = knownWait(known, keys, now);
  if (wait > 0) return wait;
  const [row] = await db.$queryRaw<{ until: Date | null }[]>`
    WITH lock AS (
      SELECT max(locked_until) AS until FROM login_throttles
       WHERE key IN (${keys.account}, ${keys.address}) AND locked_until > ${now}
    ), back AS (
      UPDATE login_throttles SET failures = failures - 1
       WHERE key = ${keys.address} AND failures > 0 AND window_starts_at <= ${now} AND (SELECT until FROM lock) IS NULL
    ), forget AS (
      DELETE FROM login_throttles WHERE key = ${keys.account} AND (SELECT until FROM lock) IS NULL
    )
    SELECT until FROM lock`;
  const until = row?.until?.getTime() ?? 0;
  return until > now.getTime() ? seconds(until - now.getTime()) : 0;
}

/** Housekeeping: rows whose window and lock are both over count for nothing any more. */
export async function deleteStaleThrottles(db: Tx, now: Date): Promise<number> {
  const windowStart = new Date(now.getTime() - THROTTLE.windowMs);
  const { count } = await db.loginThrottle.deleteMany({
    where: { windowStartsAt: { lte: windowStart }, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
  });
  return count;
}
