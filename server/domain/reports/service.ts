import type { z } from 'zod';
import { statement, type SqlRunner } from '../../db/client.ts';
import type { Actor, ServiceDeps } from '../deps.ts';
import { HISTORY_WINDOW_DAYS, historyStart, newId, sourceAction, tenantGate } from '../tenant-action.ts';
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

// Bounded by the window: an index range scan on (tenant_id, created_at), whatever the tenant's age.
const RECENT_RUNS = statement(
  'report_recent_runs',
  `SELECT status, count(*)::int AS n, max(created_at) AS latest
     FROM operation_runs
    WHERE tenant_id = $1::uuid AND created_at >= $2::timestamptz AND type = $3
    GROUP BY status`,
);

const INSERT_REPORT = statement(
  'stored_report_insert',
  `INSERT INTO stored_reports (id, workspace_id, tenant_id, report_type, created_by_user_id, summary, created_at)
   VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5::uuid, $6::jsonb, $7::timestamptz)`,
);

/** A user creates a stored report: the `stored_report.created` adoption signal. */
export function createReport(deps: ServiceDeps, actor: Actor, input: z.infer<typeof createReportInput>): Promise<CreatedReport> {
  return sourceAction(deps, actor, tenantGate(input.tenantId, 'reports.create'), async (tx, tenant, now) => {
    const id = newId();
    const summary = await reportSummary(tx, tenant.tenantId, input.reportType, now);
    await tx.query(INSERT_REPORT, [id, tenant.workspaceId, tenant.tenantId, input.reportType, actor.userId, JSON.stringify(summary), now]);
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

async function reportSummary(tx: SqlRunner, tenantId: string, reportType: ReportType, now: Date): Promise<ReportSummary> {
  const sourceType = reportType === 'permission_posture' ? 'permission_posture.refresh' : 'inventory.sync';
  const runs = await tx.query<{ status: string; n: number; latest: Date }>(RECENT_RUNS, [tenantId, historyStart(now), sourceType]);
  const latest = runs.reduce<Date | null>((max, r) => (!max || r.latest > max ? r.latest : max), null);
  return {
    reportType,
    generatedAt: now.toISOString(),
    sourceOperationType: sourceType,
    windowDays: HISTORY_WINDOW_DAYS,
    sourceRunsByStatus: Object.fromEntries(runs.map((r) => [r.status, r.n])),
    latestSourceRunAt: latest?.toISOString() ?? null,
  };
}
