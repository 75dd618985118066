import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINTS } from '../../../server/domain/onboarding/schema.ts';
import { startSystemOperation } from '../../../server/domain/operations/service.ts';
import { generatePendingReviewPacks } from '../../../server/domain/review-packs/service.ts';
import { ledgerCounts, useTestApp } from '../../helpers/app.ts';
import { expectTrpcError, fieldPaths, ledgerRows, ledgerTotal, snapshotTables } from '../../helpers/outcomes.ts';

/**
 * Spec User Story 1, "Record high-signal tenant usage centrally": each supported source milestone,
 * done once by an entitled tenant admin, writes exactly one tenant-bound row with safe metadata;
 * a failed action, a pre-tenant draft, a repeat or a system-started run writes none.
 */
const t = useTestApp();
type Caller = ReturnType<typeof t.app.caller>;
let owner: Caller;
let readonly: Caller;
let globexOwner: Caller;

beforeAll(async () => {
  const { app } = t;
  owner = app.caller(await app.adminToken('owner@acme.test'));
  readonly = app.caller(await app.adminToken('readonly@acme.test'));
  globexOwner = app.caller(await app.adminToken('owner@globex.test'));
});
afterEach(() => t.app.setNow(undefined));

/** The ledger rows added while `fn` runs, and what it returned. */
async function recorded<T>(fn: () => Promise<T>) {
  const before = new Set((await ledgerRows(t.app.db)).map((r) => r.id));
  const result = await fn();
  const rows = (await ledgerRows(t.app.db)).filter((r) => !before.has(r.id));
  return { result, rows };
}

/** Audit entries of one subject, by action name (entries of one millisecond have no order). */
const auditOf = (subjectId: string) =>
  t.app.db.auditLog.findMany({ where: { subjectId }, orderBy: { action: 'asc' }, select: { action: true, actorUserId: true } });

async function linkedSession(tenantId = t.fx.tenants.acmeProd.id) {
  const draft = await owner.onboarding.createDraft({ workspaceId: t.fx.workspaces.acme.id });
  return owner.onboarding.linkTenant({ onboardingSessionId: draft.id, tenantId });
}

