import { describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../../../server/auth/capabilities.ts';
import { DemoRefusedError, seedDemo, USAGE } from '../../../server/seed/demo.ts';
import { planActions } from '../../../server/seed/plan.ts';
import { DAY_MS } from '../../../server/telemetry/buckets.ts';
import { useTestApp } from '../../helpers/app.ts';
import { ledgerRows, snapshotTables } from '../../helpers/outcomes.ts';

/**
 * `seed:demo` (DESIGN.md "Demo identities"): the documented identities plus more demo workspaces,
 * then the actions of a deterministic usage plan through the real source actions; idempotent,
 * extendable with a larger --events; refuses non-demo data and a short demo password.
 */
const t = useTestApp({ fixture: false });
const NOW = new Date();
const seed = (opts: { events: number; days: number; seed?: number; password?: string }) =>
  seedDemo({ database: t.app.database, telemetry: t.app.deps.telemetry }, { ...opts, now: NOW });

/** What the ledger holds, as (workspace slug, event, time) — comparable with the plan. */
async function ledgerAsPlan() {
  const slugs = new Map((await t.app.db.workspace.findMany()).map((w) => [w.id, w.slug]));
  return (await ledgerRows(t.app.db)).map((r) => `${slugs.get(r.workspace_id)} ${r.event_name} ${r.occurred_at.toISOString()}`).sort();
}
const planAsLedger = (to: number, opts = { seed: 7, days: 30 }) =>
  planActions(USAGE, { ...opts, from: 0, to, anchor: NOW }).map((a) => `${a.workspace} ${a.event} ${a.at.toISOString()}`).sort();

describe('seeding the demo', () => {
  let password: string;

  it('with --events 0 creates the documented identities and ten more demo workspaces, with a generated password shown once; the ledger stays empty', async () => {
    const { app } = t;
    const result = await seed({ events: 0, days: 30 });
    expect(result).toMatchObject({ identitiesCreated: true, actions: 0, plan: null, generatedPassword: expect.stringMatching(/^\S{12,}$/) });
    password = result.generatedPassword!;
    expect(await ledgerRows(app.db)).toEqual([]);

    const workspaces = await app.db.workspace.findMany({ orderBy: { name: 'asc' }, include: { tenants: { orderBy: { slug: 'asc' } } } });
    expect(workspaces.every((w) => w.isDemo)).toBe(true);
    const byName = new Map(workspaces.map((w) => [w.name, w.tenants.map((x) => x.slug)]));
    expect(byName.get('Contoso')).toEqual(['contoso-dev', 'contoso-prod']);
    expect(byName.get('Fabrikam')).toEqual(['fabrikam-prod']);
    const added = workspaces.filter((w) => !['Contoso', 'Fabrikam'].includes(w.name));
    expect(added).toHaveLength(10);
    for (const w of added) expect(w.name).toMatch(/ \(demo\)$/);
    const operator = app.caller((await app.caller().system.auth.login({ email: 'operator@tenantpilot.test', password })).token);
    expect(await operator.system.telemetry.summary({ window: '30d' })).toMatchObject({ isEmpty: true, totalEvents: 0, totalWorkspaces: 12 });
  });

  it('gives each documented demo user exactly the documented memberships, capabilities and entitled tenants (auth.me)', async () => {
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

  it('with --events 40 --days 30 --seed 7 performs exactly the first 40 planned actions through the source services, one ledger row each', async () => {
    const { app } = t;
    const result = await seed({ events: 40, days: 30, seed: 7 });
    expect(result).toMatchObject({ identitiesCreated: false, actions: 40, alreadyDone: 0, plan: { seed: 7, days: 30, anchor: NOW.toISOString() } });
    expect(await ledgerAsPlan()).toEqual(planAsLedger(40));
    for (const r of await ledgerRows(app.db)) {
      expect(r.occurred_at.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 30 * DAY_MS);
      expect(r.occurred_at.getTime()).toBeLessThan(NOW.getTime());
    }
    // produced through the source actions: every row's subject is a real source record, audited
    const rows = await ledgerRows(app.db);
    const audited = new Set((await app.db.auditLog.findMany({ select: { subjectId: true } })).map((a) => a.subjectId));
    for (const r of rows) expect(audited.has(r.subject_id), `${r.event_name} ${r.subject_type}`).toBe(true);
    const [runs, reports, packs] = await Promise.all([app.db.operationRun.count(), app.db.storedReport.count(), app.db.reviewPack.count()]);
    expect(runs).toBe(rows.filter((r) => r.event_name === 'operation.started').length);
    expect(reports).toBe(rows.filter((r) => r.event_name === 'stored_report.created').length);
    expect(packs).toBe(rows.filter((r) => r.event_name === 'review_pack.generation_requested').length);
  });

  it('run again, changes nothing at all and says why: no second copy, no more actions, passwords kept', async () => {
    const { app } = t;
    const before = await snapshotTables(app.db);
    const result = await seed({ events: 40, days: 30, seed: 7, password: 'another password entirely' });
    expect(result).toMatchObject({ identitiesCreated: false, actions: 0, alreadyDone: 40, note: expect.stringContaining('nothing to add') });
    expect(await snapshotTables(app.db)).toEqual(before);
    await expect(app.caller().auth.login({ email: 'owner@contoso.test', password })).resolves.toMatchObject({ user: { email: 'owner@contoso.test' } });
  });

  it('with a larger --events adds the difference — the next actions of the same plan, even when asked with another seed (and says so)', async () => {
    const result = await seed({ events: 55, days: 90, seed: 8 });
    expect(result).toMatchObject({ actions: 15, alreadyDone: 40, plan: { seed: 7, days: 30 }, note: expect.stringContaining('--seed 7 --days 30') });
    expect(await ledgerAsPlan()).toEqual(planAsLedger(55));
  });

  it('refuses a demo password shorter than 12 characters before touching the database', async () => {
    const before = await snapshotTables(t.app.db);
    await expect(seed({ events: 5, days: 1, password: 'short pass' })).rejects.toThrow(
      new DemoRefusedError('TENANTPILOT_DEMO_PASSWORD must be at least 12 characters (it has 10)'),
    );
    expect(await snapshotTables(t.app.db)).toEqual(before);
  });

  it('refuses a database that holds a non-demo workspace, and creates nothing', async () => {
    const { app } = t;
    await app.db.workspace.create({ data: { name: 'Real Customer', slug: 'real-customer' } });
    const before = await snapshotTables(app.db);
    await expect(seed({ events: 60, days: 1 })).rejects.toThrow(new DemoRefusedError('Refusing to seed: this database holds non-demo workspaces'));
    expect(await snapshotTables(app.db)).toEqual(before);
  });
});
