import { TRPCError } from '@trpc/server';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../../../server/db/client.ts';
import { buildMetricsServer } from '../../../server/http.ts';
import { createLogger, createMetrics } from '../../../server/observability.ts';
import { createRecorder } from '../../../server/telemetry/recorder.ts';
import { createContextInner, type AppDeps } from '../../../server/trpc/context.ts';
import { createCaller } from '../../../server/trpc/router.ts';
import { memoryLog, useTestApp } from '../../helpers/app.ts';
import { testDbKind } from '../../helpers/db.ts';

/**
 * Telemetry is advisory: when the ledger write fails, the source action still succeeds, the failure
 * is logged (without the payload) and counted in /metrics, and the next event records normally.
 * Faults are injected with real database mechanisms — triggers, statement_timeout, a terminated
 * backend — never with hooks in production code.
 */
const t = useTestApp();
const onPostgres = testDbKind() === 'postgres';

const failures = async (deps: Pick<AppDeps, 'metrics'>) => (await deps.metrics.recorderFailures.get()).values[0]?.value ?? 0;
/** What GET /metrics serves (on the metrics listener, over a real socket on a free port). */
async function metricsText(deps: AppDeps) {
  const http = buildMetricsServer(deps, { loopbackOnly: true });
  try {
    await http.listen({ host: '127.0.0.1', port: 0 });
    const address = http.server.address();
    const res = await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`);
    expect(res.status).toBe(200);
    return await res.text();
  } finally {
    await http.close();
  }
}

/** A trigger on the ledger that runs `body` (PL/pgSQL) before every insert. */
async function injectLedgerFault(body: string) {
  await t.app.db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION tp_test_ledger_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body} END $$`);
  await t.app.db.$executeRawUnsafe('DROP TRIGGER IF EXISTS tp_test_ledger_fault ON product_usage_events');
  await t.app.db.$executeRawUnsafe('CREATE TRIGGER tp_test_ledger_fault BEFORE INSERT ON product_usage_events FOR EACH ROW EXECUTE FUNCTION tp_test_ledger_fault()');
}
afterEach(async () => {
  await t.app.db.$executeRawUnsafe('DROP TRIGGER IF EXISTS tp_test_ledger_fault ON product_usage_events');
});

/** Each source action once; returns what identifies its source row and the log values that must stay out of logs. */
async function fiveActions(caller: ReturnType<typeof createCaller>) {
  const { fx } = t;
  const tenantId = fx.tenants.acmeProd.id;
  const draft = await caller.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id });
  await caller.onboarding.linkTenant({ onboardingSessionId: draft.id, tenantId });
  const checkpoint = await caller.onboarding.completeCheckpoint({ onboardingSessionId: draft.id, checkpoint: 'connection_verified' });
  const run = await caller.operations.start({ tenantId, type: 'compliance.scan' });
  const bundle = await caller.support.openDiagnostics({ tenantId, entryPoint: 'operation_detail', operationRunId: run.id });
  const report = await caller.reports.create({ tenantId, reportType: 'permission_posture' });
  const pack = await caller.reviewPacks.requestGeneration({ tenantId });
  expect(pack.reused).toBe(false);
  await t.app.db.reviewPack.update({ where: { id: pack.id }, data: { status: 'ready', pendingKey: null } });
  return {
    subjects: { onboarding_session: checkpoint.id, operation_run: run.id, stored_report: report.id, review_pack: pack.id },
    bundleId: bundle.bundleId,
    secrets: [draft.id, run.id, report.id, pack.id, bundle.bundleId, tenantId, 'compliance.scan', 'permission_posture', 'operation_detail'],
  };
}