describe('US1-1: an onboarding checkpoint completed after the tenant is linked', () => {
  it('writes one event referencing the tenant, workspace, user and onboarding session, with only the checkpoint as metadata', async () => {
    const { app, fx } = t;
    const session = await linkedSession();
    const at = new Date('2026-04-01T09:30:00.000Z');
    app.setNow(at);
    const { result, rows } = await recorded(() =>
      owner.onboarding.completeCheckpoint({ onboardingSessionId: session.id, checkpoint: 'connection_verified' }),
    );
    expect(result).toMatchObject({ id: session.id, tenantId: fx.tenants.acmeProd.id, completedCheckpoints: ['connection_verified'], status: 'in_progress' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      event_name: 'onboarding.checkpoint_completed',
      feature_area: 'onboarding',
      workspace_id: fx.workspaces.acme.id,
      tenant_id: fx.tenants.acmeProd.id,
      actor_user_id: fx.users.acmeOwner.id,
      subject_type: 'onboarding_session',
      subject_id: session.id,
      occurred_at: at,
      metadata: { checkpoint: 'connection_verified' },
    });
  });

  it('writes nothing for a repeated checkpoint, and returns the session unchanged', async () => {
    const session = await linkedSession();
    await owner.onboarding.completeCheckpoint({ onboardingSessionId: session.id, checkpoint: 'connection_verified' });
    const before = await snapshotTables(t.app.db);
    const { result, rows } = await recorded(() =>
      owner.onboarding.completeCheckpoint({ onboardingSessionId: session.id, checkpoint: 'connection_verified' }),
    );
    expect(rows).toEqual([]);
    expect(result.completedCheckpoints).toEqual(['connection_verified']);
    expect(await snapshotTables(t.app.db)).toEqual(before);
  });

  it('writes one event per checkpoint as the tenant passes all four in order, and completes the session', async () => {
    const session = await linkedSession();
    const { rows, result } = await recorded(async () => {
      let last;
      for (const checkpoint of CHECKPOINTS) last = await owner.onboarding.completeCheckpoint({ onboardingSessionId: session.id, checkpoint });
      return last!;
    });
    // (rows of one millisecond come back in any order)
    const checkpoints = rows.map((r) => r.metadata.checkpoint as (typeof CHECKPOINTS)[number]);
    expect(checkpoints.sort((a, b) => CHECKPOINTS.indexOf(a) - CHECKPOINTS.indexOf(b))).toEqual([...CHECKPOINTS]);
    expect(result).toMatchObject({ status: 'completed', completedCheckpoints: [...CHECKPOINTS] });
  });

  it('refuses a checkpoint out of order with PRECONDITION_FAILED and stores nothing', async () => {
    const session = await linkedSession();
    const before = await snapshotTables(t.app.db);
    const error = await expectTrpcError(
      owner.onboarding.completeCheckpoint({ onboardingSessionId: session.id, checkpoint: 'initial_sync_completed' }),
      'PRECONDITION_FAILED',
    );
    expect(error.message).toBe('Checkpoint initial_sync_completed requires connection_verified, permissions_granted first');
    expect(await snapshotTables(t.app.db)).toEqual(before);
  });

  it('refuses an unknown checkpoint as BAD_REQUEST naming the field, and stores nothing', async () => {
    const session = await linkedSession();
    const before = await snapshotTables(t.app.db);
    const error = await expectTrpcError(
      owner.onboarding.completeCheckpoint({ onboardingSessionId: session.id, checkpoint: 'tenant_happy' as never }),
      'BAD_REQUEST',
    );
    expect(fieldPaths(error)).toEqual(['checkpoint']);
    expect(await snapshotTables(t.app.db)).toEqual(before);
  });
});

describe('edge case: onboarding before a tenant is linked (pre-tenant draft)', () => {
  it('records nothing for the draft, its checkpoints or the link, and records checkpoints after the link', async () => {
    const { fx } = t;
    const { rows: draftRows, result: draft } = await recorded(async () => {
      const d = await owner.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id });
      await owner.onboarding.completeCheckpoint({ onboardingSessionId: d.id, checkpoint: 'connection_verified' });
      return d;
    });
    expect(draft).toMatchObject({ tenantId: null, status: 'draft' });
    expect(draftRows).toEqual([]);
    expect(await auditOf(draft.id)).toEqual([
      { action: 'onboarding.checkpoint_completed', actorUserId: fx.users.acmeOwner.id },
      { action: 'onboarding.draft_created', actorUserId: fx.users.acmeOwner.id },
    ]);

    const { rows: linkRows } = await recorded(() => owner.onboarding.linkTenant({ onboardingSessionId: draft.id, tenantId: fx.tenants.acmeDev.id }));
    expect(linkRows).toEqual([]);

    const { rows } = await recorded(() => owner.onboarding.completeCheckpoint({ onboardingSessionId: draft.id, checkpoint: 'permissions_granted' }));
    expect(rows.map((r) => [r.tenant_id, r.metadata])).toEqual([[fx.tenants.acmeDev.id, { checkpoint: 'permissions_granted' }]]);
  });

  it('keeps a draft that passed every checkpoint before its tenant was linked completed after the link, recording nothing', async () => {
    const { fx } = t;
    const { rows, result } = await recorded(async () => {
      const draft = await owner.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id });
      for (const checkpoint of CHECKPOINTS) await owner.onboarding.completeCheckpoint({ onboardingSessionId: draft.id, checkpoint });
      return owner.onboarding.linkTenant({ onboardingSessionId: draft.id, tenantId: fx.tenants.acmeProd.id });
    });
    expect(result).toMatchObject({ tenantId: fx.tenants.acmeProd.id, completedCheckpoints: [...CHECKPOINTS], status: 'completed' });
    expect(rows).toEqual([]);
  });

  it('refuses to link a tenant of another workspace as NOT_FOUND, and to relink a linked session as CONFLICT', async () => {
    const session = await linkedSession();
    await expectTrpcError(owner.onboarding.linkTenant({ onboardingSessionId: session.id, tenantId: t.fx.tenants.globexProd.id }), 'NOT_FOUND');
    await expectTrpcError(owner.onboarding.linkTenant({ onboardingSessionId: session.id, tenantId: t.fx.tenants.acmeDev.id }), 'CONFLICT');
    // linking again to the same tenant is a no-op
    const again = await owner.onboarding.linkTenant({ onboardingSessionId: session.id, tenantId: t.fx.tenants.acmeProd.id });
    expect(again.tenantId).toBe(t.fx.tenants.acmeProd.id);
  });
});

