import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { passwordHashing, type Priority } from './work-limiter.ts';

/** scrypt through the process's hashing limiter: may throw BusyError instead of queueing without end. */
const scrypt = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions, priority?: Priority) =>
  passwordHashing.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
      ),
    priority,
  );

export type ScryptCost = { N: number; r: number; p: number };

/** scrypt (memory-hard) with N = 2^15, r = 8, p = 1: ~32 MiB and tens of milliseconds per hash. */
export const DEFAULT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

/** Format: `scrypt$N$r$p$salt$hash` (base64url), so the cost can be raised later without a migration. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { ...cost, maxmem: 128 * cost.N * cost.r * 2 });
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** The scrypt parameters a stored hash was made with, or undefined if it is not one of ours. */
export function costOf(stored: string): ScryptCost | undefined {
  const [algo, n, r, p] = stored.split('$');
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  return algo === 'scrypt' && Object.values(cost).every((v) => Number.isSafeInteger(v) && v > 0) ? cost : undefined;
}

/**
 * Recomputes the hash with the stored salt and cost; the comparison is constant-time. `priority`:
 * its place in the hashing queue (see work-limiter.ts).
 */
export async function verifyPassword(password: string, stored: string, priority?: Priority): Promise<boolean> {
  const [, , , , salt, hash] = stored.split('$');
  const cost = costOf(stored);
  if (!cost || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { ...cost, maxmem: 128 * cost.N * cost.r * 2 }, priority);
  return timingSafeEqual(key, expected);
}

/**
 * A hash of a random password with the given cost, verified when the account does not exist so that
 * an unknown e-mail costs the same scrypt work as a wrong password (no user enumeration by timing).
 * The caller passes the cost of the real stored hashes (see auth/service.ts), so the two paths match
 * even where accounts were hashed with other parameters than today's default.
 */
const decoys = new Map<string, Promise<string>>();
export function decoyHash(cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const key = `${cost.N}$${cost.r}$${cost.p}`;
  let decoy = decoys.get(key);
  if (!decoy) {
    decoy = hashPassword(randomBytes(24).toString('base64url'), cost);
    decoys.set(key, decoy);
    // A refused build (the hashing limiter was full) is not remembered: the next caller tries again.
    decoy.catch(() => decoys.delete(key));
  }
  return decoy;
}
