import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { TRPCError } from '@trpc/server';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { costOf } from '../../../server/auth/passwords.ts';
import { PLANES } from '../../../server/auth/sessions.ts';
import { THROTTLE } from '../../../server/auth/throttle.ts';
import { openPostgres } from '../../../server/db/client.ts';
import { buildHttpServer } from '../../../server/http.ts';
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
  holdPassword: undefined as string | undefined,
  release: undefined as Promise<void> | undefined,
}));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  const scrypt = (password: string, salt: Buffer, keylen: number, opts: { N: number; r: number; p: number }, cb: (e: Error | null, k: Buffer) => void) => {
    scryptSpy.calls.push({ N: opts.N, r: opts.r, p: opts.p, keylen });
    const run = () => actual.scrypt(password, salt, keylen, opts, cb);
    if (password === scryptSpy.holdPassword && scryptSpy.release) void scryptSpy.release.then(run);
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

  it(`locks an address after ${THROTTLE.maxFailuresPerAddress} failures across accounts; other addresses still sign in`, async () => {
    const { app } = t;
    for (let i = 0; i < THROTTLE.maxFailuresPerAddress; i++) {
      await codeOf(app.caller(undefined, '198.18.2.2').auth.login({ email: `sprayed-${i}@acme.test`, password: 'wrong password' }));
    }
    expect(await codeOf(app.caller(undefined, '198.18.2.2').auth.login({ email: 'owner@acme.test', password: PASSWORD }))).toBe('TOO_MANY_REQUESTS');
    expect(await codeOf(app.caller(undefined, '198.18.2.3').auth.login({ email: 'owner@acme.test', password: PASSWORD }))).toBe('OK');
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

  it('a correct password racing a burst of wrong ones is refused once they have locked the account', async () => {
    const { app } = t;
    let release!: () => void;
    scryptSpy.release = new Promise<void>((r) => (release = r));
    scryptSpy.holdPassword = PASSWORD;
    try {
      const correct = codeOf(app.caller(undefined, '198.18.4.200').auth.login({ email: 'readonly@acme.test', password: PASSWORD }));
      const wrong = await Promise.all(
        Array.from({ length: 12 }, (_, i) => codeOf(app.caller(undefined, `198.18.4.${i}`).auth.login({ email: 'readonly@acme.test', password: `guess ${i}` }))),
      );
      expect(wrong).toContain('TOO_MANY_REQUESTS');
      release();
      // Its check began before the lock; it finishes after: no session for the attacker.
      expect(await correct).toBe('TOO_MANY_REQUESTS');
      expect(await app.db.adminSession.count({ where: { userId: t.fx.users.acmeReadonly.id } })).toBe(0);
    } finally {
      scryptSpy.holdPassword = undefined;
      scryptSpy.release = undefined;
    }
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