describe('US1-2: support diagnostics opened', () => {
  it('from the tenant dashboard: returns the bundle and writes one event about the tenant', async () => {
    const { fx } = t;
    const { result: bundle, rows } = await recorded(() => owner.support.openDiagnostics({ tenantId: fx.tenants.acmeProd.id, entryPoint: 'tenant_dashboard' }));
    expect(bundle).toMatchObject({
      entryPoint: 'tenant_dashboard',
      tenant: { id: fx.tenants.acmeProd.id, slug: 'acme-prod', connectionStatus: 'connected' },
      operationRun: null,
      counts: { storedReports: expect.any(Number) },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      event_name: 'support.diagnostics_opened',
      feature_area: 'support',
      subject_type: 'tenant',
      subject_id: fx.tenants.acmeProd.id,
      metadata: { entry_point: 'tenant_dashboard', has_operation_context: false },
    });
  });

  it('from an operation detail: the bundle holds that run, and the event is about the run', async () => {
    const { fx } = t;
    const run = await owner.operations.start({ tenantId: fx.tenants.acmeProd.id, type: 'compliance.scan' });
    const { result: bundle, rows } = await recorded(() =>
      owner.support.openDiagnostics({ tenantId: fx.tenants.acmeProd.id, entryPoint: 'operation_detail', operationRunId: run.id }),
    );
    expect(bundle.operationRun).toMatchObject({ id: run.id, type: 'compliance.scan', status: 'queued', trigger: 'user' });
    expect(bundle.recentOperationRuns.map((r) => r.id)).toContain(run.id);
    expect(rows.map((r) => [r.subject_type, r.subject_id, r.metadata])).toEqual([
      ['operation_run', run.id, { entry_point: 'operation_detail', has_operation_context: true }],
    ]);
  });

  it('writes one event per explicit open (opening twice is two openings)', async () => {
    const { rows } = await recorded(async () => {
      await owner.support.openDiagnostics({ tenantId: t.fx.tenants.acmeDev.id, entryPoint: 'tenant_dashboard' });
      await owner.support.openDiagnostics({ tenantId: t.fx.tenants.acmeDev.id, entryPoint: 'tenant_dashboard' });
    });
    expect(rows).toHaveLength(2);
  });

  it('refuses operation_detail without operationRunId (and tenant_dashboard with one) as BAD_REQUEST naming operationRunId', async () => {
    const { fx } = t;
    const before = await snapshotTables(t.app.db);
    const missing = await expectTrpcError(owner.support.openDiagnostics({ tenantId: fx.tenants.acmeProd.id, entryPoint: 'operation_detail' }), 'BAD_REQUEST');
    expect(fieldPaths(missing)).toEqual(['operationRunId']);
    const extra = await expectTrpcError(
      owner.support.openDiagnostics({ tenantId: fx.tenants.acmeProd.id, entryPoint: 'tenant_dashboard', operationRunId: randomUUID() }),
      'BAD_REQUEST',
    );
    expect(fieldPaths(extra)).toEqual(['operationRunId']);
    const entry = await expectTrpcError(owner.support.openDiagnostics({ tenantId: fx.tenants.acmeProd.id, entryPoint: 'page_view' as never }), 'BAD_REQUEST');
    expect(fieldPaths(entry)).toContain('entryPoint');
    expect(await snapshotTables(t.app.db)).toEqual(before);
  });

  it("refuses a run of another tenant as NOT_FOUND and stores nothing", async () => {
    const { fx } = t;
    const otherRun = await owner.operations.start({ tenantId: fx.tenants.acmeDev.id, type: 'inventory.sync' });
    const before = await snapshotTables(t.app.db);
    await expectTrpcError(
      owner.support.openDiagnostics({ tenantId: fx.tenants.acmeProd.id, entryPoint: 'operation_detail', operationRunId: otherRun.id }),
      'NOT_FOUND',
    );
    await expectTrpcError(
      owner.support.openDiagnostics({ tenantId: fx.tenants.acmeProd.id, entryPoint: 'operation_detail', operationRunId: randomUUID() }),
      'NOT_FOUND',
    );
    expect(await snapshotTables(t.app.db)).toEqual(before);
  });

  it('returns a real bundle with nothing secret in it: no e-mail, password hash, token or token hash', async () => {
    const { app, fx } = t;
    await owner.reports.create({ tenantId: fx.tenants.acmeProd.id, reportType: 'permission_posture' });
    await owner.reviewPacks.requestGeneration({ tenantId: fx.tenants.acmeProd.id });
    const run = await owner.operations.start({ tenantId: fx.tenants.acmeProd.id, type: 'policy.backup' });
    const bundle = await owner.support.openDiagnostics({ tenantId: fx.tenants.acmeProd.id, entryPoint: 'operation_detail', operationRunId: run.id });
    expect(bundle.counts.storedReports).toBeGreaterThan(0);
    expect(bundle.counts.operationRunsByStatus.queued).toBeGreaterThan(0);
    expect(bundle.counts.reviewPacksByStatus.pending).toBe(1);

    const text = JSON.stringify(bundle);
    const users = await app.db.user.findMany({ select: { id: true, email: true, passwordHash: true } });
    const sessions = await app.db.adminSession.findMany({ select: { tokenHash: true } });
    expect(text).not.toMatch(/@/);
    expect(text).not.toMatch(/scrypt\$|tp[as]_|password|token|secret/i);
    for (const u of users) {
      expect(text).not.toContain(u.passwordHash);
      // who initiated a run is not in the bundle either
      expect(text).not.toContain(u.id);
    }
    for (const s of sessions) expect(text).not.toContain(s.tokenHash);
  });
});

