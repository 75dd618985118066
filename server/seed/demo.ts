import { randomBytes } from 'node:crypto';
import { CAPABILITIES, SYSTEM_PERMISSIONS } from '../auth/capabilities.ts';
import { MIN_PASSWORD_LENGTH, hashPassword } from '../auth/passwords.ts';
import type { Database, Db } from '../db/client.ts';
import { CHECKPOINTS } from '../domain/onboarding/schema.ts';
import { completeCheckpoint, createDraft, linkTenant } from '../domain/onboarding/service.ts';
import { OPERATION_TYPES } from '../domain/operations/schema.ts';
import { startOperation } from '../domain/operations/service.ts';
import { REPORT_TYPES } from '../domain/reports/schema.ts';
import { createReport } from '../domain/reports/service.ts';
import { generatePendingReviewPacks, requestGeneration } from '../domain/review-packs/service.ts';
import { openDiagnostics } from '../domain/support/service.ts';
import { EVENT_NAMES, type EventName } from '../telemetry/catalog.ts';
import type { Recorder } from '../telemetry/recorder.ts';
import { plannedAction, type UsageProfile } from './plan.ts';

const ALL = [...CAPABILITIES];
const NO_PACKS = EVENT_NAMES.filter((e) => e !== 'review_pack.generation_requested');
const OPS_ONLY = ['operation.started', 'support.diagnostics_opened'] as const;

/**
 * The documented demo identities (DESIGN.md "Demo identities": Contoso, Fabrikam and their users),
 * plus ten more workspaces named "(demo)" so adoption has a breadth to show. Each workspace has a
 * usage profile (see plan.ts); its owner performs its actions.
 */
export const DEMO = {
  workspaces: [
    { slug: 'contoso', name: 'Contoso', tenants: [{ slug: 'contoso-prod', name: 'Contoso Production' }, { slug: 'contoso-dev', name: 'Contoso Development' }], usage: { size: 3, joins: 0 } },
    { slug: 'fabrikam', name: 'Fabrikam', tenants: [{ slug: 'fabrikam-prod', name: 'Fabrikam Production' }], usage: { size: 1.4, joins: 0.04 } },
    ...extra('northwind', 'Northwind Traders', 3, { size: 2.4, joins: 0.08 }),
    ...extra('woodgrove', 'Woodgrove Bank', 3, { size: 2, joins: 0.3 }),
    ...extra('tailspin', 'Tailspin Toys', 2, { size: 1.1, joins: 0.16, uses: NO_PACKS }),
    ...extra('litware', 'Litware', 1, { size: 0.7, joins: 0.02, quiet: 0.55 }),
    ...extra('adatum', 'Adatum', 2, { size: 0.9, joins: 0.45 }),
    ...extra('proseware', 'Proseware', 1, { size: 0.5, joins: 0.12, quiet: 0.8, uses: NO_PACKS }),
    ...extra('relecloud', 'Relecloud', 2, { size: 1, joins: 0.62 }),
    ...extra('wingtip', 'Wingtip Toys', 1, { size: 0.5, joins: 0.7, uses: OPS_ONLY }),
    ...extra('fourthcoffee', 'Fourth Coffee', 1, { size: 0.4, joins: 0.86, uses: NO_PACKS }),
    ...extra('alpineski', 'Alpine Ski House', 1, { size: 0.3, joins: 0.94, uses: OPS_ONLY }),
  ],
  users: [
    { email: 'owner@contoso.test', name: 'Contoso Owner', workspace: 'contoso', capabilities: ALL, tenants: ['contoso-prod', 'contoso-dev'] },
    { email: 'readonly@contoso.test', name: 'Contoso Read-only', workspace: 'contoso', capabilities: [], tenants: ['contoso-prod', 'contoso-dev'] },
    { email: 'owner@fabrikam.test', name: 'Fabrikam Owner', workspace: 'fabrikam', capabilities: ALL, tenants: ['fabrikam-prod'] },
  ],
  operator: { email: 'operator@tenantpilot.test', name: 'Platform Operator' },
} as const;

/** An additional demo workspace `demo-<key>` ("<Name> (demo)") with its tenants and owner `owner@<key>.demo.test`. */
function extra(key: string, name: string, tenants: number, usage: UsageProfile) {
  const suffixes = ['prod', 'dev', 'eu'].slice(0, tenants);
  return [{ slug: `demo-${key}`, name: `${name} (demo)`, tenants: suffixes.map((s) => ({ slug: `demo-${key}-${s}`, name: `${name} ${s} (demo)` })), usage, owner: `owner@${key}.demo.test` }];
}

type DemoWorkspace = (typeof DEMO.workspaces)[number];
/** Who performs a demo workspace's actions: its documented owner, or the owner of an added one. */
const ownerOf = (w: DemoWorkspace) => ('owner' in w ? w.owner : `owner@${w.slug}.test`);
export const USAGE: Record<string, UsageProfile> = Object.fromEntries(DEMO.workspaces.map((w) => [w.slug, w.usage]));

