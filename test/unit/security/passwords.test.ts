import { describe, expect, it } from 'vitest';
import { DEFAULT_COST, costOf, decoyHash, hashPassword, verifyPassword } from '../../../server/auth/passwords.ts';
import { hashToken, newToken } from '../../../server/auth/sessions.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  it('store the scrypt cost, a salt and the key — never the password', async () => {
    const hash = await hashPassword('correct horse battery staple', CHEAP);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(hash).not.toContain('correct horse');
    expect(costOf(hash)).toEqual(CHEAP);
    expect(await hashPassword('correct horse battery staple', CHEAP)).not.toBe(hash);
  });

  it('verify the right password only, and refuse malformed stored values without throwing', async () => {
    const hash = await hashPassword('correct horse battery staple', CHEAP);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    for (const bad of ['', 'plain', 'bcrypt$10$x', 'scrypt$x$8$1$salt$hash', 'scrypt$1024$8$1$$', 'scrypt$-1$8$1$c2FsdA$aGFzaA']) {
      expect(await verifyPassword('anything', bad)).toBe(false);
    }
  });
});

describe('the decoy hash (unknown accounts cost the same scrypt work as known ones)', () => {
  it('uses exactly the cost it is given, so it can mirror the stored hashes', async () => {
    expect(costOf(await decoyHash(CHEAP))).toEqual(CHEAP);
    expect(costOf(await decoyHash({ N: 2048, r: 8, p: 1 }))).toEqual({ N: 2048, r: 8, p: 1 });
  });

  it('defaults to the cost new hashes get', async () => {
    expect(costOf(await decoyHash())).toEqual(DEFAULT_COST);
    expect(costOf(await hashPassword('x'.repeat(12)))).toEqual(DEFAULT_COST);
  });

  it('is computed once per cost, not per request', async () => {
    expect(await decoyHash(CHEAP)).toBe(await decoyHash({ ...CHEAP }));
  });

  it('never verifies (its password is random and discarded)', async () => {
    expect(await verifyPassword('', await decoyHash(CHEAP))).toBe(false);
  });
});

describe('bearer tokens', () => {
  it('carry 256 random bits behind the plane prefix; the database key is their SHA-256', () => {
    const token = newToken('admin');
    expect(token).toMatch(/^tpa_[\w-]{43}$/);
    expect(newToken('system')).toMatch(/^tps_[\w-]{43}$/);
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).not.toContain(token.slice(4, 20));
    expect(new Set(Array.from({ length: 1000 }, () => newToken('admin'))).size).toBe(1000);
  });
});
