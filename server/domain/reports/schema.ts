import { z } from 'zod';

export const REPORT_TYPES = ['entra_admin_roles', 'permission_posture'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export const createReportInput = z.strictObject({ tenantId: z.uuid(), reportType: z.enum(REPORT_TYPES) });
