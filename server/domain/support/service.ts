import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { statement } from '../../db/client.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import { HISTORY_WINDOW_DAYS, historyStart, isoSql, newId, sourceAction, tenantGate } from '../tenant-action.ts';
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

// The run facts as JSON with ISO dates, for json_build_object.
const RUN_JSON = `json_build_object('id', id, 'type', type, 'status', status, 'trigger', trigger,
  'createdAt', ${isoSql('created_at')}, 'completedAt', ${isoSql('completed_at')})`;

// The whole bundle in one statement (one snapshot, one round trip). The recent runs are the last ten;
// each count is an index range scan over the window, whatever the tenant's age.
const BUNDLE = statement(
  'diagnostics_bundle',
  `SELECT
     (SELECT ${RUN_JSON} FROM operation_runs WHERE id = $3::uuid AND tenant_id = $1::uuid) AS run,
     (SELECT coalesce(json_agg(r.j ORDER BY r.created_at DESC), '[]') FROM
        (SELECT ${RUN_JSON} AS j, created_at FROM operation_runs WHERE tenant_id = $1::uuid ORDER BY created_at DESC LIMIT 10) r) AS recent,
     (SELECT coalesce(json_object_agg(status, n), '{}') FROM
        (SELECT status, count(*)::int AS n FROM operation_runs WHERE tenant_id = $1::uuid AND created_at >= $2::timestamptz GROUP BY status) r) AS runs,
     (SELECT count(*)::int FROM stored_reports WHERE tenant_id = $1::uuid AND created_at >= $2::timestamptz) AS reports,
     (SELECT coalesce(json_object_agg(status, n), '{}') FROM
        (SELECT status, count(*)::int AS n FROM review_packs WHERE tenant_id = $1::uuid AND created_at >= $2::timestamptz GROUP BY status) p) AS packs`,
);
type BundleRow = { run: RunFacts | null; recent: RunFacts[]; runs: Record<string, number>; reports: number; packs: Record<string, number> };

/**
 * The explicit "open support diagnostics" action (not a page render): returns the diagnostic bundle,
 * audits the access and records `support.diagnostics_opened`. The bundle's id is the audit entry's,
 * and keys the adoption signal as every seam keys it: by the id of what the action made.
 */
export function openDiagnostics(deps: ServiceDeps, actor: Actor, input: z.infer<typeof openDiagnosticsInput>): Promise<DiagnosticBundle> {
  return sourceAction(deps, actor, tenantGate(input.tenantId, 'support.diagnostics.open'), async (tx, tenant, now) => {
    const [bundle] = await tx.query<BundleRow>(BUNDLE, [tenant.tenantId, historyStart(now), input.operationRunId ?? null]);
    const operationRun = bundle!.run;
    if (input.operationRunId && !operationRun) throw new TRPCError({ code: 'NOT_FOUND', message: 'Operation run not found' });
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
        recentOperationRuns: bundle!.recent,
        counts: {
          windowDays: HISTORY_WINDOW_DAYS,
          operationRunsByStatus: bundle!.runs,
          storedReports: bundle!.reports,
          reviewPacksByStatus: bundle!.packs,
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
