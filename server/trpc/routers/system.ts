import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { bootstrapFirstOperator, bootstrapInput, login, loginInput, revokeSession } from '../../auth/service.ts';
import { summarize, summaryInput } from '../../telemetry/summary.ts';
import { publicProcedure, router, systemProcedure, systemSessionProcedure } from '../init.ts';

/** System plane: platform operators and the desktop console. */
export const systemRouter = router({
  auth: router({
    login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
      const { token, expiresAt, account } = await login(ctx, 'system', input);
      return { token, expiresAt, operator: account };
    }),
    /** Whether the console should offer "Create the first operator". */
    status: publicProcedure.query(async ({ ctx }) => ({
      bootstrapAvailable: ctx.mode === 'local' && (await ctx.db.systemUser.count()) === 0,
    })),
    bootstrap: publicProcedure.input(bootstrapInput).mutation(async ({ ctx, input }) => {
      if (ctx.mode !== 'local') {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'The first operator can only be created on a local (embedded) server' });
      }
      // Refuse before hashing: once an operator exists, this public endpoint must cost nothing.
      // (bootstrapFirstOperator re-checks under its lock, for two first operators racing.)
      if ((await ctx.db.systemUser.count()) > 0) {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'An operator already exists: sign in instead' });
      }
      const { token, expiresAt, operator } = await bootstrapFirstOperator(ctx.db, input, ctx.now());
      return { token, expiresAt, operator };
    }),
    logout: systemSessionProcedure.input(z.strictObject({}).optional()).mutation(async ({ ctx }) => {
      await revokeSession(ctx.db, 'system', ctx.token, ctx.now());
      return { ok: true as const };
    }),
    me: systemSessionProcedure.query(({ ctx }) => ctx.operator),
  }),
  telemetry: router({
    /** FR-243-008: the aggregate, read-only adoption summary. No procedure lists raw rows. */
    summary: systemProcedure('system.dashboard.view')
      .input(summaryInput)
      .query(({ ctx, input }) => summarize(ctx.db, input.window, ctx.now())),
  }),
});