async function expectSourceKeptWithoutTelemetry(result: Awaited<ReturnType<typeof fiveActions>>) {
  const { db } = t.app;
  for (const [subjectType, id] of Object.entries(result.subjects)) {
    expect(await db.auditLog.count({ where: { subjectType, subjectId: id } }), `audit for ${subjectType}`).toBeGreaterThan(0);
    expect(await db.productUsageEvent.count({ where: { subjectId: id } }), `ledger for ${subjectType}`).toBe(0);
  }
  expect(await db.operationRun.count({ where: { id: result.subjects.operation_run } })).toBe(1);
  expect(await db.storedReport.count({ where: { id: result.subjects.stored_report } })).toBe(1);
  expect(await db.reviewPack.count({ where: { id: result.subjects.review_pack } })).toBe(1);
  expect(await db.auditLog.count({ where: { id: result.bundleId } })).toBe(1);
  expect(await db.productUsageEvent.count({ where: { eventKey: { contains: result.bundleId } } })).toBe(0);
}

/** The failure lines name the event and an error code, nothing of the row. */
function expectFailureLoggedWithoutPayload(lines: string[], secrets: string[], fault: string) {
  const failed = lines.filter((l) => l.includes('telemetry write failed'));
  expect(failed.length).toBeGreaterThanOrEqual(5);
  for (const line of failed) {
    for (const secret of secrets) expect(line).not.toContain(secret);
    expect(line).not.toContain(fault);
  }
}

async function expectNextActionRecords(caller: ReturnType<typeof createCaller>) {
  const run = await caller.operations.start({ tenantId: t.fx.tenants.acmeProd.id, type: 'inventory.sync' });
  expect(await t.app.db.productUsageEvent.count({ where: { subjectId: run.id, eventName: 'operation.started' } })).toBe(1);
}

