import type { z } from 'zod';
import { statement } from '../../db/client.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import { HISTORY_WINDOW_DAYS, historyStart, isoSql, newId, sourceAction, tenantGate } from '../tenant-action.ts';
import type { ReportType, createReportInput } from './schema.ts';

/** The report's content: counts from the tenant's own recent records, no provider payloads. */
export type ReportSummary = {
  reportType: ReportType;
  generatedAt: string;
  sourceOperationType: string;
  /** the window the counts cover: the last HISTORY_WINDOW_DAYS days */
  windowDays: number;
  sourceRunsByStatus: Record<string, number>;
  latestSourceRunAt: string | null;
};

/** What `reports.create` answers. */
export type CreatedReport = { id: string; tenantId: string; reportType: ReportType; summary: ReportSummary; createdAt: string };

// One round trip: the summary is counted and stored by one statement. Bounded by the window: an
// index range scan on (tenant_id, created_at), whatever the tenant's age.
const INSERT_REPORT = statement(
  'stored_report_insert',
  `WITH runs AS (
     SELECT status, count(*)::int AS n, max(created_at) AS latest
       FROM operation_runs
      WHERE tenant_id = $3::uuid AND created_at >= $8::timestamptz AND type = $9
      GROUP BY status)
   INSERT INTO stored_reports (id, workspace_id, tenant_id, report_type, created_by_user_id, summary, created_at)
   SELECT $1::uuid, $2::uuid, $3::uuid, $4, $5::uuid,
          jsonb_build_object(
            'reportType', $4::text,
            'generatedAt', $6::text,
            'sourceOperationType', $9::text,
            'windowDays', $10::int,
            'sourceRunsByStatus', coalesce((SELECT jsonb_object_agg(status, n) FROM runs), '{}'::jsonb),
            'latestSourceRunAt', (SELECT ${isoSql('max(latest)')} FROM runs)),
          $7::timestamptz
   RETURNING summary`,
);

/** A user creates a stored report: the `stored_report.created` adoption signal. */
export function createReport(deps: ServiceDeps, actor: Actor, input: z.infer<typeof createReportInput>): Promise<CreatedReport> {
  return sourceAction(deps, actor, tenantGate(input.tenantId, 'reports.create'), async (tx, tenant, now) => {
    const id = newId();
    const sourceType = input.reportType === 'permission_posture' ? 'permission_posture.refresh' : 'inventory.sync';
    const [row] = await tx.query<{ summary: ReportSummary }>(INSERT_REPORT, [
      id, tenant.workspaceId, tenant.tenantId, input.reportType, actor.userId, now.toISOString(), now, historyStart(now), sourceType, HISTORY_WINDOW_DAYS,
    ]);
    const summary = row!.summary;
    return {
      result: { id, tenantId: tenant.tenantId, reportType: input.reportType, summary, createdAt: now.toISOString() },
      audit: { action: 'stored_report.created', subjectType: 'stored_report', subjectId: id, details: { reportType: input.reportType } },
      usage: {
        event: 'stored_report.created',
        subjectType: 'stored_report',
        subjectId: id,
        metadata: { report_type: input.reportType },
        eventKey: `stored_report.created:${id}`,
      },
    };
  });
}
