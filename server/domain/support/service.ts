import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { statement } from '../../db/client.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import { HISTORY_WINDOW_DAYS, historyStart, newId, sourceAction, tenantGate } from '../tenant-action.ts';
import type { ENTRY_POINTS, openDiagnosticsInput } from './schema.ts';

export type RunFacts = { id: string; type: string; status: string; trigger: string; createdAt: string; completedAt: string | null };

/** What `support.openDiagnostics` answers: facts and counts — no secrets, no provider payloads. */
export type DiagnosticBundle = {
  bundleId: string;
  generatedAt: string;
  entryPoint: (typeof ENTRY_POINTS)[number];
  tenant: { id: string; slug: string; name: string; connectionStatus: string; connectedAt: string | null };
  operationRun: RunFacts | null;
  recentOperationRuns: RunFacts[];
  /** over the last `windowDays` days */
  counts: {
    windowDays: number;
    operationRunsByStatus: Record<string, number>;
    storedReports: number;
    reviewPacksByStatus: Record<string, number>;
  };
};

type RunRow = { id: string; type: string; status: string; trigger: string; created_at: Date; completed_at: Date | null };
const RUN_COLUMNS = 'id, type, status, trigger, created_at, completed_at';

const RUN_OF_TENANT = statement('diagnostics_run', `SELECT ${RUN_COLUMNS} FROM operation_runs WHERE id = $1::uuid AND tenant_id = $2::uuid`);
const RECENT_RUNS = statement(
  'diagnostics_recent_runs',
  `SELECT ${RUN_COLUMNS} FROM operation_runs WHERE tenant_id = $1::uuid ORDER BY created_at DESC LIMIT 10`,
);
// One snapshot, one round trip; each count is an index range scan over the window.
const COUNTS = statement(
  'diagnostics_counts',
  `SELECT
     (SELECT coalesce(json_object_agg(status, n), '{}') FROM
        (SELECT status, count(*)::int AS n FROM operation_runs WHERE tenant_id = $1::uuid AND created_at >= $2::timestamptz GROUP BY status) r) AS runs,
     (SELECT count(*)::int FROM stored_reports WHERE tenant_id = $1::uuid AND created_at >= $2::timestamptz) AS reports,
     (SELECT coalesce(json_object_agg(status, n), '{}') FROM
        (SELECT status, count(*)::int AS n FROM review_packs WHERE tenant_id = $1::uuid AND created_at >= $2::timestamptz GROUP BY status) p) AS packs`,
);

/**
 * The explicit "open support diagnostics" action (not a page render): returns the diagnostic bundle,
 * audits the access and records `support.diagnostics_opened`. The bundle's id is the audit entry's,
 * and keys the adoption signal as every seam keys it: by the id of what the action made.
 */
export function openDiagnostics(deps: ServiceDeps, actor: Actor, input: z.infer<typeof openDiagnosticsInput>): Promise<DiagnosticBundle> {
  return sourceAction(deps, actor, tenantGate(input.tenantId, 'support.diagnostics.open'), async (tx, tenant, now) => {
    let operationRun: RunFacts | null = null;
    if (input.operationRunId) {
      const [run] = await tx.query<RunRow>(RUN_OF_TENANT, [input.operationRunId, tenant.tenantId]);
      if (!run) throw new TRPCError({ code: 'NOT_FOUND', message: 'Operation run not found' });
      operationRun = runFacts(run);
    }
    const recent = await tx.query<RunRow>(RECENT_RUNS, [tenant.tenantId]);
    const [counts] = await tx.query<{ runs: Record<string, number>; reports: number; packs: Record<string, number> }>(COUNTS, [
      tenant.tenantId,
      historyStart(now),
    ]);
    const bundleId = newId();
    const subject = operationRun
      ? ({ subjectType: 'operation_run', subjectId: operationRun.id } as const)
      : ({ subjectType: 'tenant', subjectId: tenant.tenantId } as const);
    return {
      result: {
        bundleId,
        generatedAt: now.toISOString(),
        entryPoint: input.entryPoint,
        tenant: {
          id: tenant.tenantId,
          slug: tenant.slug,
          name: tenant.name,
          connectionStatus: tenant.connectionStatus,
          connectedAt: tenant.connectedAt?.toISOString() ?? null,
        },
        operationRun,
        recentOperationRuns: recent.map(runFacts),
        counts: {
          windowDays: HISTORY_WINDOW_DAYS,
          operationRunsByStatus: counts?.runs ?? {},
          storedReports: counts?.reports ?? 0,
          reviewPacksByStatus: counts?.packs ?? {},
        },
      },
      audit: { id: bundleId, action: 'support.diagnostics_opened', ...subject, details: { entryPoint: input.entryPoint } },
      usage: {
        event: 'support.diagnostics_opened',
        ...subject,
        metadata: { entry_point: input.entryPoint, has_operation_context: operationRun !== null },
        eventKey: `support.diagnostics_opened:${bundleId}`,
      },
    };
  });
}

function runFacts(r: RunRow): RunFacts {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    trigger: r.trigger,
    createdAt: r.created_at.toISOString(),
    completedAt: r.completed_at?.toISOString() ?? null,
  };
}
