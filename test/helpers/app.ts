import { Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import { CAPABILITIES, SYSTEM_PERMISSIONS, type Capability } from '../../server/auth/capabilities.ts';
import { hashPassword } from '../../server/auth/passwords.ts';
import { createSetupCode } from '../../server/auth/setup-code.ts';
import type { Database } from '../../server/db/client.ts';
import { createLogger, createMetrics } from '../../server/observability.ts';
import { createRecorder } from '../../server/telemetry/recorder.ts';
import { createContextInner, type AppDeps } from '../../server/trpc/context.ts';
import { createCaller } from '../../server/trpc/router.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export const PASSWORD = 'correct horse battery staple';
/** A cheap scrypt cost for test accounts (the stored hash carries its own parameters). */
const TEST_COST = { N: 1024, r: 8, p: 1 };
let testHash: Promise<string> | undefined;
export const testPasswordHash = () => (testHash ??= hashPassword(PASSWORD, TEST_COST));

/** Collects log lines in memory, so tests can assert what was (not) logged. */
export function memoryLog() {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
  return { log: createLogger('info', stream), lines };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/**
 * Server dependencies over a test database, with an adjustable clock; `setupCode` plays the code a
 * server makes at start while no operator exists (none by default).
 */
export async function createTestApp(testDb: TestDatabase, opts: { setupCode?: string } = {}) {
  const { log, lines } = memoryLog();
  const metrics = createMetrics();
  let clock: (() => Date) | undefined;
  const deps: AppDeps = {
    db: testDb.database.prisma,
    database: testDb.database,
    telemetry: createRecorder({ log, metrics }),
    log,
    metrics,
    now: () => (clock ? clock() : new Date()),
    setupCode: opts.setupCode === undefined ? undefined : createSetupCode(opts.setupCode),
  };
  return {
    ...testDb,
    deps,
    db: testDb.database.prisma,
    logLines: lines,
    metrics,
    /** Fix the clock (or pass undefined to return to real time). */
    setNow(now: Date | undefined) {
      clock = now ? () => now : undefined;
    },
    caller(token?: string, ip = '203.0.113.7') {
      return createCaller(createContextInner(deps, { token, ip }));
    },
    async adminToken(email: string) {
      const { token } = await createCaller(createContextInner(deps, { ip: '198.51.100.1' })).auth.login({ email, password: PASSWORD });
      return token;
    },
    async systemToken(email = 'operator@example.test') {
      const { token } = await createCaller(createContextInner(deps, { ip: '198.51.100.1' })).system.auth.login({ email, password: PASSWORD });
      return token;
    },
  };
}

/**
 * Registers beforeAll/afterAll for a test file: one database and app for the whole file.
 * Use the returned getter inside tests.
 */
export function useTestApp(opts: { setupCode?: string; fixture?: boolean } = {}) {
  let app: TestApp | undefined;
  let fixture: Fixture | undefined;
  beforeAll(async () => {
    app = await createTestApp(await createTestDatabase(), opts);
    if (opts.fixture !== false) fixture = await seedFixture(app.database);
  });
  afterAll(async () => {
    await app?.drop();
  });
  return {
    get app() {
      if (!app) throw new Error('test app not ready');
      return app;
    },
    get fx() {
      if (!fixture) throw new Error('fixture not seeded');
      return fixture;
    },
  };
}

export type Fixture = Awaited<ReturnType<typeof seedFixture>>;

/**
 * Two workspaces (acme: tenants acme-prod, acme-dev; globex: globex-prod) and the users of the
 * authorization matrix. Everyone's password is PASSWORD.
 */
export async function seedFixture(database: Database) {
  const db = database.prisma;
  const passwordHash = await testPasswordHash();
  const acme = await db.workspace.create({ data: { name: 'Acme', slug: 'acme' } });
  const globex = await db.workspace.create({ data: { name: 'Globex', slug: 'globex' } });
  const tenant = (workspaceId: string, slug: string) =>
    db.tenant.create({ data: { workspaceId, slug, name: slug, connectionStatus: 'connected', connectedAt: new Date() } });
  const acmeProd = await tenant(acme.id, 'acme-prod');
  const acmeDev = await tenant(acme.id, 'acme-dev');
  const globexProd = await tenant(globex.id, 'globex-prod');
  const user = async (email: string, workspaceId: string, capabilities: readonly Capability[], tenantIds: string[]) =>
    db.user.create({
      data: {
        email,
        displayName: email.split('@')[0]!,
        passwordHash,
        memberships: { create: { workspaceId, capabilities: [...capabilities] } },
        entitlements: { create: tenantIds.map((tenantId) => ({ tenantId })) },
      },
    });
  const users = {
    /** All capabilities in Acme, entitled to both Acme tenants. */
    acmeOwner: await user('owner@acme.test', acme.id, CAPABILITIES, [acmeProd.id, acmeDev.id]),
    /** Acme member entitled to acme-prod, no capabilities. */
    acmeReadonly: await user('readonly@acme.test', acme.id, [], [acmeProd.id]),
    /** Acme member with every capability but entitled to acme-dev only. */
    acmeDevOnly: await user('devonly@acme.test', acme.id, CAPABILITIES, [acmeDev.id]),
    /** All capabilities in Globex only. */
    globexOwner: await user('owner@globex.test', globex.id, CAPABILITIES, [globexProd.id]),
  };
  const operator = await db.systemUser.create({
    data: { email: 'operator@example.test', displayName: 'Operator', passwordHash, permissions: [...SYSTEM_PERMISSIONS] },
  });
  const noPermissionOperator = await db.systemUser.create({
    data: { email: 'nobody@example.test', displayName: 'No permission', passwordHash, permissions: [] },
  });
  return { workspaces: { acme, globex }, tenants: { acmeProd, acmeDev, globexProd }, users, operator, noPermissionOperator };
}

/** Counts ledger rows per event name, straight from the table (for assertions only). */
export async function ledgerCounts(db: Database['prisma']) {
  const rows = await db.$queryRaw<{ event_name: string; n: bigint }[]>`
    SELECT event_name, count(*)::bigint AS n FROM product_usage_events GROUP BY event_name`;
  return Object.fromEntries(rows.map((r) => [r.event_name, Number(r.n)]));
}
