import { randomBytes } from 'node:crypto';
import { CAPABILITIES, SYSTEM_PERMISSIONS } from '../auth/capabilities.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { Db } from '../db/client.ts';
import { CHECKPOINTS } from '../domain/onboarding/schema.ts';
import { completeCheckpoint, createDraft, linkTenant } from '../domain/onboarding/service.ts';
import { OPERATION_TYPES } from '../domain/operations/schema.ts';
import { startOperation } from '../domain/operations/service.ts';
import { REPORT_TYPES } from '../domain/reports/schema.ts';
import { createReport } from '../domain/reports/service.ts';
import { generatePendingReviewPacks, requestGeneration } from '../domain/review-packs/service.ts';
import { openDiagnostics } from '../domain/support/service.ts';
import type { Recorder } from '../telemetry/recorder.ts';
import { DAY_MS } from '../telemetry/buckets.ts';

export const DEMO = {
  workspaces: [
    { slug: 'contoso', name: 'Contoso', tenants: [{ slug: 'contoso-prod', name: 'Contoso Production' }, { slug: 'contoso-dev', name: 'Contoso Development' }] },
    { slug: 'fabrikam', name: 'Fabrikam', tenants: [{ slug: 'fabrikam-prod', name: 'Fabrikam Production' }] },
  ],
  users: [
    { email: 'owner@contoso.test', name: 'Contoso Owner', workspace: 'contoso', capabilities: [...CAPABILITIES], tenants: ['contoso-prod', 'contoso-dev'] },
    { email: 'readonly@contoso.test', name: 'Contoso Read-only', workspace: 'contoso', capabilities: [], tenants: ['contoso-prod', 'contoso-dev'] },
    { email: 'owner@fabrikam.test', name: 'Fabrikam Owner', workspace: 'fabrikam', capabilities: [...CAPABILITIES], tenants: ['fabrikam-prod'] },
  ],
  operator: { email: 'operator@tenantpilot.test', name: 'Platform Operator' },
} as const;

export class DemoRefusedError extends Error {
  override name = 'DemoRefusedError';
}

export type SeedResult = {
  identitiesCreated: boolean;
  /** The generated password, when this run generated one (shown once). */
  generatedPassword?: string;
  actions: number;
  skippedEvents: boolean;
};

type SeedDeps = { db: Db; telemetry: Recorder };

/**
 * The demo dataset: identities, then `events` telemetry-bearing actions spread over the last `days`
 * days, produced through the real source services (never by inserting ledger rows). Idempotent;
 * refuses a database that holds non-demo workspaces.
 */
export async function seedDemo(
  deps: SeedDeps,
  opts: { events: number; days: number; password?: string; now?: Date; onProgress?: (done: number, total: number) => void },
): Promise<SeedResult> {
  const { db } = deps;
  if ((await db.workspace.count({ where: { isDemo: false } })) > 0) {
    throw new DemoRefusedError('Refusing to seed: this database holds non-demo workspaces');
  }
  const now = opts.now ?? new Date();
  const existing = await db.workspace.count({ where: { isDemo: true } });
  let generatedPassword: string | undefined;
  if (existing === 0) {
    const password = opts.password ?? (generatedPassword = randomBytes(12).toString('base64url'));
    await createIdentities(db, await hashPassword(password), now);
  }
  const alreadySeeded = await db.auditLog.findFirst({ where: { action: 'demo.events_seeded' } });
  if (opts.events === 0 || alreadySeeded) {
    return { identitiesCreated: existing === 0, generatedPassword, actions: 0, skippedEvents: !!alreadySeeded && opts.events > 0 };
  }
  const actions = await driveActions(deps, opts.events, opts.days, now, opts.onProgress);
  await db.auditLog.create({
    data: { action: 'demo.events_seeded', subjectType: 'demo', subjectId: 'demo', details: { events: opts.events, days: opts.days } },
  });
  return { identitiesCreated: existing === 0, generatedPassword, actions, skippedEvents: false };
}

