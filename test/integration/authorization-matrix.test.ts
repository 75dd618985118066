import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WRONG_SETUP_CODE } from '../../server/auth/service.ts';
import { PLANES } from '../../server/auth/sessions.ts';
import { THROTTLE } from '../../server/auth/throttle.ts';
import { appRouter } from '../../server/trpc/router.ts';
import { PASSWORD, createTestApp, useTestApp } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { ledgerTotal, outcome } from '../helpers/outcomes.ts';

/**
 * Who may call what, for every procedure of the router. Each row is one procedure; each column one
 * kind of caller. A procedure added to the router without a row here fails the first test.
 */
const t = useTestApp();
type Caller = ReturnType<typeof t.app.caller>;

const PRINCIPALS = [
  'anonymous',
  'unknown token',
  'other-workspace admin',
  'member without the capability',
  'entitled admin',
  'system operator',
  'operator without the permission',
  'expired token',
  'revoked token',
] as const;
type Principal = (typeof PRINCIPALS)[number];
type Code = 'OK' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND';
type Plane = 'public' | 'admin' | 'system';

/** The expected code per principal, from the procedure's plane and how it treats an outsider. */
function expectations(plane: Plane, outsider: Code = 'NOT_FOUND', opts: { memberWithoutCapability?: Code; systemPermission?: boolean } = {}) {
  if (plane === 'public') return Object.fromEntries(PRINCIPALS.map((p) => [p, 'OK'])) as Record<Principal, Code>;
  const admin = plane === 'admin';
  return {
    anonymous: 'UNAUTHORIZED',
    'unknown token': 'UNAUTHORIZED',
    'other-workspace admin': admin ? outsider : 'FORBIDDEN',
    'member without the capability': admin ? (opts.memberWithoutCapability ?? 'FORBIDDEN') : 'FORBIDDEN',
    'entitled admin': admin ? 'OK' : 'FORBIDDEN',
    'system operator': admin ? 'FORBIDDEN' : 'OK',
    'operator without the permission': admin ? 'FORBIDDEN' : opts.systemPermission ? 'FORBIDDEN' : 'OK',
    'expired token': 'UNAUTHORIZED',
    'revoked token': 'UNAUTHORIZED',
  } as Record<Principal, Code>;
}

type Row = { plane: Plane; expect: Record<Principal, Code>; call: (c: Caller) => Promise<unknown> };

let draftFor: () => Promise<string>;
let linkedFor: () => Promise<string>;

const MATRIX: Record<string, Row> = {
  'auth.login': { plane: 'public', expect: expectations('public'), call: (c) => c.auth.login({ email: 'owner@acme.test', password: PASSWORD }) },
  'auth.logout': { plane: 'admin', expect: expectations('admin', 'OK', { memberWithoutCapability: 'OK' }), call: (c) => c.auth.logout() },
  'auth.me': { plane: 'admin', expect: expectations('admin', 'OK', { memberWithoutCapability: 'OK' }), call: (c) => c.auth.me() },
  'onboarding.createDraft': {
    plane: 'admin',
    expect: expectations('admin'),
    call: (c) => c.onboarding.createDraft({ workspaceId: t.fx.workspaces.acme.id }),
  },
  'onboarding.linkTenant': {
    plane: 'admin',
    expect: expectations('admin'),
    call: async (c) => c.onboarding.linkTenant({ onboardingSessionId: await draftFor(), tenantId: t.fx.tenants.acmeProd.id }),
  },
  'onboarding.completeCheckpoint': {
    plane: 'admin',
    expect: expectations('admin'),
    call: async (c) => c.onboarding.completeCheckpoint({ onboardingSessionId: await linkedFor(), checkpoint: 'connection_verified' }),
  },
  'support.openDiagnostics': {
    plane: 'admin',
    expect: expectations('admin'),
    call: (c) => c.support.openDiagnostics({ tenantId: t.fx.tenants.acmeProd.id, entryPoint: 'tenant_dashboard' }),
  },
  'operations.start': {
    plane: 'admin',
    expect: expectations('admin'),
    call: (c) => c.operations.start({ tenantId: t.fx.tenants.acmeProd.id, type: 'inventory.sync' }),
  },
  'reports.create': {
    plane: 'admin',
    expect: expectations('admin'),
    call: (c) => c.reports.create({ tenantId: t.fx.tenants.acmeProd.id, reportType: 'permission_posture' }),
  },
  'reviewPacks.requestGeneration': {
    plane: 'admin',
    expect: expectations('admin'),
    call: (c) => c.reviewPacks.requestGeneration({ tenantId: t.fx.tenants.acmeProd.id }),
  },
  'system.auth.login': {
    plane: 'public',
    expect: expectations('public'),
    call: (c) => c.system.auth.login({ email: 'operator@example.test', password: PASSWORD }),
  },
  'system.auth.status': { plane: 'public', expect: expectations('public'), call: (c) => c.system.auth.status() },
  'system.auth.bootstrap': {
    plane: 'public',
    // An operator exists, so this server holds no setup code and nobody may bootstrap another one, whoever asks.
    expect: Object.fromEntries(PRINCIPALS.map((p) => [p, 'FORBIDDEN'])) as Record<Principal, Code>,
    call: (c) =>
      c.system.auth.bootstrap({ email: 'second@example.test', displayName: 'Second', password: 'a long enough password', setupCode: 'a guessed code' }),
  },
  'system.auth.logout': { plane: 'system', expect: expectations('system'), call: (c) => c.system.auth.logout() },
  'system.auth.me': { plane: 'system', expect: expectations('system'), call: (c) => c.system.auth.me() },
  'system.telemetry.summary': {
    plane: 'system',
    expect: expectations('system', 'NOT_FOUND', { systemPermission: true }),
    call: (c) => c.system.telemetry.summary({ window: '7d' }),
  },
};

