import { describe, expect, it } from 'vitest';
import { createAdminSession, createSystemSession } from '../../../server/auth/sessions.ts';
import { THROTTLE } from '../../../server/auth/throttle.ts';
import { openPostgres } from '../../../server/db/client.ts';
import { createMetrics } from '../../../server/observability.ts';
import { runHousekeepingTick } from '../../../server/telemetry/schedule.ts';
import { useTestApp } from '../../helpers/app.ts';
import { testDbKind } from '../../helpers/db.ts';
import { outcome } from '../../helpers/outcomes.ts';

/**
 * Issue 10 §7: the daily job deletes sessions of both planes that expired or were revoked, and
 * throttle rows that count for nothing any more — once per tick across replicas, like the prune.
 */
const t = useTestApp();
const HOUR = 3600_000;

describe('daily authentication housekeeping', () => {
  it('deletes expired and revoked sessions of both planes and stale throttle rows; keeps live ones, which still work', async () => {
    const { app, fx } = t;
    const now = new Date();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    await app.db.loginThrottle.deleteMany({});
    const admin = {
      live: await createAdminSession(app.db, fx.users.acmeOwner.id, ago(HOUR)),
      expired: await createAdminSession(app.db, fx.users.acmeOwner.id, ago(24 * HOUR)),
      revoked: await createAdminSession(app.db, fx.users.acmeOwner.id, ago(HOUR)),
    };
    const system = {
      live: await createSystemSession(app.db, fx.operator.id, ago(HOUR)),
      expired: await createSystemSession(app.db, fx.operator.id, ago(24 * HOUR)),
      revoked: await createSystemSession(app.db, fx.operator.id, ago(HOUR)),
    };
    await app.caller(admin.revoked.token).auth.logout();
    await app.caller(system.revoked.token).system.auth.logout();
    const window = THROTTLE.windowMs;
    await app.db.loginThrottle.createMany({
      data: [
        { key: 'admin:account:window-over@acme.test', failures: 3, windowStartsAt: ago(window + 1_000) },
        { key: 'admin:address:192.0.2.1', failures: 0, windowStartsAt: ago(2 * window), lockedUntil: ago(1_000) },
        { key: 'admin:account:counting@acme.test', failures: 2, windowStartsAt: ago(window / 2) },
        { key: 'system:account:locked@example.test', failures: 0, windowStartsAt: ago(window + 1_000), lockedUntil: new Date(now.getTime() + 60_000) },
      ],
    });
    const adminBefore = await app.db.adminSession.count();
    const systemBefore = await app.db.systemSession.count();

    const deps = { db: app.database, log: app.deps.log, metrics: createMetrics() };
    expect(await runHousekeepingTick(deps, { tick: new Date(Date.UTC(2031, 5, 1, 3, 15)), now })).toBe('ran');

    const ended = { OR: [{ expiresAt: { lte: now } }, { revokedAt: { not: null } }] };
    expect(await app.db.adminSession.count({ where: ended })).toBe(0);
    expect(await app.db.systemSession.count({ where: ended })).toBe(0);
    expect(await app.db.adminSession.count()).toBe(adminBefore - 2);
    expect(await app.db.systemSession.count()).toBe(systemBefore - 2);
    expect((await app.db.loginThrottle.findMany({ orderBy: { key: 'asc' } })).map((r) => r.key)).toEqual([
      'admin:account:counting@acme.test',
      'system:account:locked@example.test',
    ]);

    // Live sessions work; deleted ones are refused just as before.
    expect((await outcome(app.caller(admin.live.token).auth.me())).code).toBe('OK');
    expect((await outcome(app.caller(system.live.token).system.auth.me())).code).toBe('OK');
    for (const token of [admin.expired.token, admin.revoked.token]) expect(await outcome(app.caller(token).auth.me())).toMatchObject({ code: 'UNAUTHORIZED' });
    for (const token of [system.expired.token, system.revoked.token]) {
      expect(await outcome(app.caller(token).system.auth.me())).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    const [run] = await app.db.scheduledJobRun.findMany({ where: { job: 'auth:housekeeping' } });
    expect(run).toMatchObject({ finishedAt: expect.any(Date), rowsAffected: 6 });
  });

  it('runs once per tick across replicas, whichever claims it', async () => {
    const { app } = t;
    const second = testDbKind() === 'postgres' ? await openPostgres(app.url!, { poolSize: 2 }) : app.database;
    try {
      const replicas = [app.database, second].map((db) => ({ db, log: app.deps.log, metrics: createMetrics() }));
      const tick = new Date(Date.UTC(2031, 6, 1, 3, 15));
      const outcomes = await Promise.all(replicas.map((r, i) => runHousekeepingTick(r, { tick: new Date(tick.getTime() + i * 2_000) })));
      expect(outcomes.sort()).toEqual(['claimed elsewhere', 'ran']);
      expect(await app.db.scheduledJobRun.count({ where: { job: 'auth:housekeeping', scheduledFor: tick } })).toBe(1);
      const next = await Promise.all(replicas.map((r) => runHousekeepingTick(r, { tick: new Date(tick.getTime() + 24 * HOUR) })));
      expect(next.sort()).toEqual(['claimed elsewhere', 'ran']);
    } finally {
      if (second !== app.database) await second.close();
    }
  });
});