describe('US1-2: a tenant-bound operation started by a user', () => {
  it('writes one event about the run with its canonical type', async () => {
    const { fx } = t;
    const { result: run, rows } = await recorded(() => owner.operations.start({ tenantId: fx.tenants.acmeProd.id, type: 'permission_posture.refresh' }));
    expect(run).toEqual({ id: run.id, trigger: 'user', type: 'permission_posture.refresh', status: 'queued', workspaceId: fx.workspaces.acme.id, tenantId: fx.tenants.acmeProd.id, createdAt: run.createdAt });
    expect(await t.app.db.operationRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ initiatorUserId: fx.users.acmeOwner.id, trigger: 'user' });
    expect(rows.map((r) => [r.event_name, r.feature_area, r.subject_type, r.subject_id, r.metadata])).toEqual([
      ['operation.started', 'operations', 'operation_run', run.id, { operation_type: 'permission_posture.refresh' }],
    ]);
  });

  it('refuses an unknown operation type as BAD_REQUEST naming the field, and stores nothing', async () => {
    const before = await snapshotTables(t.app.db);
    const error = await expectTrpcError(owner.operations.start({ tenantId: t.fx.tenants.acmeProd.id, type: 'tenant.delete' as never }), 'BAD_REQUEST');
    expect(fieldPaths(error)).toEqual(['type']);
    expect(await snapshotTables(t.app.db)).toEqual(before);
  });
});

