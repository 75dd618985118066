import { z } from 'zod';
import { CHECKPOINTS } from '../domain/onboarding/schema.ts';
import { OPERATION_TYPES } from '../domain/operations/schema.ts';
import { REPORT_TYPES } from '../domain/reports/schema.ts';
import { ENTRY_POINTS } from '../domain/support/schema.ts';

/**
 * The code-owned product telemetry catalog (FR-243-001): exactly five user-initiated, tenant-bound
 * milestones. Each entry owns its name, feature area, dashboard label, allowed subject types and a
 * closed metadata schema of safe keys. The order here is the order of the dashboard families.
 */
export const CATALOG = {
  'onboarding.checkpoint_completed': {
    description: 'A linked tenant passed an onboarding checkpoint.',
    featureArea: 'onboarding',
    label: 'Onboarding checkpoints',
    subjectTypes: ['onboarding_session'],
    metadata: z.strictObject({ checkpoint: z.enum(CHECKPOINTS) }),
  },
  'support.diagnostics_opened': {
    description: 'A user explicitly opened support diagnostics for a tenant or one of its operation runs.',
    featureArea: 'support',
    label: 'Support diagnostics',
    subjectTypes: ['tenant', 'operation_run'],
    metadata: z.strictObject({ entry_point: z.enum(ENTRY_POINTS), has_operation_context: z.boolean() }),
  },
  'operation.started': {
    description: 'A user started a tenant-bound operation run.',
    featureArea: 'operations',
    label: 'Operations started',
    subjectTypes: ['operation_run'],
    metadata: z.strictObject({ operation_type: z.enum(OPERATION_TYPES) }),
  },
  'stored_report.created': {
    description: 'A user created a stored report for a tenant.',
    featureArea: 'reports',
    label: 'Stored reports',
    subjectTypes: ['stored_report'],
    metadata: z.strictObject({ report_type: z.enum(REPORT_TYPES) }),
  },
  'review_pack.generation_requested': {
    description: 'A user requested generation of a new review pack for a tenant.',
    featureArea: 'review_packs',
    label: 'Review packs requested',
    subjectTypes: ['review_pack'],
    metadata: z.strictObject({}),
  },
} as const satisfies Record<
  string,
  {
    description: string;
    featureArea: string;
    label: string;
    subjectTypes: readonly string[];
    metadata: z.ZodObject;
  }
>;

export type EventName = keyof typeof CATALOG;
export const EVENT_NAMES = Object.keys(CATALOG) as EventName[];
export type EventMetadata<E extends EventName> = z.infer<(typeof CATALOG)[E]['metadata']>;
export type SubjectType<E extends EventName> = (typeof CATALOG)[E]['subjectTypes'][number];

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(CATALOG, name);
}