describe('the ledger insert fails; the source actions do not', () => {
  it('a constraint violation (trigger raising 23514): all five actions succeed, no ledger row, logged and counted, the next records', async () => {
    const { app } = t;
    const caller = app.caller(await app.adminToken('owner@acme.test'));
    const before = await failures(app.deps);
    await injectLedgerFault(`RAISE EXCEPTION 'injected fault Cnry7777777Q' USING ERRCODE = 'check_violation';`);

    const result = await fiveActions(caller);
    await expectSourceKeptWithoutTelemetry(result);
    expect(await failures(app.deps)).toBe(before + 5);
    expect(await metricsText(app.deps)).toMatch(new RegExp(`tenantpilot_telemetry_recorder_failures_total ${before + 5}\\b`));
    expectFailureLoggedWithoutPayload(app.logLines, result.secrets, 'Cnry7777777Q');

    await app.db.$executeRawUnsafe('DROP TRIGGER tp_test_ledger_fault ON product_usage_events');
    await expectNextActionRecords(caller);
    expect(await failures(app.deps)).toBe(before + 5);
  });

  it.runIf(!onPostgres)(
    'a timeout (PGlite has no statement timer, so the trigger raises the timeout error 57014 itself): the same guarantees',
    async () => {
      const { app } = t;
      const caller = app.caller(await app.adminToken('owner@acme.test'));
      const before = await failures(app.deps);
      await injectLedgerFault(`RAISE EXCEPTION 'canceling statement due to statement timeout' USING ERRCODE = 'query_canceled';`);
      const result = await fiveActions(caller);
      await expectSourceKeptWithoutTelemetry(result);
      expect(await failures(app.deps)).toBe(before + 5);
      expectFailureLoggedWithoutPayload(app.logLines, result.secrets, 'canceling statement');
      await app.db.$executeRawUnsafe('DROP TRIGGER tp_test_ledger_fault ON product_usage_events');
      await expectNextActionRecords(caller);
    },
  );

  it.runIf(onPostgres)('a statement timeout (statement_timeout = 500 ms on the server’s connections, a ledger insert that sleeps 3 s): the same guarantees', async () => {
    const { app } = t;
    // A replica whose connections all run with statement_timeout: only the slowed ledger insert hits it.
    const url = new URL(app.url!);
    url.searchParams.set('options', '-c statement_timeout=500');
    const database = await openPostgres(url.toString(), { poolSize: 4 });
    const { log, lines } = memoryLog();
    const metrics = createMetrics();
    const deps: AppDeps = { db: database.prisma, database, telemetry: createRecorder({ log, metrics }), log, metrics, now: () => new Date() };
    try {
      const caller = createCaller(createContextInner(deps, { token: await app.adminToken('owner@acme.test'), ip: '192.0.2.10' }));
      await injectLedgerFault(`PERFORM pg_sleep(3);`);
      const result = await fiveActions(caller);
      await expectSourceKeptWithoutTelemetry(result);
      expect(await failures(deps)).toBe(5);
      expect(await metricsText(deps)).toMatch(/tenantpilot_telemetry_recorder_failures_total 5\b/);
      expectFailureLoggedWithoutPayload(lines, result.secrets, 'canceling statement');

      await app.db.$executeRawUnsafe('DROP TRIGGER tp_test_ledger_fault ON product_usage_events');
      const run = await caller.operations.start({ tenantId: t.fx.tenants.acmeProd.id, type: 'inventory.sync' });
      expect(await app.db.productUsageEvent.count({ where: { subjectId: run.id } })).toBe(1);
    } finally {
      await database.close();
    }
  });

  it.runIf(onPostgres)(
    'a dropped connection (pg_terminate_backend during the ledger insert, more times than the pool has connections): the source transaction dies with its connection — the action fails whole, nothing partial is stored, each failure is logged and counted, the pool recovers and the next action records',
    async () => {
      const { app } = t;
      // A replica with a 2-connection pool: three drops would exhaust it if a dead connection leaked.
      const database = await openPostgres(app.url!, { poolSize: 2 });
      const { log, lines } = memoryLog();
      const metrics = createMetrics();
      const deps: AppDeps = { db: database.prisma, database, telemetry: createRecorder({ log, metrics }), log, metrics, now: () => new Date() };
      const caller = createCaller(createContextInner(deps, { token: await app.adminToken('owner@acme.test'), ip: '192.0.2.11' }));
      const killer = new pg.Client({ connectionString: app.url });
      await killer.connect();
      try {
        await injectLedgerFault(`PERFORM pg_sleep(30);`);
        for (let drop = 1; drop <= 3; drop++) {
          const runsBefore = await app.db.operationRun.count();
          const auditsBefore = await app.db.auditLog.count();
          // Another session kills the backend that is sleeping inside the ledger insert.
          const kill = (async () => {
            for (let i = 0; i < 200; i++) {
              const { rows } = await killer.query(
                `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
                  WHERE datname = current_database() AND wait_event = 'PgSleep' AND pid <> pg_backend_pid()`,
              );
              if (rows.some((r) => r.killed)) return true;
              await new Promise((r) => setTimeout(r, 50));
            }
            return false;
          })();
          const error = await caller.operations.start({ tenantId: t.fx.tenants.acmeProd.id, type: 'policy.backup' }).catch((e: unknown) => e);
          expect(await kill).toBe(true);
          expect(error).toBeInstanceOf(TRPCError);
          expect((error as TRPCError).code).toBe('INTERNAL_SERVER_ERROR');
          // Atomic with its source: no run, no audit entry, no ledger row.
          expect(await app.db.operationRun.count()).toBe(runsBefore);
          expect(await app.db.auditLog.count()).toBe(auditsBefore);
          expect(await failures(deps)).toBe(drop);
        }
        expect(lines.filter((l) => l.includes('telemetry write failed')).length).toBeGreaterThanOrEqual(3);

        await app.db.$executeRawUnsafe('DROP TRIGGER tp_test_ledger_fault ON product_usage_events');
        const run = await caller.operations.start({ tenantId: t.fx.tenants.acmeProd.id, type: 'inventory.sync' });
        expect(await app.db.productUsageEvent.count({ where: { subjectId: run.id } })).toBe(1);
      } finally {
        await killer.end();
        // A leaked dead connection would make this wait forever (graceful shutdown would hang).
        const closed = await Promise.race([database.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('close hung'), 10_000))]);
        expect(closed).toBe('closed');
      }
    },
  );

  if (!onPostgres) {
    it.skip('a dropped connection: not applicable on PGlite — one in-process connection, no server backend to terminate (runs on PostgreSQL)', () => undefined);
  }
});
