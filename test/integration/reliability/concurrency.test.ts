import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINTS } from '../../../server/domain/onboarding/schema.ts';
import { OPERATION_TYPES } from '../../../server/domain/operations/schema.ts';
import { REPORT_TYPES } from '../../../server/domain/reports/schema.ts';
import { generatePendingReviewPacks } from '../../../server/domain/review-packs/service.ts';
import { buildHttpServer } from '../../../server/http.ts';
import { PASSWORD, useTestApp } from '../../helpers/app.ts';

/**
 * 64 concurrent clients fire every source action over real HTTP, and randomly retry the very same
 * request (at once, as a client that timed out would, or after the answer). For each event, the
 * ledger holds exactly one row per successful source action — no loss, no duplicate.
 */
const t = useTestApp();
const CLIENTS = 64;
const ACTIONS_PER_CLIENT = 2;

let http: FastifyInstance;
let base = '';
beforeAll(async () => {
  http = buildHttpServer(t.app.deps);
  await http.listen({ host: '127.0.0.1', port: 0 });
  const address = http.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/trpc`;
});
afterAll(() => http?.close());

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

type Outcome = { status: number; body: any };
async function post(path: string, input: unknown, token?: string): Promise<Outcome> {
  const res = await fetch(`${base}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: await res.json() };
}

