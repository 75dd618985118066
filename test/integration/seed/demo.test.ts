import { describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../../../server/auth/capabilities.ts';
import { DAY_MS } from '../../../server/telemetry/buckets.ts';
import { EVENT_NAMES } from '../../../server/telemetry/catalog.ts';
import { DemoRefusedError, seedDemo } from '../../../server/seed/demo.ts';
import { useTestApp } from '../../helpers/app.ts';
import { ledgerRows, snapshotTables } from '../../helpers/outcomes.ts';

/**
 * `seed:demo` (DESIGN.md "Demo identities"): the documented identities, then N telemetry-bearing
 * actions over D days through the real source actions; idempotent; refuses non-demo data.
 */
const t = useTestApp({ fixture: false });
const NOW = new Date();
const seed = (opts: { events: number; days: number; password?: string }) =>
  seedDemo({ db: t.app.db, telemetry: t.app.deps.telemetry }, { ...opts, now: NOW });

describe('seeding the demo', () => {
  let password: string;

  it('with --events 0 creates the documented identities only, with a generated password shown once; the ledger stays empty', async () => {
    const { app } = t;
    const result = await seed({ events: 0, days: 30 });
    expect(result).toMatchObject({ identitiesCreated: true, actions: 0, skippedEvents: false, generatedPassword: expect.stringMatching(/^\S{12,}$/) });
    password = result.generatedPassword!;
    expect(await ledgerRows(app.db)).toEqual([]);

    const workspaces = await app.db.workspace.findMany({ orderBy: { name: 'asc' }, include: { tenants: { orderBy: { slug: 'asc' } } } });
    expect(workspaces.map((w) => [w.name, w.isDemo, w.tenants.map((x) => x.slug)])).toEqual([
      ['Contoso', true, ['contoso-dev', 'contoso-prod']],
      ['Fabrikam', true, ['fabrikam-prod']],
    ]);
    const operator = app.caller((await app.caller().system.auth.login({ email: 'operator@tenantpilot.test', password })).token);
    expect(await operator.system.telemetry.summary({ window: '30d' })).toMatchObject({ isEmpty: true, totalEvents: 0 });
  });

  it('gives each demo user the documented memberships, capabilities and entitled tenants (auth.me)', async () => {
    const { app } = t;
    const me = async (email: string) => {
      const { token } = await app.caller().auth.login({ email, password });
      const user = await app.caller(token).auth.me();
      return user.memberships.map((m) => ({ workspace: m.workspace.name, capabilities: [...m.capabilities].sort(), tenants: m.tenants.map((x) => x.slug) }));
    };
    expect(await me('owner@contoso.test')).toEqual([{ workspace: 'Contoso', capabilities: [...CAPABILITIES].sort(), tenants: ['contoso-dev', 'contoso-prod'] }]);
    expect(await me('readonly@contoso.test')).toEqual([{ workspace: 'Contoso', capabilities: [], tenants: ['contoso-dev', 'contoso-prod'] }]);
    expect(await me('owner@fabrikam.test')).toEqual([{ workspace: 'Fabrikam', capabilities: [...CAPABILITIES].sort(), tenants: ['fabrikam-prod'] }]);
  });

  it('with --events 25 --days 3 performs 25 real source actions over the last 3 days, one ledger row each', async () => {
    const { app } = t;
    const result = await seed({ events: 25, days: 3 });
    expect(result).toMatchObject({ identitiesCreated: false, actions: 25, skippedEvents: false });
    expect(result.generatedPassword).toBeUndefined();
    const rows = await ledgerRows(app.db);
    expect(rows).toHaveLength(25);
    expect(new Set(rows.map((r) => r.event_name))).toEqual(new Set(EVENT_NAMES));
    for (const r of rows) {
      expect(r.occurred_at.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 3 * DAY_MS);
      expect(r.occurred_at.getTime()).toBeLessThan(NOW.getTime());
    }
    // produced through the source actions: every row's subject is a real source record, audited
    const audited = new Set((await app.db.auditLog.findMany({ select: { subjectId: true } })).map((a) => a.subjectId));
    for (const r of rows) expect(audited.has(r.subject_id), `${r.event_name} ${r.subject_type}`).toBe(true);
    const [runs, reports, packs] = await Promise.all([app.db.operationRun.count(), app.db.storedReport.count(), app.db.reviewPack.count()]);
    expect(runs).toBe(rows.filter((r) => r.event_name === 'operation.started').length);
    expect(reports).toBe(rows.filter((r) => r.event_name === 'stored_report.created').length);
    expect(packs).toBe(rows.filter((r) => r.event_name === 'review_pack.generation_requested').length);
  });

  it('run again, changes nothing at all: no second copy of identities, no more actions, passwords kept', async () => {
    const { app } = t;
    const before = await snapshotTables(app.db);
    const result = await seed({ events: 25, days: 3, password: 'another password entirely' });
    expect(result).toEqual({ identitiesCreated: false, generatedPassword: undefined, actions: 0, skippedEvents: true });
    expect(await snapshotTables(app.db)).toEqual(before);
    await expect(app.caller().auth.login({ email: 'owner@contoso.test', password })).resolves.toMatchObject({ user: { email: 'owner@contoso.test' } });
  });

  it('refuses a database that holds a non-demo workspace, and creates nothing', async () => {
    const { app } = t;
    await app.db.workspace.create({ data: { name: 'Real Customer', slug: 'real-customer' } });
    const before = await snapshotTables(app.db);
    await expect(seed({ events: 5, days: 1 })).rejects.toThrow(new DemoRefusedError('Refusing to seed: this database holds non-demo workspaces'));
    expect(await snapshotTables(app.db)).toEqual(before);
  });
});