/** The audit action each telemetry-bearing demo action leaves (one per action, in its transaction). */
const AUDITED: Record<EventName, string> = {
  'onboarding.checkpoint_completed': 'onboarding.checkpoint_completed',
  'support.diagnostics_opened': 'support.diagnostics_opened',
  'operation.started': 'operation.started',
  'stored_report.created': 'stored_report.created',
  'review_pack.generation_requested': 'review_pack.generation_requested',
};
const PLAN_MARKER = 'demo.events_planned';
export const DEFAULT_SEED = 243;

export class DemoRefusedError extends Error {
  override name = 'DemoRefusedError';
}

export type SeedResult = {
  identitiesCreated: boolean;
  /** The generated password, when this run generated one (shown once). */
  generatedPassword?: string;
  /** Actions performed by this run. */
  actions: number;
  /** Actions of the plan already in the database before this run (a rerun or an extension). */
  alreadyDone: number;
  /** The plan (kept from the first seeding: a rerun continues the same one). */
  plan: { seed: number; days: number; anchor: string } | null;
  /** Why fewer actions than asked were performed, when that is so. */
  note?: string;
};

type SeedDeps = { database: Database; telemetry: Recorder };

/** A demo password must meet the minimum every other password has; checked before any database work. */
export function checkDemoPassword(password: string | undefined) {
  if (password !== undefined && password.length < MIN_PASSWORD_LENGTH) {
    throw new DemoRefusedError(`TENANTPILOT_DEMO_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters (it has ${password.length})`);
  }
}

/**
 * The demo dataset: identities, then actions of the usage plan until the database holds `events` of
 * them, each through the real source services (never by inserting ledger rows). The plan (seed, days,
 * its "now") is written before the first action and kept; which of its actions are done is read from
 * the audit entries they left in their own transactions — so a run killed at any point is finished by
 * the next one, which never doubles what is there, and a larger `events` adds the difference.
 * Refuses a database that holds non-demo workspaces.
 */
export async function seedDemo(
  deps: SeedDeps,
  opts: { events: number; days: number; seed?: number; password?: string; now?: Date; onProgress?: (done: number, total: number) => void },
): Promise<SeedResult> {
  checkDemoPassword(opts.password);
  const db = deps.database.prisma;
  if ((await db.workspace.count({ where: { isDemo: false } })) > 0) {
    throw new DemoRefusedError('Refusing to seed: this database holds non-demo workspaces');
  }
  const now = opts.now ?? new Date();
  const existing = await db.workspace.count({ where: { isDemo: true } });
  let generatedPassword: string | undefined;
  if (existing === 0) {
    const password = opts.password ?? (generatedPassword = randomBytes(12).toString('base64url'));
    await createIdentities(db, await hashPassword(password), now);
  } else {
    const slugs = DEMO.workspaces.map((w) => w.slug);
    const present = new Set((await db.workspace.findMany({ where: { slug: { in: slugs } }, select: { slug: true } })).map((w) => w.slug));
    const absent = slugs.filter((slug) => !present.has(slug));
    if (absent.length) {
      throw new DemoRefusedError(`This demo database was seeded by an older version (no workspace ${absent.join(', ')}): seed a new one`);
    }
  }
  const base = { identitiesCreated: existing === 0, generatedPassword };
  const marker = await db.auditLog.findFirst({ where: { action: PLAN_MARKER }, orderBy: { createdAt: 'asc' } });
  if (!marker && opts.events === 0) return { ...base, actions: 0, alreadyDone: 0, plan: null };

  const plan = marker
    ? (marker.details as { seed: number; days: number; anchor: string })
    : { seed: opts.seed ?? DEFAULT_SEED, days: opts.days, anchor: now.toISOString() };
  if (!marker) {
    // Written before the first action, so a crash after any action still knows the plan.
    await db.auditLog.create({ data: { action: PLAN_MARKER, subjectType: 'demo', subjectId: 'demo', details: plan, createdAt: now } });
  }
  const notes: string[] = [];
  if (marker && ((opts.seed !== undefined && opts.seed !== plan.seed) || opts.days !== plan.days)) {
    notes.push(`this database was seeded with --seed ${plan.seed} --days ${plan.days} on ${plan.anchor}; that plan is kept`);
  }
  const actors = await actorsByWorkspace(db);
  const done = await doneActions(db, actors, plan, opts.events);
  if (done.count >= opts.events) {
    if (opts.events > 0) notes.push(`the database already holds the first ${opts.events} planned demo actions: nothing to add (a larger --events adds more)`);
    return { ...base, actions: 0, alreadyDone: done.count, plan, note: notes.join('; ') || undefined };
  }
  // A pack left pending by a killed run would turn its tenant's next request into a reuse.
  await generatePendingReviewPacks({ db, now: () => new Date(plan.anchor) });
  let performed = 0;
  for (let index = 0; index < opts.events; index++) {
    if (done.has(index)) continue;
    const action = plannedAction(USAGE, { seed: plan.seed, index, days: plan.days, anchor: new Date(plan.anchor) });
    await performAction(deps, actors.get(action.workspace)!, action.event, action.at, index);
    performed++;
    opts.onProgress?.(done.count + performed, opts.events);
  }
  return { ...base, actions: performed, alreadyDone: done.count, plan, note: notes.join('; ') || undefined };
}

