import { completeCheckpoint, createDraft, linkTenant } from '../../domain/onboarding/service.ts';
import { completeCheckpointInput, createDraftInput, linkTenantInput } from '../../domain/onboarding/schema.ts';
import { startOperation } from '../../domain/operations/service.ts';
import { startOperationInput } from '../../domain/operations/schema.ts';
import { createReport } from '../../domain/reports/service.ts';
import { createReportInput } from '../../domain/reports/schema.ts';
import { requestGeneration } from '../../domain/review-packs/service.ts';
import { requestGenerationInput } from '../../domain/review-packs/schema.ts';
import { openDiagnostics } from '../../domain/support/service.ts';
import { openDiagnosticsInput } from '../../domain/support/schema.ts';
import { adminProcedure, router } from '../init.ts';

/**
 * The five source seams, admin plane. Each runs as one source action (server/domain/tenant-action.ts):
 * the gate (workspace membership, tenant entitlement, capability), the write, the audit entry and the
 * recorder, in one transaction.
 */
const actor = (ctx: { user: { id: string } }) => ({ userId: ctx.user.id });

export const onboardingRouter = router({
  createDraft: adminProcedure.input(createDraftInput).mutation(({ ctx, input }) => createDraft(ctx, actor(ctx), input)),
  linkTenant: adminProcedure.input(linkTenantInput).mutation(({ ctx, input }) => linkTenant(ctx, actor(ctx), input)),
  completeCheckpoint: adminProcedure
    .input(completeCheckpointInput)
    .mutation(({ ctx, input }) => completeCheckpoint(ctx, actor(ctx), input)),
});

export const supportRouter = router({
  openDiagnostics: adminProcedure.input(openDiagnosticsInput).mutation(({ ctx, input }) => openDiagnostics(ctx, actor(ctx), input)),
});

export const operationsRouter = router({
  start: adminProcedure.input(startOperationInput).mutation(({ ctx, input }) => startOperation(ctx, actor(ctx), input)),
});

export const reportsRouter = router({
  create: adminProcedure.input(createReportInput).mutation(({ ctx, input }) => createReport(ctx, actor(ctx), input)),
});

export const reviewPacksRouter = router({
  requestGeneration: adminProcedure
    .input(requestGenerationInput)
    .mutation(({ ctx, input }) => requestGeneration(ctx, actor(ctx), input)),
});