async function createIdentities(db: Db, passwordHash: string, now: Date) {
  await db.$transaction(async (tx) => {
    const tenantIds = new Map<string, string>();
    const workspaceIds = new Map<string, string>();
    for (const w of DEMO.workspaces) {
      const ws = await tx.workspace.create({ data: { slug: w.slug, name: w.name, isDemo: true } });
      workspaceIds.set(w.slug, ws.id);
      for (const t of w.tenants) {
        const tenant = await tx.tenant.create({
          data: { workspaceId: ws.id, slug: t.slug, name: t.name, connectionStatus: 'connected', connectedAt: now },
        });
        tenantIds.set(t.slug, tenant.id);
      }
    }
    for (const u of DEMO.users) {
      await tx.user.create({
        data: {
          email: u.email,
          displayName: u.name,
          passwordHash,
          memberships: { create: { workspaceId: workspaceIds.get(u.workspace)!, capabilities: [...u.capabilities] } },
          entitlements: { create: u.tenants.map((slug) => ({ tenantId: tenantIds.get(slug)! })) },
        },
      });
    }
    if (!(await tx.systemUser.findUnique({ where: { email: DEMO.operator.email } }))) {
      await tx.systemUser.create({
        data: { email: DEMO.operator.email, displayName: DEMO.operator.name, passwordHash, permissions: [...SYSTEM_PERMISSIONS] },
      });
    }
  });
}

/** Deterministic pseudo-random numbers, so a seeded demo looks the same every time. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function driveActions(deps: SeedDeps, total: number, days: number, now: Date, onProgress?: (done: number, total: number) => void) {
  const { db } = deps;
  const random = mulberry32(243);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const owners = await db.user.findMany({
    where: { email: { in: ['owner@contoso.test', 'owner@fabrikam.test'] } },
    include: { entitlements: { include: { tenant: true } } },
  });
  const targets = owners.flatMap((u) => u.entitlements.map((e) => ({ userId: u.id, tenant: e.tenant })));
  // Action times, ascending, spread over the window, never in the future.
  const span = days * DAY_MS;
  const times = Array.from({ length: total }, () => new Date(now.getTime() - Math.floor(random() * span) - 1000)).sort((a, b) => +a - +b);
  const onboarding = new Map<string, { id: string; next: number }>();

  for (let i = 0; i < total; i++) {
    const at = times[i]!;
    const svc = { db, telemetry: deps.telemetry, now: () => at };
    const { userId, tenant } = pick(targets);
    const actor = { userId };
    switch (i % 5) {
      case 0: {
        let session = onboarding.get(tenant.id);
        if (!session || session.next >= CHECKPOINTS.length) {
          const draft = await createDraft(svc, actor, { workspaceId: tenant.workspaceId });
          await linkTenant(svc, actor, { onboardingSessionId: draft.id, tenantId: tenant.id });
          session = { id: draft.id, next: 0 };
          onboarding.set(tenant.id, session);
        }
        await completeCheckpoint(svc, actor, { onboardingSessionId: session.id, checkpoint: CHECKPOINTS[session.next++]! });
        break;
      }
      case 1: {
        const run = random() < 0.5 ? await db.operationRun.findFirst({ where: { tenantId: tenant.id }, orderBy: { createdAt: 'desc' } }) : null;
        await openDiagnostics(svc, actor, run
          ? { tenantId: tenant.id, entryPoint: 'operation_detail', operationRunId: run.id }
          : { tenantId: tenant.id, entryPoint: 'tenant_dashboard' });
        break;
      }
      case 2:
        await startOperation(svc, actor, { tenantId: tenant.id, type: pick(OPERATION_TYPES) });
        break;
      case 3:
        await createReport(svc, actor, { tenantId: tenant.id, reportType: pick(REPORT_TYPES) });
        break;
      case 4:
        await requestGeneration(svc, actor, { tenantId: tenant.id });
        // The generator finishes the pack, so the next request is a new one (not a reuse).
        await generatePendingReviewPacks({ db, now: () => at });
        break;
    }
    onProgress?.(i + 1, total);
  }
  return total;
}
