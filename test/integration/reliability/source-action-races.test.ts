import pg from 'pg';
import { CAPABILITIES } from '../../../server/auth/capabilities.ts';
import { describe, expect, it } from 'vitest';
import type { Database, SqlRunner, Statement } from '../../../server/db/client.ts';
import { generatePendingReviewPacks } from '../../../server/domain/review-packs/service.ts';
import type { Recorder } from '../../../server/telemetry/recorder.ts';
import { createContextInner, type AppDeps } from '../../../server/trpc/context.ts';
import { createCaller } from '../../../server/trpc/router.ts';
import { useTestApp } from '../../helpers/app.ts';
import { testDbKind } from '../../helpers/db.ts';
import { expectTrpcError } from '../../helpers/outcomes.ts';

/**
 * Races between a source action and whatever changes under it, on PostgreSQL: PGlite runs one
 * transaction at a time, so nothing can change in the middle of an action there.
 */
const t = useTestApp();
const onPostgres = testDbKind() === 'postgres';

/** What an action leaves: source rows, audit entries, ledger rows. */
async function footprint(db: Database['prisma']) {
  const [row] = await db.$queryRaw<{ runs: number; audits: number; events: number }[]>`
    SELECT (SELECT count(*)::int FROM operation_runs) AS runs, (SELECT count(*)::int FROM audit_logs) AS audits,
           (SELECT count(*)::int FROM product_usage_events) AS events`;
  return row!;
}

/** Another session on the test database, as an administrator revoking rights would have. */
async function otherConnection() {
  const client = new pg.Client({ connectionString: t.app.url });
  await client.connect();
  return client;
}