const tokens = new Map<string, Promise<string>>();
/** A principal's token: shared between cells, except fresh for a logout (which revokes its own). */
function tokenOf(key: string, fresh: boolean, make: () => Promise<string>): Promise<string> {
  if (fresh) return make();
  if (!tokens.has(key)) tokens.set(key, make());
  return tokens.get(key)!;
}

/** Each cell calls from an address of its own, so no cell's refusals count against another's (throttling). */
let cellNumber = 0;
const cellAddress = () => `10.0.${Math.floor(++cellNumber / 250)}.${(cellNumber % 250) + 1}`;

async function callerFor(principal: Principal, plane: Plane, fresh: boolean): Promise<Caller> {
  const { app } = t;
  const ip = cellAddress();
  const systemPlane = plane === 'system';
  const admin = (email: string) => tokenOf(email, fresh, () => app.adminToken(email));
  const system = (email: string) => tokenOf(email, fresh, () => app.systemToken(email));
  switch (principal) {
    case 'anonymous':
      return app.caller(undefined, ip);
    case 'unknown token':
      return app.caller(`${systemPlane ? PLANES.system.prefix : PLANES.admin.prefix}${'A'.repeat(43)}`, ip);
    case 'other-workspace admin':
      return app.caller(await admin('owner@globex.test'), ip);
    case 'member without the capability':
      return app.caller(await admin('readonly@acme.test'), ip);
    case 'entitled admin':
      return app.caller(await admin('owner@acme.test'), ip);
    case 'system operator':
      return app.caller(await system('operator@example.test'), ip);
    case 'operator without the permission':
      return app.caller(await system('nobody@example.test'), ip);
    case 'expired token':
      // a live token of the procedure's plane, used after its lifetime (the clock moves in the cell)
      return app.caller(systemPlane ? await app.systemToken() : await app.adminToken('owner@acme.test'), ip);
    case 'revoked token': {
      const token = systemPlane ? await app.systemToken() : await app.adminToken('owner@acme.test');
      if (systemPlane) await app.caller(token).system.auth.logout();
      else await app.caller(token).auth.logout();
      return app.caller(token, ip);
    }
  }
}

beforeAll(async () => {
  const owner = () => t.app.adminToken('owner@acme.test').then((token) => t.app.caller(token));
  draftFor = async () => (await (await owner()).onboarding.createDraft({ workspaceId: t.fx.workspaces.acme.id })).id;
  linkedFor = async () => {
    const id = await draftFor();
    await (await owner()).onboarding.linkTenant({ onboardingSessionId: id, tenantId: t.fx.tenants.acmeProd.id });
    return id;
  };
});
afterEach(() => t.app.setNow(undefined));

