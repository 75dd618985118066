import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { TRPCError } from '@trpc/server';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { costOf, decoyHash } from '../../../server/auth/passwords.ts';
import { PLANES } from '../../../server/auth/sessions.ts';
import { reserveAttempt, THROTTLE, throttleKeys } from '../../../server/auth/throttle.ts';
import { HASHING, passwordHashing } from '../../../server/auth/work-limiter.ts';
import { openPostgres } from '../../../server/db/client.ts';
import { buildHttpServer, MAX_BATCH_SIZE } from '../../../server/http.ts';
import { createContextInner } from '../../../server/trpc/context.ts';
import { createCaller } from '../../../server/trpc/router.ts';
import { PASSWORD, useTestApp } from '../../helpers/app.ts';
import { testDbKind } from '../../helpers/db.ts';

/**
 * Every scrypt call the server makes, with its parameters, and a hook that can hold one password's
 * verification back (to order a correct guess after a burst of wrong ones, deterministically).
 */
const scryptSpy = vi.hoisted(() => ({
  calls: [] as { N: number; r: number; p: number; keylen: number }[],
  /** The password of each call, in the order the hashing limiter let them start. */
  passwords: [] as string[],
  holdPassword: undefined as string | undefined,
  release: undefined as Promise<void> | undefined,
  /** Holds every scrypt until it settles (to fill the hashing limiter). */
  holdAll: undefined as Promise<void> | undefined,
}));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  const scrypt = (password: string, salt: Buffer, keylen: number, opts: { N: number; r: number; p: number }, cb: (e: Error | null, k: Buffer) => void) => {
    scryptSpy.calls.push({ N: opts.N, r: opts.r, p: opts.p, keylen });
    scryptSpy.passwords.push(password);
    const run = () => actual.scrypt(password, salt, keylen, opts, cb);
    if (scryptSpy.holdAll) void scryptSpy.holdAll.then(run);
    else if (password === scryptSpy.holdPassword && scryptSpy.release) void scryptSpy.release.then(run);
    else run();
  };
  return { ...actual, default: { ...actual, scrypt }, scrypt };
});

const t = useTestApp();
const codeOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: unknown) => (e instanceof TRPCError ? e.code : String(e)));
const messageOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: unknown) => (e as Error).message);

beforeEach(async () => {
  t.app.setNow(undefined);
  await t.app.db.$executeRaw`DELETE FROM login_throttles`;
  scryptSpy.calls.length = 0;
  scryptSpy.passwords.length = 0;
});

describe('no user enumeration', () => {
  for (const plane of ['admin', 'system'] as const) {
    const known = plane === 'admin' ? 'owner@acme.test' : 'operator@example.test';
    const login = (email: string, password: string, ip: string) =>
      plane === 'admin' ? t.app.caller(undefined, ip).auth.login({ email, password }) : t.app.caller(undefined, ip).system.auth.login({ email, password });

    it(`${plane} plane: an unknown e-mail and a wrong password get the same code and message`, async () => {
      expect(await codeOf(login('nobody-here@acme.test', 'wrong password', '192.0.2.1'))).toBe('UNAUTHORIZED');
      expect(await codeOf(login(known, 'wrong password', '192.0.2.2'))).toBe('UNAUTHORIZED');
      expect(await messageOf(login('nobody-here@acme.test', 'wrong password', '192.0.2.1'))).toBe(
        await messageOf(login(known, 'wrong password', '192.0.2.2')),
      );
    });

    it(`${plane} plane: an unknown e-mail costs the same scrypt work as a wrong password (the decoy mirrors the stored cost)`, async () => {
      await login('nobody-here@acme.test', 'wrong password', '192.0.2.3').catch(() => undefined);
      const unknownPath = [...scryptSpy.calls];
      scryptSpy.calls.length = 0;
      await login(known, 'wrong password', '192.0.2.4').catch(() => undefined);
      const wrongPath = [...scryptSpy.calls];
      const stored = plane === 'admin' ? t.fx.users.acmeOwner.passwordHash : t.fx.operator.passwordHash;

      expect(wrongPath).toEqual([{ ...costOf(stored)!, keylen: 32 }]);
      // The unknown path may first build the decoy (once per cost); its verification is the last call.
      expect(unknownPath.at(-1)).toEqual(wrongPath[0]);
      expect(unknownPath.every((c) => c.N === wrongPath[0]!.N && c.r === wrongPath[0]!.r && c.p === wrongPath[0]!.p)).toBe(true);
    });

    it(`${plane} plane: an unknown account is throttled exactly like a known one`, async () => {
      const outcomes = async (email: string, ip: string) => {
        const codes: string[] = [];
        for (let i = 0; i < THROTTLE.maxFailuresPerAccount + 1; i++) codes.push(await codeOf(login(email, 'wrong password', ip)));
        return codes;
      };
      expect(await outcomes('nobody-here@acme.test', '192.0.2.5')).toEqual(await outcomes(known, '192.0.2.6'));
    });
  }
});

