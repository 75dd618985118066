import { z } from 'zod';

/** Canonical tenant-bound operation types (stable product identifiers, safe in telemetry). */
export const OPERATION_TYPES = ['inventory.sync', 'policy.backup', 'compliance.scan', 'permission_posture.refresh'] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

export const startOperationInput = z.strictObject({ tenantId: z.uuid(), type: z.enum(OPERATION_TYPES) });