describe(`${CLIENTS} concurrent clients with random retries`, () => {
  it('for each event, ledger rows equal successful source actions; zero duplicates; every row has its source', async () => {
    const { app, fx } = t;
    const identities = [
      { email: 'owner@acme.test', workspaceId: fx.workspaces.acme.id, tenants: [fx.tenants.acmeProd.id, fx.tenants.acmeDev.id] },
      { email: 'owner@globex.test', workspaceId: fx.workspaces.globex.id, tenants: [fx.tenants.globexProd.id] },
      { email: 'devonly@acme.test', workspaceId: fx.workspaces.acme.id, tenants: [fx.tenants.acmeDev.id] },
    ];

    const runs = new Set<string>();
    const reports = new Set<string>();
    const packs = new Set<string>();
    const bundles = new Set<string>();
    const checkpoints = new Set<string>();
    const failures: string[] = [];
    let requests = 0;
    let reusedPacks = 0;

    /** Sends one request, possibly twice (a retry of the same request); returns every answer. */
    async function send(random: () => number, path: string, input: unknown, token: string): Promise<any[]> {
      const r = random();
      const once = () => {
        requests++;
        return post(path, input, token);
      };
      const answers = r < 0.2 ? await Promise.all([once(), once()]) : r < 0.4 ? [await once(), await once()] : [await once()];
      for (const a of answers) if (a.status !== 200) failures.push(`${path} ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`);
      return answers.filter((a) => a.status === 200).map((a) => a.body.result.data);
    }

    const client = async (n: number) => {
      const random = prng(n + 1);
      const who = identities[n % identities.length]!;
      const tenantId = who.tenants[n % who.tenants.length]!;
      const login = await post('auth.login', { email: who.email, password: PASSWORD });
      expect(login.status).toBe(200);
      const token: string = login.body.result.data.token;
      // Half the clients also onboard a tenant (their checkpoints are an action like the others).
      const draft = n % 2 === 0 ? (await send(random, 'onboarding.createDraft', { workspaceId: who.workspaceId }, token))[0] : undefined;
      if (draft) await send(random, 'onboarding.linkTenant', { onboardingSessionId: draft.id, tenantId }, token);
      let next = draft ? 0 : CHECKPOINTS.length;
      const myRuns: string[] = [];
      for (let i = 0; i < ACTIONS_PER_CLIENT; i++) {
        const pick = Math.floor(random() * 5);
        if (pick === 0 && next < CHECKPOINTS.length) {
          const checkpoint = CHECKPOINTS[next++]!;
          if ((await send(random, 'onboarding.completeCheckpoint', { onboardingSessionId: draft!.id, checkpoint }, token)).length) {
            checkpoints.add(`${draft!.id}:${checkpoint}`);
          }
        } else if (pick <= 1) {
          const type = OPERATION_TYPES[Math.floor(random() * OPERATION_TYPES.length)]!;
          for (const run of await send(random, 'operations.start', { tenantId, type }, token)) {
            runs.add(run.id);
            myRuns.push(run.id);
          }
        } else if (pick === 2) {
          const runId = myRuns[Math.floor(random() * myRuns.length)];
          const input = runId ? { tenantId, entryPoint: 'operation_detail', operationRunId: runId } : { tenantId, entryPoint: 'tenant_dashboard' };
          for (const bundle of await send(random, 'support.openDiagnostics', input, token)) bundles.add(bundle.bundleId);
        } else if (pick === 3) {
          const reportType = REPORT_TYPES[Math.floor(random() * REPORT_TYPES.length)]!;
          for (const report of await send(random, 'reports.create', { tenantId, reportType }, token)) reports.add(report.id);
        } else {
          for (const pack of await send(random, 'reviewPacks.requestGeneration', { tenantId }, token)) {
            if (pack.reused) reusedPacks++;
            else packs.add(pack.id);
          }
        }
      }
    };

    // The review-pack worker runs meanwhile, so new packs can be requested again and again.
    let loading = true;
    const worker = (async () => {
      while (loading) {
        await generatePendingReviewPacks(app.deps);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
    loading = false;
    await worker;

    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(CLIENTS * (ACTIONS_PER_CLIENT + 1));

    const rows = await app.db.$queryRaw<{ event_name: string; n: number; subjects: number; keyed: number }[]>`
      SELECT event_name, count(*)::int AS n, count(DISTINCT subject_id)::int AS subjects,
             count(DISTINCT subject_id::text || ':' || coalesce(metadata->>'checkpoint', ''))::int AS keyed
        FROM product_usage_events GROUP BY event_name`;
    const ledger = Object.fromEntries(rows.map((r) => [r.event_name, r]));
    const subjectsOf = async (event: string) =>
      new Set((await app.db.productUsageEvent.findMany({ where: { eventName: event }, select: { subjectId: true } })).map((r) => r.subjectId));

    // operation.started: one row per started run, the same runs the clients were told about.
    expect(ledger['operation.started']).toMatchObject({ n: runs.size, subjects: runs.size });
    expect(await subjectsOf('operation.started')).toEqual(runs);
    expect(await app.db.operationRun.count()).toBe(runs.size);

    expect(ledger['stored_report.created']).toMatchObject({ n: reports.size, subjects: reports.size });
    expect(await subjectsOf('stored_report.created')).toEqual(reports);
    expect(await app.db.storedReport.count()).toBe(reports.size);

    // A request answered `reused: true` is not a new request: no row.
    expect(ledger['review_pack.generation_requested']).toMatchObject({ n: packs.size, subjects: packs.size });
    expect(await subjectsOf('review_pack.generation_requested')).toEqual(packs);
    expect(await app.db.reviewPack.count()).toBe(packs.size);
    expect(reusedPacks).toBeGreaterThan(0);

    // Each open is its own action (the bundle id is its audit entry).
    expect(ledger['support.diagnostics_opened']?.n).toBe(bundles.size);
    const diagnosticKeys = await app.db.productUsageEvent.findMany({ where: { eventName: 'support.diagnostics_opened' }, select: { eventKey: true } });
    expect(new Set(diagnosticKeys.map((r) => r.eventKey))).toEqual(new Set([...bundles].map((id) => `support.diagnostics_opened:${id}`)));

    // A checkpoint completed twice at once is one transition.
    expect(ledger['onboarding.checkpoint_completed']).toMatchObject({ n: checkpoints.size, keyed: checkpoints.size });
    const sessions = await app.db.tenantOnboardingSession.findMany({ select: { completedCheckpoints: true } });
    expect(sessions.reduce((sum, s) => sum + s.completedCheckpoints.length, 0)).toBe(checkpoints.size);

    // Every ledger row's subject exists, and every source success has its audit entry.
    const [orphans] = await app.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM product_usage_events e
       WHERE NOT EXISTS (SELECT 1 FROM operation_runs r WHERE r.id = e.subject_id)
         AND NOT EXISTS (SELECT 1 FROM stored_reports s WHERE s.id = e.subject_id)
         AND NOT EXISTS (SELECT 1 FROM review_packs p WHERE p.id = e.subject_id)
         AND NOT EXISTS (SELECT 1 FROM tenant_onboarding_sessions o WHERE o.id = e.subject_id)
         AND NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = e.subject_id)`;
    expect(orphans?.n).toBe(0);
    expect(await app.db.auditLog.count({ where: { action: 'operation.started' } })).toBe(runs.size);
    expect(await app.db.auditLog.count({ where: { action: 'stored_report.created' } })).toBe(reports.size);
    expect(await app.db.auditLog.count({ where: { action: 'review_pack.generation_requested' } })).toBe(packs.size);
    // 64 clients' sign-ins (about 21 per account, which take turns per account by design) and their
    // actions: about 15–45 s alone on this project's shared two-core machines, more within `npm test`.
  }, 150_000);
});
