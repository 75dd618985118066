import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../helpers/app.ts';

/**
 * "IDs from another workspace never reveal whether they exist": for every tenant procedure and every
 * id it takes, a real id the caller may not see and a random UUID get the same code and message —
 * and neither stores anything.
 */
const t = useTestApp();

type Probe = { name: string; call: (id: string) => Promise<unknown>; foreign: () => string };
let probes: Probe[] = [];

/** Source and audit tables: a refused call must leave every one of them as it was. */
async function rowCounts() {
  const rows = await t.app.db.$queryRaw<{ n: string }[]>`
    SELECT concat_ws(',', (SELECT count(*) FROM tenant_onboarding_sessions), (SELECT count(*) FROM operation_runs),
      (SELECT count(*) FROM stored_reports), (SELECT count(*) FROM review_packs), (SELECT count(*) FROM audit_logs),
      (SELECT count(*) FROM product_usage_events)) AS n`;
  return rows[0]!.n;
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: 'OK', message: '' }),
    (e: unknown) => (e instanceof TRPCError ? { code: e.code, message: e.message } : { code: 'THROWN', message: String(e) }),
  );

beforeAll(async () => {
  const { app, fx } = t;
  // Records in Globex (another workspace) and in acme-dev (same workspace, tenant not entitled).
  const globex = app.caller(await app.adminToken('owner@globex.test'));
  const globexSession = await globex.onboarding.createDraft({ workspaceId: fx.workspaces.globex.id });
  const globexRun = await globex.operations.start({ tenantId: fx.tenants.globexProd.id, type: 'inventory.sync' });
  const acmeOwner = app.caller(await app.adminToken('owner@acme.test'));
  const acmeDevRun = await acmeOwner.operations.start({ tenantId: fx.tenants.acmeDev.id, type: 'policy.backup' });

  // The caller: all capabilities in Acme, entitled to acme-dev only.
  const me = app.caller(await app.adminToken('devonly@acme.test'));
  const myDraft = await me.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id });
  const acmeDev = fx.tenants.acmeDev.id;

  probes = [
    { name: 'onboarding.createDraft workspaceId (other workspace)', foreign: () => fx.workspaces.globex.id, call: (id) => me.onboarding.createDraft({ workspaceId: id }) },
    { name: 'onboarding.linkTenant onboardingSessionId (other workspace)', foreign: () => globexSession.id, call: (id) => me.onboarding.linkTenant({ onboardingSessionId: id, tenantId: acmeDev }) },
    { name: 'onboarding.linkTenant tenantId (other workspace)', foreign: () => fx.tenants.globexProd.id, call: (id) => me.onboarding.linkTenant({ onboardingSessionId: myDraft.id, tenantId: id }) },
    { name: 'onboarding.linkTenant tenantId (same workspace, not entitled)', foreign: () => fx.tenants.acmeProd.id, call: (id) => me.onboarding.linkTenant({ onboardingSessionId: myDraft.id, tenantId: id }) },
    { name: 'onboarding.completeCheckpoint onboardingSessionId (other workspace)', foreign: () => globexSession.id, call: (id) => me.onboarding.completeCheckpoint({ onboardingSessionId: id, checkpoint: 'connection_verified' }) },
    { name: 'support.openDiagnostics tenantId (other workspace)', foreign: () => fx.tenants.globexProd.id, call: (id) => me.support.openDiagnostics({ tenantId: id, entryPoint: 'tenant_dashboard' }) },
    { name: 'support.openDiagnostics tenantId (same workspace, not entitled)', foreign: () => fx.tenants.acmeProd.id, call: (id) => me.support.openDiagnostics({ tenantId: id, entryPoint: 'tenant_dashboard' }) },
    {
      name: 'support.openDiagnostics operationRunId (other workspace)',
      foreign: () => globexRun.id,
      call: (id) => me.support.openDiagnostics({ tenantId: acmeDev, entryPoint: 'operation_detail', operationRunId: id }),
    },
    {
      name: 'support.openDiagnostics operationRunId (same workspace, other tenant)',
      foreign: () => acmeDevRun.id,
      call: (id) => acmeOwner.support.openDiagnostics({ tenantId: fx.tenants.acmeProd.id, entryPoint: 'operation_detail', operationRunId: id }),
    },
    { name: 'operations.start tenantId (other workspace)', foreign: () => fx.tenants.globexProd.id, call: (id) => me.operations.start({ tenantId: id, type: 'compliance.scan' }) },
    { name: 'operations.start tenantId (same workspace, not entitled)', foreign: () => fx.tenants.acmeProd.id, call: (id) => me.operations.start({ tenantId: id, type: 'compliance.scan' }) },
    { name: 'reports.create tenantId (other workspace)', foreign: () => fx.tenants.globexProd.id, call: (id) => me.reports.create({ tenantId: id, reportType: 'permission_posture' }) },
    { name: 'reviewPacks.requestGeneration tenantId (other workspace)', foreign: () => fx.tenants.globexProd.id, call: (id) => me.reviewPacks.requestGeneration({ tenantId: id }) },
  ];
});

describe('ids the caller may not see are indistinguishable from ids that do not exist', () => {
  it('covers every tenant procedure and each id it takes', () => {
    const covered = new Set(probes.map((p) => p.name.split(' ').slice(0, 2).join(' ')));
    expect([...covered].sort()).toEqual(
      [
        'onboarding.createDraft workspaceId',
        'onboarding.linkTenant onboardingSessionId',
        'onboarding.linkTenant tenantId',
        'onboarding.completeCheckpoint onboardingSessionId',
        'support.openDiagnostics tenantId',
        'support.openDiagnostics operationRunId',
        'operations.start tenantId',
        'reports.create tenantId',
        'reviewPacks.requestGeneration tenantId',
      ].sort(),
    );
  });

  it('each procedure: the same NOT_FOUND code and message for a foreign id and a random one, and nothing stored', async () => {
    const before = await rowCounts();
    for (const probe of probes) {
      const foreign = await outcome(probe.call(probe.foreign()));
      const random = await outcome(probe.call(randomUUID()));
      expect(foreign, probe.name).toEqual(random);
      expect(foreign.code, probe.name).toBe('NOT_FOUND');
      expect(foreign.message, probe.name).not.toContain(probe.foreign());
    }
    expect(await rowCounts()).toBe(before);
  });

  it('the same holds over HTTP: identical status and body', async () => {
    const { buildHttpServer } = await import('../../../server/http.ts');
    const http = buildHttpServer(t.app.deps);
    try {
      const token = await t.app.adminToken('devonly@acme.test');
      const post = (path: string, input: unknown) =>
        http.inject({ method: 'POST', url: `/trpc/${path}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(input) });
      for (const id of [t.fx.tenants.globexProd.id, t.fx.tenants.acmeProd.id]) {
        const foreign = await post('operations.start', { tenantId: id, type: 'inventory.sync' });
        const random = await post('operations.start', { tenantId: randomUUID(), type: 'inventory.sync' });
        expect(foreign.statusCode).toBe(404);
        expect(foreign.statusCode).toBe(random.statusCode);
        expect(foreign.body).toBe(random.body);
      }
    } finally {
      await http.close();
    }
  });
});
