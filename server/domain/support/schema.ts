import { z } from 'zod';

export const ENTRY_POINTS = ['tenant_dashboard', 'operation_detail'] as const;

export const openDiagnosticsInput = z
  .strictObject({
    tenantId: z.uuid(),
    entryPoint: z.enum(ENTRY_POINTS),
    operationRunId: z.uuid().optional(),
  })
  .refine((i) => (i.entryPoint === 'operation_detail') === (i.operationRunId !== undefined), {
    message: 'operationRunId is required with entryPoint operation_detail and not allowed otherwise',
    path: ['operationRunId'],
  });