describe('brute-force throttling (DB-backed, so every replica shares it)', () => {
  it(`locks an account after ${THROTTLE.maxFailuresPerAccount} failures, even for the right password, and unlocks after the lock time`, async () => {
    const { app } = t;
    const start = new Date();
    app.setNow(start);
    const codes: string[] = [];
    for (let i = 0; i < THROTTLE.maxFailuresPerAccount; i++) {
      codes.push(await codeOf(app.caller(undefined, `198.18.0.${i}`).auth.login({ email: 'owner@acme.test', password: 'wrong password' })));
    }
    expect(codes).toEqual([...Array(THROTTLE.maxFailuresPerAccount - 1).fill('UNAUTHORIZED'), 'TOO_MANY_REQUESTS']);
    expect(await codeOf(app.caller(undefined, '198.18.1.1').auth.login({ email: 'owner@acme.test', password: PASSWORD }))).toBe('TOO_MANY_REQUESTS');
    // Another account from the same address is not affected.
    expect(await codeOf(app.caller(undefined, '198.18.0.1').auth.login({ email: 'owner@globex.test', password: PASSWORD }))).toBe('OK');

    app.setNow(new Date(start.getTime() + THROTTLE.lockMs + 1_000));
    expect(await codeOf(app.caller(undefined, '198.18.1.1').auth.login({ email: 'owner@acme.test', password: PASSWORD }))).toBe('OK');
  });

  it(`past ${THROTTLE.maxFailuresPerAddress} failures an address still signs in to accounts without recent failures (not to one with); at ${THROTTLE.addressCeiling}, to none; other addresses are unaffected`, async () => {
    const { app } = t;
    const from = (ip: string) => app.caller(undefined, ip).auth;
    // Someone behind a shared address (NAT, proxy) sprays wrong passwords.
    for (let i = 0; i < THROTTLE.maxFailuresPerAddress; i++) {
      expect(await codeOf(from('198.18.2.2').login({ email: `sprayed-${i}@acme.test`, password: 'wrong password' }))).toBe('UNAUTHORIZED');
    }
    // Another user behind that address, whose account has no recent failures, still signs in.
    expect(await codeOf(from('198.18.2.2').login({ email: 'owner@acme.test', password: PASSWORD }))).toBe('OK');
    // An account with a recent failure (from anywhere) does not, from there — with no password check.
    await codeOf(from('198.18.9.9').login({ email: 'readonly@acme.test', password: 'wrong password' }));
    scryptSpy.calls.length = 0;
    expect(await codeOf(from('198.18.2.2').login({ email: 'readonly@acme.test', password: PASSWORD }))).toBe('TOO_MANY_REQUESTS');
    expect(await codeOf(from('198.18.2.2').login({ email: 'sprayed-0@acme.test', password: 'wrong password' }))).toBe('TOO_MANY_REQUESTS');
    expect(scryptSpy.calls).toEqual([]);
    expect(await codeOf(from('198.18.2.3').login({ email: 'readonly@acme.test', password: PASSWORD }))).toBe('OK');

    // The spray goes on to the ceiling: then nothing from that address gets through, for 15 minutes.
    const codes: string[] = [];
    for (let i = THROTTLE.maxFailuresPerAddress; i < THROTTLE.addressCeiling; i++) {
      codes.push(await codeOf(from('198.18.2.2').login({ email: `sprayed-${i}@acme.test`, password: 'wrong password' })));
    }
    expect(codes).toEqual([...Array(THROTTLE.addressCeiling - THROTTLE.maxFailuresPerAddress - 1).fill('UNAUTHORIZED'), 'TOO_MANY_REQUESTS']);
    expect(await codeOf(from('198.18.2.2').login({ email: 'owner@globex.test', password: PASSWORD }))).toBe('TOO_MANY_REQUESTS');
    expect(await codeOf(from('198.18.2.4').login({ email: 'owner@globex.test', password: PASSWORD }))).toBe('OK');
    // The other plane keeps its own count.
    expect(await codeOf(app.caller(undefined, '198.18.2.2').system.auth.login({ email: 'operator@example.test', password: PASSWORD }))).toBe('OK');
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped IPv6 address as the IPv4 address', async () => {
    const { app } = t;
    let n = 0;
    const fail = (ip: string) => codeOf(app.caller(undefined, ip).auth.login({ email: `nobody-v6-${n++}@acme.test`, password: 'wrong password' }));
    await app.db.loginThrottle.deleteMany({});
    await fail('2001:db8:1:2::1');
    await fail('2001:db8:1:2:ffff:ffff:ffff:fffe');
    await fail('2001:0db8:0001:0002:0000:0000:0000:0003%eth0');
    await fail('2001:db8:1:3::1');
    await fail('::ffff:198.18.6.6');
    await fail('198.18.6.6');
    const rows = await app.db.loginThrottle.findMany({ where: { key: { startsWith: 'admin:address:' } }, orderBy: { key: 'asc' } });
    expect(rows.map((r) => [r.key, r.failures])).toEqual([
      ['admin:address:198.18.6.6', 2],
      ['admin:address:2001:db8:1:2::/64', 3],
      ['admin:address:2001:db8:1:3::/64', 1],
    ]);
  });

  it('replicas share the count: failures on one replica lock the account on another', async () => {
    const { app } = t;
    // On PostgreSQL a second replica is a second connection pool; PGlite has one process, one database.
    const other = testDbKind() === 'postgres' ? await openPostgres(app.url!, { poolSize: 2 }) : app.database;
    try {
      const replicaB = createCaller(createContextInner({ ...app.deps, db: other.prisma, database: other }, { ip: '198.18.5.1' }));
      for (let i = 0; i < THROTTLE.maxFailuresPerAccount - 1; i++) {
        expect(await codeOf(app.caller(undefined, `198.18.5.${10 + i}`).auth.login({ email: 'owner@globex.test', password: 'wrong password' }))).toBe('UNAUTHORIZED');
      }
      expect(await codeOf(replicaB.auth.login({ email: 'owner@globex.test', password: 'wrong password' }))).toBe('TOO_MANY_REQUESTS');
      expect(await codeOf(app.caller(undefined, '198.18.5.99').auth.login({ email: 'owner@globex.test', password: PASSWORD }))).toBe('TOO_MANY_REQUESTS');
    } finally {
      if (other !== app.database) await other.close();
    }
  });

  it('a burst of parallel wrong guesses gets at most the allowed number of answers; the rest are refused', async () => {
    const { app } = t;
    const codes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => codeOf(app.caller(undefined, `198.18.3.${i}`).auth.login({ email: 'owner@globex.test', password: `guess ${i}` }))),
    );
    expect(codes.filter((c) => c === 'UNAUTHORIZED').length).toBeLessThanOrEqual(THROTTLE.maxFailuresPerAccount - 1);
    expect(codes.filter((c) => c !== 'UNAUTHORIZED').every((c) => c === 'TOO_MANY_REQUESTS')).toBe(true);
  });

  it('a correct password whose check overlaps failures on another replica is refused once they have locked the account', async () => {
    const { app } = t;
    let release!: () => void;
    scryptSpy.release = new Promise<void>((r) => (release = r));
    scryptSpy.holdPassword = PASSWORD;
    const sessions = () => app.db.adminSession.count({ where: { userId: t.fx.users.acmeReadonly.id } });
    const sessionsBefore = await sessions();
    try {
      const correct = codeOf(app.caller(undefined, '198.18.4.200').auth.login({ email: 'readonly@acme.test', password: PASSWORD }));
      await vi.waitFor(() => expect(scryptSpy.calls.length).toBeGreaterThan(0));
      // Another replica (another process, so not queued behind this one) counts its wrong guesses in the shared table.
      const codes: number[] = [];
      for (let i = 0; i < THROTTLE.maxFailuresPerAccount; i++) {
        codes.push(await reserveAttempt(app.db, throttleKeys('admin', 'readonly@acme.test', `198.18.4.${i}`), new Date()));
      }
      expect(codes.at(-1)).toBeGreaterThan(0);
      release();
      // Its check began before the lock; it finishes after: no session for the attacker.
      expect(await correct).toBe('TOO_MANY_REQUESTS');
      expect(await sessions()).toBe(sessionsBefore);
    } finally {
      scryptSpy.holdPassword = undefined;
      scryptSpy.release = undefined;
    }
  });

  it('parallel correct sign-ins to one account all succeed (they take turns; none counts as a failure)', async () => {
    const { app } = t;
    const codes = await Promise.all(
      Array.from({ length: 3 * THROTTLE.maxFailuresPerAccount }, () => codeOf(app.caller(undefined, '198.18.8.1').auth.login({ email: 'devonly@acme.test', password: PASSWORD }))),
    );
    expect(codes.every((c) => c === 'OK')).toBe(true);
    expect(await app.db.loginThrottle.findMany({ where: { failures: { gt: 0 } } })).toEqual([]);
  });

  it('a burst of 100 batched requests of 16 wrong sign-ins over HTTP runs scrypt at most a few dozen times (counted before hashing)', async () => {
    const http: FastifyInstance = buildHttpServer(t.app.deps);
    await http.listen({ host: '127.0.0.1', port: 0 });
    try {
      const address = http.server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/trpc`;
      // Three real accounts and one unknown address, as an attacker would mix them.
      const targets = ['owner@acme.test', 'owner@globex.test', 'devonly@acme.test', 'nobody-burst@acme.test'];
      const batch = Object.fromEntries(Array.from({ length: MAX_BATCH_SIZE }, (_, i) => [i, { email: targets[i % targets.length], password: `guess ${i}` }]));
      const paths = Array(MAX_BATCH_SIZE).fill('auth.login').join(',');
      await decoyHash(costOf(t.fx.users.acmeOwner.passwordHash)); // built once per process, not per burst
      scryptSpy.calls.length = 0;
      const answers = await Promise.all(
        Array.from({ length: 100 }, async () => {
          const res = await fetch(`${base}/${paths}?batch=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
          return ((await res.json()) as { error: { data: { code: string } } }[]).map((r) => r.error.data.code);
        }),
      );
      const codes = answers.flat();
      expect(codes).toHaveLength(1_600);
      expect(new Set(codes)).toEqual(new Set(['UNAUTHORIZED', 'TOO_MANY_REQUESTS']));
      // Each account gets its allowed guesses, no more: 4 × 4 password checks instead of 1 600.
      expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(targets.length * (THROTTLE.maxFailuresPerAccount - 1));
      expect(scryptSpy.calls.length).toBeLessThanOrEqual(targets.length * (THROTTLE.maxFailuresPerAccount - 1));
    } finally {
      await http.close();
    }
  });

  it(`when ${HASHING.maxWaiting} sign-ins already wait for the ${HASHING.concurrency} hashing slots, the next ones get SERVICE_UNAVAILABLE with Retry-After and are not counted`, async () => {
    const { app } = t;
    await decoyHash(costOf(t.fx.users.acmeOwner.passwordHash));
    let release!: () => void;
    scryptSpy.holdAll = new Promise<void>((r) => (release = r));
    const extra = 4;
    const total = HASHING.concurrency + HASHING.maxWaiting + extra;
    const headers = Array.from({ length: total }, () => new Map<string, string>());
    try {
      const attempts = Array.from({ length: total }, (_, i) =>
        codeOf(
          createCaller(
            createContextInner(app.deps, { ip: `198.19.${Math.floor(i / 200)}.${i % 200}`, setHeader: (name, value) => void headers[i]!.set(name, value) }),
          ).auth.login({ email: `queued-${i}@acme.test`, password: 'wrong password' }),
        ),
      );
      await vi.waitFor(() => expect(headers.filter((h) => h.has('Retry-After')).length).toBe(extra), { timeout: 30_000 });
      release();
      const codes = await Promise.all(attempts);
      expect(codes.filter((c) => c === 'SERVICE_UNAVAILABLE')).toHaveLength(extra);
      expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(total - extra);
      const refused = codes.flatMap((c, i) => (c === 'SERVICE_UNAVAILABLE' ? [i] : []));
      for (const i of refused) expect(Number(headers[i]!.get('Retry-After'))).toBeGreaterThan(0);
      // A refused attempt was never checked, so it counts against nobody.
      const rows = await app.db.loginThrottle.findMany({ where: { key: { in: refused.map((i) => `admin:account:queued-${i}@acme.test`) } } });
      expect(rows.every((r) => r.failures === 0)).toBe(true);
    } finally {
      scryptSpy.holdAll = undefined;
      release();
    }
  });

  it('a sign-in with no recent failures is hashed ahead of queued attempts on accounts that have some', async () => {
    const { app } = t;
    await decoyHash(costOf(t.fx.users.acmeOwner.passwordHash));
    const login = (email: string, password: string, ip: string) => codeOf(app.caller(undefined, ip).auth.login({ email, password }));
    const suspects = Array.from({ length: 3 }, (_, i) => `suspect-${i}@acme.test`);
    for (const email of suspects) await login(email, 'first wrong guess', '198.20.0.1');
    let release!: () => void;
    scryptSpy.holdAll = new Promise<void>((r) => (release = r));
    scryptSpy.passwords.length = 0;
    try {
      const fillers = Array.from({ length: HASHING.concurrency }, (_, i) => login(`filler-${i}@acme.test`, 'filler', `198.20.1.${i}`));
      await vi.waitFor(() => expect(passwordHashing.running).toBe(HASHING.concurrency));
      const queued = suspects.map((email, i) => login(email, 'suspect', `198.20.2.${i}`));
      await vi.waitFor(() => expect(passwordHashing.waiting).toBe(suspects.length));
      const clean = login('owner@globex.test', PASSWORD, '198.20.3.1');
      await vi.waitFor(() => expect(passwordHashing.waiting).toBe(suspects.length + 1));
      release();
      expect(await clean).toBe('OK');
      await Promise.all([...fillers, ...queued]);
      expect(scryptSpy.passwords).toEqual([...Array(HASHING.concurrency).fill('filler'), PASSWORD, ...Array(suspects.length).fill('suspect')]);
    } finally {
      scryptSpy.holdAll = undefined;
      release();
    }
  });

  it('behind a trusted proxy, each client behind it is its own address; X-Forwarded-For from anyone else is ignored', async () => {
    const keysAfter = async (opts: { trustedProxies?: string[] }, clients: string[]) => {
      await t.app.db.loginThrottle.deleteMany({});
      const http: FastifyInstance = buildHttpServer(t.app.deps, opts);
      await http.listen({ host: '127.0.0.1', port: 0 });
      try {
        const address = http.server.address();
        const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/trpc/auth.login`;
        for (const client of clients) {
          await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
            body: JSON.stringify({ email: 'nobody-proxied@acme.test', password: 'wrong password' }),
          });
        }
      } finally {
        await http.close();
      }
      const rows = await t.app.db.loginThrottle.findMany({ where: { key: { startsWith: 'admin:address:' } }, orderBy: { key: 'asc' } });
      return rows.map((r) => [r.key, r.failures]);
    };
    // The proxy on this machine appends the client it saw; a client may send its own forged header first.
    expect(await keysAfter({ trustedProxies: ['127.0.0.1'] }, ['203.0.113.1', '203.0.113.2', '198.51.100.66, 203.0.113.2'])).toEqual([
      ['admin:address:203.0.113.1', 1],
      ['admin:address:203.0.113.2', 2],
    ]);
    expect(await keysAfter({ trustedProxies: ['10.0.0.0/8', '::1'] }, ['203.0.113.1', '203.0.113.2'])).toEqual([['admin:address:127.0.0.1', 2]]);
    expect(await keysAfter({}, ['203.0.113.1', '203.0.113.2'])).toEqual([['admin:address:127.0.0.1', 2]]);
  });

  it('answers 429 with Retry-After over real HTTP, and the body does not say whether the account exists', async () => {
    const http: FastifyInstance = buildHttpServer(t.app.deps);
    await http.listen({ host: '127.0.0.1', port: 0 });
    try {
      const address = http.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/trpc/auth.login`;
      const post = (email: string, password: string) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      const statuses: number[] = [];
      for (let i = 0; i < THROTTLE.maxFailuresPerAccount - 1; i++) statuses.push((await post('owner@acme.test', 'wrong password')).status);
      expect(statuses).toEqual(Array(THROTTLE.maxFailuresPerAccount - 1).fill(401));

      const locked = await post('owner@acme.test', 'wrong password');
      expect(locked.status).toBe(429);
      const retryAfter = Number(locked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(THROTTLE.lockMs / 1000 - 60);
      expect(retryAfter).toBeLessThanOrEqual(THROTTLE.lockMs / 1000);
      const body = await locked.json();
      expect(body.error.data.code).toBe('TOO_MANY_REQUESTS');
      expect(body.error.message).not.toMatch(/owner|acme|exist|unknown/i);

      const right = await post('owner@acme.test', PASSWORD);
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await http.close();
    }
  });
});