export type DemoActor = { userId: string; workspaceId: string; tenants: { id: string; slug: string; workspaceId: string }[] };

/** The owner of each demo workspace (who performs its actions), with its entitled tenants. */
export async function actorsByWorkspace(db: Db): Promise<Map<string, DemoActor>> {
  const out = new Map<string, DemoActor>();
  for (const w of DEMO.workspaces) {
    const user = await db.user.findUniqueOrThrow({ where: { email: ownerOf(w) }, include: { entitlements: { include: { tenant: true }, orderBy: { tenant: { slug: 'asc' } } } } });
    const tenants = user.entitlements.map((e) => ({ id: e.tenant.id, slug: e.tenant.slug, workspaceId: e.tenant.workspaceId }));
    out.set(w.slug, { userId: user.id, workspaceId: tenants[0]!.workspaceId, tenants });
  }
  return out;
}

/**
 * Which of the first `events` planned actions are in the database: each left an audit entry by its
 * workspace's owner, with its action name, at its planned millisecond — one transaction with its
 * source record and ledger row, so an entry means the whole action committed.
 */
async function doneActions(db: Db, actors: Map<string, DemoActor>, plan: { seed: number; days: number; anchor: string }, events: number) {
  const anchor = new Date(plan.anchor);
  const entries = await db.auditLog.findMany({
    where: { actorUserId: { in: [...actors.values()].map((a) => a.userId) }, action: { in: Object.values(AUDITED) }, createdAt: { lt: anchor } },
    select: { actorUserId: true, action: true, createdAt: true },
  });
  const left = new Map<string, number>();
  for (const e of entries) {
    const key = `${e.actorUserId}|${e.action}|${e.createdAt.getTime()}`;
    left.set(key, (left.get(key) ?? 0) + 1);
  }
  const done = new Set<number>();
  for (let index = 0; index < Math.max(events, 0) && left.size; index++) {
    const a = plannedAction(USAGE, { seed: plan.seed, index, days: plan.days, anchor });
    const key = `${actors.get(a.workspace)!.userId}|${AUDITED[a.event]}|${a.at.getTime()}`;
    const n = left.get(key);
    if (!n) continue;
    done.add(index);
    if (n === 1) left.delete(key);
    else left.set(key, n - 1);
  }
  return { has: (i: number) => done.has(i), count: done.size };
}

/** One action of a family through its real source service, by a workspace's owner, at a given time. */
export async function performAction(deps: SeedDeps, actor: DemoActor, event: EventName, at: Date, index: number) {
  const db = deps.database.prisma;
  const svc = { db, database: deps.database, telemetry: deps.telemetry, now: () => at };
  const who = { userId: actor.userId };
  const tenant = actor.tenants[index % actor.tenants.length]!;
  switch (event) {
    case 'onboarding.checkpoint_completed': {
      // the tenant's onboarding in progress (read from the database, so a rerun continues it), or a new one
      const open = await db.tenantOnboardingSession.findFirst({
        where: { tenantId: tenant.id, createdByUserId: actor.userId, NOT: { status: 'completed' } },
        orderBy: { createdAt: 'desc' },
      });
      const session = open ?? (await linkTenant(svc, who, { onboardingSessionId: (await createDraft(svc, who, { workspaceId: actor.workspaceId })).id, tenantId: tenant.id }));
      const next = CHECKPOINTS.find((c) => !session.completedCheckpoints.includes(c))!;
      await completeCheckpoint(svc, who, { onboardingSessionId: session.id, checkpoint: next });
      break;
    }
    case 'support.diagnostics_opened': {
      const run = index % 3 === 0 ? await db.operationRun.findFirst({ where: { tenantId: tenant.id }, orderBy: { createdAt: 'desc' } }) : null;
      await openDiagnostics(svc, who, run ? { tenantId: tenant.id, entryPoint: 'operation_detail', operationRunId: run.id } : { tenantId: tenant.id, entryPoint: 'tenant_dashboard' });
      break;
    }
    case 'operation.started':
      await startOperation(svc, who, { tenantId: tenant.id, type: OPERATION_TYPES[index % OPERATION_TYPES.length]! });
      break;
    case 'stored_report.created':
      await createReport(svc, who, { tenantId: tenant.id, reportType: REPORT_TYPES[index % REPORT_TYPES.length]! });
      break;
    case 'review_pack.generation_requested':
      await requestGeneration(svc, who, { tenantId: tenant.id });
      // The generator finishes the pack, so the next request is a new one (not a reuse).
      await generatePendingReviewPacks({ db, now: () => at });
      break;
  }
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
    const owners = DEMO.workspaces.filter((w) => 'owner' in w).map((w) => ({
      email: ownerOf(w),
      name: `${w.name.replace(' (demo)', '')} Owner (demo)`,
      workspace: w.slug,
      capabilities: ALL,
      tenants: w.tenants.map((t) => t.slug),
    }));
    for (const u of [...DEMO.users, ...owners]) {
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
