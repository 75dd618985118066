import { z } from 'zod';

/** Onboarding checkpoints, in the order a tenant passes them. */
export const CHECKPOINTS = ['connection_verified', 'permissions_granted', 'initial_sync_completed', 'baseline_captured'] as const;
export type Checkpoint = (typeof CHECKPOINTS)[number];

export const createDraftInput = z.strictObject({ workspaceId: z.uuid() });
export const linkTenantInput = z.strictObject({ onboardingSessionId: z.uuid(), tenantId: z.uuid() });
export const completeCheckpointInput = z.strictObject({
  onboardingSessionId: z.uuid(),
  checkpoint: z.enum(CHECKPOINTS),
});