describe('HTTP refusals over a real socket', () => {
  it('413 for an oversized body, 415 for a non-JSON body, 400 for malformed JSON and for an oversized batch', async () => {
    const { BODY_LIMIT, MAX_BATCH_SIZE } = await import('../../../server/http.ts');
    const http: FastifyInstance = buildHttpServer(t.app.deps);
    await http.listen({ host: '127.0.0.1', port: 0 });
    try {
      const address = http.server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/trpc`;
      const post = (path: string, body: string, type = 'application/json') =>
        fetch(`${base}/${path}`, { method: 'POST', headers: { 'content-type': type }, body });
      const big = await post('auth.login', JSON.stringify({ email: 'owner@acme.test', password: 'p'.repeat(BODY_LIMIT) }));
      expect(big.status).toBe(413);
      expect((await big.json()).error.data.code).toBe('PAYLOAD_TOO_LARGE');
      expect((await post('auth.login', JSON.stringify({ email: 'owner@acme.test', password: PASSWORD }), 'text/plain')).status).toBe(415);
      const malformed = await post('auth.login', `{"email":"owner@acme.test","password": ${PASSWORD}`);
      expect(malformed.status).toBe(400);
      expect(await malformed.text()).not.toContain(PASSWORD);
      const batch = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => 'system.auth.status').join(',');
      expect((await fetch(`${base}/${batch}?batch=1&input={}`)).status).toBe(400);
    } finally {
      await http.close();
    }
  });
});

describe('sessions expire and revoke', () => {
  it('an admin token works until its expiry and is refused from then on', async () => {
    const { app } = t;
    const start = new Date();
    app.setNow(start);
    const token = await app.adminToken('owner@acme.test');
    app.setNow(new Date(start.getTime() + PLANES.admin.ttlMs - 1_000));
    expect(await codeOf(app.caller(token).auth.me())).toBe('OK');
    app.setNow(new Date(start.getTime() + PLANES.admin.ttlMs));
    expect(await codeOf(app.caller(token).auth.me())).toBe('UNAUTHORIZED');
    expect(await codeOf(app.caller(token).operations.start({ tenantId: t.fx.tenants.acmeProd.id, type: 'inventory.sync' }))).toBe('UNAUTHORIZED');
  });

  it('a system token works until its expiry and is refused from then on', async () => {
    const { app } = t;
    const start = new Date();
    app.setNow(start);
    const token = await app.systemToken();
    app.setNow(new Date(start.getTime() + PLANES.system.ttlMs - 1_000));
    expect(await codeOf(app.caller(token).system.telemetry.summary({ window: '24h' }))).toBe('OK');
    app.setNow(new Date(start.getTime() + PLANES.system.ttlMs));
    expect(await codeOf(app.caller(token).system.telemetry.summary({ window: '24h' }))).toBe('UNAUTHORIZED');
  });

  it('logout revokes that token only, on both planes; a revoked token stays refused', async () => {
    const { app } = t;
    const [a1, a2] = [await app.adminToken('owner@acme.test'), await app.adminToken('owner@acme.test')];
    expect(await app.caller(a1).auth.logout()).toEqual({ ok: true });
    expect(await codeOf(app.caller(a1).auth.me())).toBe('UNAUTHORIZED');
    expect(await codeOf(app.caller(a1).auth.logout())).toBe('UNAUTHORIZED');
    expect(await codeOf(app.caller(a2).auth.me())).toBe('OK');

    const s1 = await app.systemToken();
    expect(await app.caller(s1).system.auth.logout()).toEqual({ ok: true });
    expect(await codeOf(app.caller(s1).system.telemetry.summary({ window: '7d' }))).toBe('UNAUTHORIZED');
  });
});

describe('tokens are compared by hash lookup, never stored raw', () => {
  it('the database holds only the SHA-256 of each token; the raw token appears in no table', async () => {
    const { app } = t;
    const admin = await app.adminToken('owner@acme.test');
    const system = await app.systemToken();
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(await app.db.adminSession.count({ where: { tokenHash: sha(admin) } })).toBe(1);
    expect(await app.db.systemSession.count({ where: { tokenHash: sha(system) } })).toBe(1);

    const tables = await app.db.$queryRaw<{ name: string }[]>`
      SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['admin_sessions', 'system_sessions', 'audit_logs']));
    for (const { name } of tables) {
      const [row] = await app.db.$queryRawUnsafe<{ dump: string | null }[]>(`SELECT json_agg(t)::text AS dump FROM "${name}" t`);
      for (const token of [admin, system]) expect(row?.dump ?? '', `table ${name}`).not.toContain(token.slice(4));
    }
    expect(app.logLines.join('')).not.toContain(admin.slice(4));
    expect(app.logLines.join('')).not.toContain(PASSWORD);
  });

  it('near-misses of a live token are refused: one character changed, truncated, the stored hash itself', async () => {
    const { app } = t;
    const token = await app.adminToken('owner@acme.test');
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const sha = createHash('sha256').update(token).digest('hex');
    for (const candidate of [flipped, token.slice(0, -1), `${token}x`, `tpa_${sha}`, token.toUpperCase()]) {
      expect(await codeOf(app.caller(candidate).auth.me())).toBe('UNAUTHORIZED');
    }
    expect(await codeOf(app.caller(token).auth.me())).toBe('OK');
  });
});