/** Resolves once some statement of this database waits on a row lock. */
async function someoneWaitsOnALock(db: Database['prisma']) {
  for (let i = 0; i < 200; i++) {
    const [row] = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if (row!.n > 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no statement ever waited on a lock');
}

async function ownerCaller(deps: AppDeps) {
  return createCaller(createContextInner(deps, { token: await t.app.adminToken('owner@acme.test'), ip: '203.0.113.7' }));
}

describe.skipIf(!onPostgres)('a right revoked while an action is under way (PostgreSQL; PGlite runs one transaction at a time)', () => {
  const revocations = [
    ['the tenant entitlement is deleted', 'NOT_FOUND', `DELETE FROM tenant_entitlements WHERE user_id = $1 AND tenant_id = $2`],
    ['the capability is taken away', 'FORBIDDEN', `UPDATE workspace_memberships SET capabilities = array_remove(capabilities, 'operations.start') WHERE user_id = $1 AND $2::uuid IS NOT NULL`],
    ['the membership is deleted', 'NOT_FOUND', `DELETE FROM workspace_memberships WHERE user_id = $1 AND $2::uuid IS NOT NULL`],
  ] as const;

  it.each(revocations)('revoked first (%s, not yet committed): the action waits for it, then is refused (%s) and leaves nothing', async (_what, code, revoke) => {
    const { app, fx } = t;
    const owner = await ownerCaller(app.deps);
    const admin = await otherConnection();
    try {
      await admin.query('BEGIN');
      const before = await footprint(app.db);
      await admin.query(revoke, [fx.users.acmeOwner.id, fx.tenants.acmeProd.id]);
      const action = owner.operations.start({ tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync' });
      action.catch(() => undefined);
      await someoneWaitsOnALock(app.db); // the action's gate waits for the revoking transaction
      await admin.query('COMMIT');
      await expectTrpcError(action, code);
      expect(await footprint(app.db)).toEqual(before);
    } finally {
      await admin.query('ROLLBACK').catch(() => undefined);
      await admin.end();
      await restoreOwner();
    }
  });

  it('revoked after the gate, before the commit: the revocation waits for the action, so the action happened before it — whole', async () => {
    const { app, fx } = t;
    const admin = await otherConnection();
    let revoked = false;
    let revocation: Promise<unknown> | undefined;
    // The recorder runs last in the action's transaction: revoke from there, and see that it waits.
    const recorder: Recorder = {
      async record(tx, event) {
        revocation = admin
          .query('DELETE FROM tenant_entitlements WHERE user_id = $1 AND tenant_id = $2', [fx.users.acmeOwner.id, fx.tenants.acmeProd.id])
          .then(() => (revoked = true));
        await someoneWaitsOnALock(app.db);
        expect(revoked).toBe(false);
        return app.deps.telemetry.record(tx, event);
      },
    };
    try {
      const before = await footprint(app.db);
      const owner = await ownerCaller({ ...app.deps, telemetry: recorder });
      const run = await owner.operations.start({ tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync' });
      await revocation;
      expect(revoked).toBe(true);
      expect(await footprint(app.db)).toEqual({ runs: before.runs + 1, audits: before.audits + 1, events: before.events + 1 });
      expect(await app.db.operationRun.count({ where: { id: run.id } })).toBe(1);
      // and from now on the right is gone
      await expectTrpcError((await ownerCaller(app.deps)).operations.start({ tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync' }), 'NOT_FOUND');
    } finally {
      await admin.end();
      await restoreOwner();
    }
  });
});

describe.skipIf(!onPostgres)('the review-pack race (PostgreSQL; PGlite runs one transaction at a time)', () => {
  it('the pending pack a request met is finished by the generator before it is read: the request makes a new one — never an internal error', async () => {
    const { app, fx } = t;
    const tenantId = fx.tenants.acmeDev.id;
    const owner = await ownerCaller(app.deps);
    const first = await owner.reviewPacks.requestGeneration({ tenantId });
    expect(first.reused).toBe(false);

    // Between the insert that met the pending pack and the read of it, the generator (another
    // connection) finishes that pack.
    let generated = 0;
    const intercept = (tx: SqlRunner): SqlRunner => ({
      async query<T>(s: Statement, params: readonly unknown[]) {
        const rows = await tx.query<T>(s, params);
        if (s.name === 'review_pack_insert' && rows.length === 0 && generated === 0) {
          generated = await generatePendingReviewPacks({ db: app.db, now: app.deps.now });
        }
        return rows;
      },
    });
    const database: Database = { ...app.database, transaction: (fn) => app.database.transaction((tx) => fn(intercept(tx))) };
    const before = await app.db.productUsageEvent.count();
    const second = await (await ownerCaller({ ...app.deps, database })).reviewPacks.requestGeneration({ tenantId });

    expect(generated).toBe(1);
    expect(second).toMatchObject({ reused: false, status: 'pending', tenantId });
    expect(second.id).not.toBe(first.id);
    expect(await app.db.reviewPack.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ status: 'ready' });
    expect(await app.db.productUsageEvent.count()).toBe(before + 1);
  });

  it('a request while the pack is pending is answered reused and holds the pack: the generator skips it until the request commits', async () => {
    const { app, fx } = t;
    const tenantId = fx.tenants.acmeDev.id;
    const owner = await ownerCaller(app.deps);
    const pending = await owner.reviewPacks.requestGeneration({ tenantId });
    let skipped: number | undefined;
    const intercept = (tx: SqlRunner): SqlRunner => ({
      async query<T>(s: Statement, params: readonly unknown[]) {
        const rows = await tx.query<T>(s, params);
        if (s.name === 'review_pack_pending') skipped = await generatePendingReviewPacks({ db: app.db, now: app.deps.now });
        return rows;
      },
    });
    const database: Database = { ...app.database, transaction: (fn) => app.database.transaction((tx) => fn(intercept(tx))) };
    const again = await (await ownerCaller({ ...app.deps, database })).reviewPacks.requestGeneration({ tenantId });
    expect(again).toMatchObject({ id: pending.id, reused: true, status: 'pending' });
    expect(skipped).toBe(0);
    expect(await generatePendingReviewPacks({ db: app.db, now: app.deps.now })).toBe(1);
  });
});

/** Gives the owner back every right the revocation tests took. */
async function restoreOwner() {
  const { app, fx } = t;
  await app.db.workspaceMembership.upsert({
    where: { workspaceId_userId: { workspaceId: fx.workspaces.acme.id, userId: fx.users.acmeOwner.id } },
    create: { workspaceId: fx.workspaces.acme.id, userId: fx.users.acmeOwner.id, capabilities: [...CAPABILITIES] },
    update: { capabilities: [...CAPABILITIES] },
  });
  await app.db.tenantEntitlement.upsert({
    where: { userId_tenantId: { userId: fx.users.acmeOwner.id, tenantId: fx.tenants.acmeProd.id } },
    create: { userId: fx.users.acmeOwner.id, tenantId: fx.tenants.acmeProd.id },
    update: {},
  });
}