const procedures = () => Object.keys((appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures).sort();

describe('the authorization matrix', () => {
  it('has a row for every procedure of the router, and no row for a procedure that does not exist', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(procedures());
  });

  it('has no procedure that lists raw telemetry rows, on any plane', () => {
    expect(procedures().filter((p) => /event|usage|ledger|rows|list/i.test(p))).toEqual([]);
  });

  const cells = Object.entries(MATRIX).flatMap(([path, row]) => PRINCIPALS.map((principal) => ({ path, principal, row, code: row.expect[principal] })));

  it.each(cells)('$path, $principal → $code', async ({ path, principal, row, code }) => {
    const caller = await callerFor(principal, row.plane, path.endsWith('logout'));
    const ledgerBefore = await ledgerTotal(t.app.db);
    if (principal === 'expired token') t.app.setNow(new Date(Date.now() + Math.max(PLANES.admin.ttlMs, PLANES.system.ttlMs) + 60_000));
    const result = await outcome(row.call(caller));
    t.app.setNow(undefined);
    expect(result.code, result.message).toBe(code);
    if (code !== 'OK') expect(await ledgerTotal(t.app.db)).toBe(ledgerBefore);
  });
});

describe('what a refusal says', () => {
  it('tells an anonymous caller to sign in, and a caller of the wrong plane which plane it holds', async () => {
    const { app } = t;
    expect(await outcome(app.caller().operations.start({ tenantId: t.fx.tenants.acmeProd.id, type: 'inventory.sync' }))).toEqual({
      code: 'UNAUTHORIZED',
      message: 'Sign in first: missing bearer token',
    });
    expect(await outcome(app.caller(await app.systemToken()).auth.me())).toEqual({
      code: 'FORBIDDEN',
      message: 'A system-plane token is not accepted by admin-plane procedures',
    });
    expect(await outcome(app.caller(await app.adminToken('owner@acme.test')).system.auth.me())).toEqual({
      code: 'FORBIDDEN',
      message: 'An admin-plane token is not accepted by system-plane procedures',
    });
  });

  it('does not reveal whether a tenant exists elsewhere: another workspace’s tenant and a random id get the same code and message', async () => {
    const { app, fx } = t;
    const owner = app.caller(await app.adminToken('owner@acme.test'));
    const session = await owner.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id });
    const probes: [string, (tenantId: string) => Promise<unknown>][] = [
      ['support.openDiagnostics', (tenantId) => owner.support.openDiagnostics({ tenantId, entryPoint: 'tenant_dashboard' })],
      ['operations.start', (tenantId) => owner.operations.start({ tenantId, type: 'inventory.sync' })],
      ['reports.create', (tenantId) => owner.reports.create({ tenantId, reportType: 'entra_admin_roles' })],
      ['reviewPacks.requestGeneration', (tenantId) => owner.reviewPacks.requestGeneration({ tenantId })],
      ['onboarding.linkTenant', (tenantId) => owner.onboarding.linkTenant({ onboardingSessionId: session.id, tenantId })],
    ];
    for (const [name, probe] of probes) {
      const foreign = await outcome(probe(fx.tenants.globexProd.id));
      const missing = await outcome(probe(randomUUID()));
      expect(foreign, name).toEqual({ code: 'NOT_FOUND', message: 'Tenant not found' });
      expect(missing, name).toEqual(foreign);
    }
    // the same for an onboarding session and a workspace
    const globex = app.caller(await app.adminToken('owner@globex.test'));
    expect(await outcome(globex.onboarding.completeCheckpoint({ onboardingSessionId: session.id, checkpoint: 'connection_verified' }))).toEqual(
      await outcome(globex.onboarding.completeCheckpoint({ onboardingSessionId: randomUUID(), checkpoint: 'connection_verified' })),
    );
    expect(await outcome(globex.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id }))).toEqual(
      await outcome(globex.onboarding.createDraft({ workspaceId: randomUUID() })),
    );
  });

  it('lets the first operator be bootstrapped only with this process’s setup code, only while no operator exists; tells only a caller on this machine that it may', async () => {
    const testDb = await createTestDatabase();
    try {
      const app = await createTestApp(testDb, { setupCode: 'this-process-code' });
      const otherProcess = await createTestApp(testDb, { setupCode: 'another-process-code' });
      const input = { email: 'first@example.test', displayName: 'First', password: 'a long enough password' };
      const wrongCode = { code: 'FORBIDDEN', message: WRONG_SETUP_CODE };

      // Whoever is not on this machine learns nothing, not even that no operator exists yet.
      expect(await app.caller(undefined, '203.0.113.7').system.auth.status()).toEqual({ bootstrapAvailable: false });
      expect(await app.caller(undefined, '2001:db8::7').system.auth.status()).toEqual({ bootstrapAvailable: false });
      for (const local of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) {
        expect(await app.caller(undefined, local).system.auth.status(), local).toEqual({ bootstrapAvailable: true });
      }

      // No code at all: refused as input, saying what is missing (a client without its own code sends none).
      const missing = await outcome(app.caller(undefined, '127.0.0.1').system.auth.bootstrap(input as typeof input & { setupCode: string }));
      expect(missing.code).toBe('BAD_REQUEST');
      expect(missing.message).toContain('enter the setup code the server printed at start');
      // A wrong code, or another process's code: refused, nothing created, counted as a failed sign-in.
      expect(await outcome(app.caller(undefined, '127.0.0.1').system.auth.bootstrap({ ...input, setupCode: 'a guessed code' }))).toEqual(wrongCode);
      expect(await outcome(app.caller(undefined, '127.0.0.1').system.auth.bootstrap({ ...input, setupCode: 'another-process-code' }))).toEqual(wrongCode);
      expect(await app.db.systemUser.count()).toBe(0);
      expect(await app.db.loginThrottle.findMany({ where: { key: { contains: '127.0.0.1' } }, select: { key: true, failures: true } })).toEqual(
        expect.arrayContaining([{ key: 'system:setup-code:127.0.0.1', failures: 2 }, { key: 'system:address:127.0.0.1', failures: 2 }]),
      );

      const first = await app.caller(undefined, '127.0.0.1').system.auth.bootstrap({ ...input, setupCode: ' this-process-code ' });
      expect(first.operator).toMatchObject({ email: 'first@example.test', displayName: 'First' });
      expect(await app.caller(first.token).system.telemetry.summary({ window: '24h' })).toMatchObject({ isEmpty: true });

      // The code is spent; the other process's code now meets an operator.
      expect(await app.caller(undefined, '127.0.0.1').system.auth.status()).toEqual({ bootstrapAvailable: false });
      expect(await outcome(app.caller(undefined, '127.0.0.1').system.auth.bootstrap({ ...input, email: 'second@example.test', setupCode: 'this-process-code' }))).toEqual(wrongCode);
      expect(await otherProcess.caller(undefined, '127.0.0.1').system.auth.status()).toEqual({ bootstrapAvailable: false });
      expect(
        await outcome(otherProcess.caller(undefined, '127.0.0.1').system.auth.bootstrap({ ...input, email: 'second@example.test', setupCode: 'another-process-code' })),
      ).toEqual({ code: 'FORBIDDEN', message: 'An operator already exists: sign in instead' });
      expect(await app.db.systemUser.count()).toBe(1);
    } finally {
      await testDb.drop();
    }
  });

  it('throttles wrong setup codes per address like failed sign-ins: the fifth is refused with TOO_MANY_REQUESTS, and the right code is refused while locked', async () => {
    const testDb = await createTestDatabase();
    try {
      const app = await createTestApp(testDb, { setupCode: 'the-code' });
      const input = { email: 'first@example.test', displayName: 'First', password: 'a long enough password' };
      const codes: string[] = [];
      for (let i = 0; i < THROTTLE.maxFailuresPerAccount; i++) {
        codes.push((await outcome(app.caller(undefined, '192.0.2.50').system.auth.bootstrap({ ...input, setupCode: `guess ${i}` }))).code);
      }
      expect(codes).toEqual([...Array(THROTTLE.maxFailuresPerAccount - 1).fill('FORBIDDEN'), 'TOO_MANY_REQUESTS']);
      expect((await outcome(app.caller(undefined, '192.0.2.50').system.auth.bootstrap({ ...input, setupCode: 'the-code' }))).code).toBe('TOO_MANY_REQUESTS');
      expect(await app.db.systemUser.count()).toBe(0);
      // Another address is not locked out of its own first run.
      expect((await app.caller(undefined, '127.0.0.1').system.auth.bootstrap({ ...input, setupCode: 'the-code' })).operator.email).toBe('first@example.test');
    } finally {
      await testDb.drop();
    }
  });
});
