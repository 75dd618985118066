import { z } from 'zod';
import { login, loginInput, revokeSession } from '../../auth/service.ts';
import { adminProcedure, publicProcedure, router } from '../init.ts';

/** Admin plane: tenant-facing users. */
export const authRouter = router({
  login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
    const { token, expiresAt, account } = await login(ctx, 'admin', input);
    return { token, expiresAt, user: account };
  }),
  logout: adminProcedure.input(z.strictObject({}).optional()).mutation(async ({ ctx }) => {
    await revokeSession(ctx.db, 'admin', ctx.token, ctx.now());
    return { ok: true as const };
  }),
  me: adminProcedure.query(async ({ ctx }) => {
    const memberships = await ctx.db.workspaceMembership.findMany({
      where: { userId: ctx.user.id },
      orderBy: { workspace: { name: 'asc' } },
      select: {
        capabilities: true,
        workspace: {
          select: {
            id: true,
            name: true,
            slug: true,
            tenants: {
              where: { entitlements: { some: { userId: ctx.user.id } } },
              orderBy: { slug: 'asc' },
              select: { id: true, slug: true, name: true },
            },
          },
        },
      },
    });
    return {
      ...ctx.user,
      memberships: memberships.map(({ workspace: { tenants, ...workspace }, capabilities }) => ({ workspace, capabilities, tenants })),
    };
  }),
});