describe('edge case: system-started and scheduled operation runs (initiator null)', () => {
  it.each(['scheduled', 'system'] as const)('a %s run is created and audited, but records no telemetry', async (trigger) => {
    const { app, fx } = t;
    const { result: run, rows } = await recorded(() =>
      startSystemOperation({ database: app.database, now: app.deps.now }, { tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync', trigger }),
    );
    expect(run).toMatchObject({ trigger, tenantId: fx.tenants.acmeProd.id });
    expect(await app.db.operationRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ trigger, initiatorUserId: null });
    expect(rows).toEqual([]);
    expect(await auditOf(run.id)).toEqual([{ action: 'operation.started', actorUserId: null }]);
  });
});

describe('US1-2: a stored report created', () => {
  it('writes one event about the report with its report type', async () => {
    const { fx } = t;
    const { result: report, rows } = await recorded(() => owner.reports.create({ tenantId: fx.tenants.acmeDev.id, reportType: 'entra_admin_roles' }));
    expect(report).toMatchObject({ tenantId: fx.tenants.acmeDev.id, reportType: 'entra_admin_roles' });
    expect(await t.app.db.storedReport.findUniqueOrThrow({ where: { id: report.id } })).toMatchObject({ createdByUserId: fx.users.acmeOwner.id });
    expect(rows.map((r) => [r.event_name, r.feature_area, r.subject_type, r.subject_id, r.tenant_id, r.metadata])).toEqual([
      ['stored_report.created', 'reports', 'stored_report', report.id, fx.tenants.acmeDev.id, { report_type: 'entra_admin_roles' }],
    ]);
  });

  it('refuses an unknown report type as BAD_REQUEST naming the field, and stores nothing', async () => {
    const before = await snapshotTables(t.app.db);
    const error = await expectTrpcError(owner.reports.create({ tenantId: t.fx.tenants.acmeDev.id, reportType: 'everything' as never }), 'BAD_REQUEST');
    expect(fieldPaths(error)).toEqual(['reportType']);
    expect(await snapshotTables(t.app.db)).toEqual(before);
  });
});

describe('US1-2 and edge case: review-pack generation requested', () => {
  it('writes one event for a new request; a request while one is pending reuses it and records nothing', async () => {
    const { app, fx } = t;
    const tenantId = fx.tenants.acmeDev.id;
    await generatePendingReviewPacks({ db: app.db, now: app.deps.now });
    const first = await recorded(() => owner.reviewPacks.requestGeneration({ tenantId }));
    expect(first.result).toMatchObject({ reused: false, status: 'pending', tenantId });
    expect(first.rows.map((r) => [r.event_name, r.feature_area, r.subject_type, r.subject_id, r.metadata])).toEqual([
      ['review_pack.generation_requested', 'review_packs', 'review_pack', first.result.id, {}],
    ]);

    const before = await snapshotTables(app.db);
    const second = await recorded(() => owner.reviewPacks.requestGeneration({ tenantId }));
    expect(second.result).toMatchObject({ reused: true, id: first.result.id });
    expect(second.rows).toEqual([]);
    expect(await snapshotTables(app.db)).toEqual(before);

    // Once the generator has finished it, the next request is a real new one.
    expect(await generatePendingReviewPacks({ db: app.db, now: app.deps.now })).toBe(1);
    const ready = await app.db.reviewPack.findUniqueOrThrow({ where: { id: first.result.id } });
    expect(ready).toMatchObject({ status: 'ready', pendingKey: null });
    const third = await recorded(() => owner.reviewPacks.requestGeneration({ tenantId }));
    expect(third.result).toMatchObject({ reused: false });
    expect(third.result.id).not.toBe(first.result.id);
    expect(third.rows.map((r) => r.subject_id)).toEqual([third.result.id]);
  });

  it('generates packs without recording telemetry (the generator is not a user action)', async () => {
    const { app } = t;
    await owner.reviewPacks.requestGeneration({ tenantId: t.fx.tenants.acmeProd.id });
    const { rows } = await recorded(() => generatePendingReviewPacks({ db: app.db, now: app.deps.now }));
    expect(rows).toEqual([]);
  });
});

describe('US1-3: a failed source action writes nothing (ledger, source tables, audit log)', () => {
  const failures: [string, (c: { fx: typeof t.fx; sessionId: string }) => Promise<unknown>, string][] = [
    ['member without the capability: onboarding.createDraft', ({ fx }) => readonly.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id }), 'FORBIDDEN'],
    ['member without the capability: onboarding.completeCheckpoint', ({ sessionId }) => readonly.onboarding.completeCheckpoint({ onboardingSessionId: sessionId, checkpoint: 'permissions_granted' }), 'FORBIDDEN'],
    ['member without the capability: support.openDiagnostics', ({ fx }) => readonly.support.openDiagnostics({ tenantId: fx.tenants.acmeProd.id, entryPoint: 'tenant_dashboard' }), 'FORBIDDEN'],
    ['member without the capability: operations.start', ({ fx }) => readonly.operations.start({ tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync' }), 'FORBIDDEN'],
    ['member without the capability: reports.create', ({ fx }) => readonly.reports.create({ tenantId: fx.tenants.acmeProd.id, reportType: 'permission_posture' }), 'FORBIDDEN'],
    ['member without the capability: reviewPacks.requestGeneration', ({ fx }) => readonly.reviewPacks.requestGeneration({ tenantId: fx.tenants.acmeProd.id }), 'FORBIDDEN'],
    ['tenant of another workspace: onboarding.completeCheckpoint', ({ sessionId }) => globexOwner.onboarding.completeCheckpoint({ onboardingSessionId: sessionId, checkpoint: 'permissions_granted' }), 'NOT_FOUND'],
    ['tenant of another workspace: support.openDiagnostics', ({ fx }) => globexOwner.support.openDiagnostics({ tenantId: fx.tenants.acmeProd.id, entryPoint: 'tenant_dashboard' }), 'NOT_FOUND'],
    ['tenant of another workspace: operations.start', ({ fx }) => globexOwner.operations.start({ tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync' }), 'NOT_FOUND'],
    ['tenant of another workspace: reports.create', ({ fx }) => globexOwner.reports.create({ tenantId: fx.tenants.acmeProd.id, reportType: 'permission_posture' }), 'NOT_FOUND'],
    ['tenant of another workspace: reviewPacks.requestGeneration', ({ fx }) => globexOwner.reviewPacks.requestGeneration({ tenantId: fx.tenants.acmeProd.id }), 'NOT_FOUND'],
    ['unknown tenant: operations.start', () => owner.operations.start({ tenantId: randomUUID(), type: 'inventory.sync' }), 'NOT_FOUND'],
    ['bad input: operations.start with an extra key', ({ fx }) => owner.operations.start({ tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync', note: 'hi' } as never), 'BAD_REQUEST'],
    ['bad input: reports.create with a tenant id that is not a UUID', () => owner.reports.create({ tenantId: 'acme-prod', reportType: 'permission_posture' }), 'BAD_REQUEST'],
    ['bad input: reviewPacks.requestGeneration without a tenant', () => owner.reviewPacks.requestGeneration({} as never), 'BAD_REQUEST'],
  ];
  let sessionId: string;
  beforeAll(async () => {
    const session = await linkedSession();
    await owner.onboarding.completeCheckpoint({ onboardingSessionId: session.id, checkpoint: 'connection_verified' });
    sessionId = session.id;
  });

  it.each(failures.map(([name, act, code]) => ({ name, act, code })))('$name → $code, every table unchanged', async ({ act, code }) => {
    const before = await snapshotTables(t.app.db);
    await expectTrpcError(act({ fx: t.fx, sessionId }), code as never);
    expect(await snapshotTables(t.app.db)).toEqual(before);
  });
});

describe('exactly one row per success; every mutation audited; telemetry and audit log never mixed', () => {
  type Step = 'checkpoint' | 'diagnostics' | 'operation' | 'report' | 'pack' | 'generate' | 'draft' | 'system_run';
  const step = fc.constantFrom<Step>('checkpoint', 'diagnostics', 'operation', 'report', 'pack', 'generate', 'draft', 'system_run');

  it('over random sequences of source actions, the ledger gains one row per real success and the audit log one entry per mutation', async () => {
    const { app, fx } = t;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const session = await linkedSession(fx.tenants.acmeDev.id);
        let next = 0;
        const expected: Record<string, number> = {};
        const bump = (e: string) => (expected[e] = (expected[e] ?? 0) + 1);
        const countsBefore = await ledgerCounts(app.db);
        const auditBefore = await app.db.auditLog.count();
        let mutations = 0;
        for (const s of steps) {
          const tenantId = fx.tenants.acmeDev.id;
          switch (s) {
            case 'checkpoint': {
              const checkpoint = CHECKPOINTS[Math.min(next, CHECKPOINTS.length - 1)]!;
              const repeat = next >= CHECKPOINTS.length;
              await owner.onboarding.completeCheckpoint({ onboardingSessionId: session.id, checkpoint });
              if (!repeat) {
                bump('onboarding.checkpoint_completed');
                mutations++;
                next++;
              }
              break;
            }
            case 'diagnostics':
              await owner.support.openDiagnostics({ tenantId, entryPoint: 'tenant_dashboard' });
              bump('support.diagnostics_opened');
              mutations++;
              break;
            case 'operation':
              await owner.operations.start({ tenantId, type: 'inventory.sync' });
              bump('operation.started');
              mutations++;
              break;
            case 'report':
              await owner.reports.create({ tenantId, reportType: 'entra_admin_roles' });
              bump('stored_report.created');
              mutations++;
              break;
            case 'pack': {
              const pack = await owner.reviewPacks.requestGeneration({ tenantId });
              if (!pack.reused) {
                bump('review_pack.generation_requested');
                mutations++;
              }
              break;
            }
            case 'generate':
              mutations += await generatePendingReviewPacks({ db: app.db, now: app.deps.now });
              break;
            case 'draft':
              await owner.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id });
              mutations++;
              break;
            case 'system_run':
              await startSystemOperation({ database: app.database, now: app.deps.now }, { tenantId, type: 'policy.backup', trigger: 'scheduled' });
              mutations++;
              break;
          }
        }
        const countsAfter = await ledgerCounts(app.db);
        const delta = Object.fromEntries(
          Object.keys({ ...countsAfter, ...expected }).map((e) => [e, (countsAfter[e] ?? 0) - (countsBefore[e] ?? 0)]).filter(([, n]) => n !== 0),
        );
        expect(delta).toEqual(expected);
        expect((await app.db.auditLog.count()) - auditBefore).toBe(mutations);
      }),
      { numRuns: 8 },
    );
  });

  it('keeps the two stores apart: every ledger row has its source audited, and no audit entry carries telemetry', async () => {
    const { app } = t;
    const rows = await ledgerRows(app.db);
    expect(rows.length).toBeGreaterThan(10);
    const audits = await app.db.auditLog.findMany({ select: { id: true, action: true, subjectType: true, subjectId: true, details: true } });
    const auditedSubjects = new Set(audits.map((a) => `${a.subjectType}:${a.subjectId}`));
    for (const row of rows) expect(auditedSubjects.has(`${row.subject_type}:${row.subject_id}`), row.event_name).toBe(true);
    const ledgerIds = new Set(rows.map((r) => r.id));
    for (const a of audits) {
      expect(ledgerIds.has(a.id)).toBe(false);
      expect(JSON.stringify(a.details)).not.toMatch(/event_key|feature_area|entry_point|has_operation_context/);
    }
    expect(await ledgerTotal(app.db)).toBe(rows.length);
  });
});
