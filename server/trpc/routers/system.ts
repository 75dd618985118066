import { z } from 'zod';
import { bootstrapFirstOperator, bootstrapInput, login, loginInput, revokeSession } from '../../auth/service.ts';
import { isLoopbackAddress } from '../../net.ts';
import { summarize, summaryInput } from '../../telemetry/summary.ts';
import { publicProcedure, router, systemProcedure, systemSessionProcedure } from '../init.ts';

/** System plane: platform operators and the desktop console. */
export const systemRouter = router({
  auth: router({
    login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
      const { token, expiresAt, account } = await login(ctx, 'system', input);
      return { token, expiresAt, operator: account };
    }),
    /**
     * Whether the console should offer "Create the first operator": only to a caller on this machine
     * (whoever else asks learns nothing, not even whether an operator exists), and only while this
     * process holds a setup code and no operator exists.
     */
    status: publicProcedure.query(async ({ ctx }) => ({
      bootstrapAvailable:
        isLoopbackAddress(ctx.ip) && ctx.setupCode?.current() != null && (await ctx.db.systemUser.count()) === 0,
    })),
    bootstrap: publicProcedure.input(bootstrapInput).mutation(async ({ ctx, input }) => {
      const { token, expiresAt, operator } = await bootstrapFirstOperator(ctx, input);
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
