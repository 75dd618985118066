import { initTRPC, TRPCError } from '@trpc/server';
import { findAdminSession, findSystemSession, planeOfToken } from '../auth/sessions.ts';
import type { SystemPermission } from '../auth/capabilities.ts';
import type { Context } from './context.ts';

type Issue = { path: (string | number)[]; message: string };

/** Validation issues of a failed input parse (zod via Standard Schema), if that is what `cause` is. */
function inputIssues(cause: unknown): Issue[] | undefined {
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return undefined;
  return issues.flatMap((i: { path?: readonly unknown[]; message?: string; code?: string; keys?: unknown }) => {
    const path = (i.path ?? []).map((p) => (typeof p === 'object' && p !== null && 'key' in p ? (p as { key: string | number }).key : (p as string | number)));
    // An unknown key is an offending field too: name each one by its own path.
    if (i.code === 'unrecognized_keys' && Array.isArray(i.keys) && i.keys.length > 0) {
      return i.keys.map((key) => ({ path: [...path, String(key)], message: 'unknown field' }));
    }
    return [{ path, message: String(i.message ?? 'invalid') }];
  });
}

const t = initTRPC.context<Context>().create({
  // Never send stack traces to clients, whatever NODE_ENV says.
  isDev: false,
  // Plain JSON on the wire (no transformer): any HTTP client can call the API.
  errorFormatter({ shape, error }) {
    // An unexpected error's own message can quote SQL or the values it refused: log it, never send it.
    if (error.code === 'INTERNAL_SERVER_ERROR') return { ...shape, message: 'Internal server error' };
    const issues = error.code === 'BAD_REQUEST' ? inputIssues(error.cause) : undefined;
    if (!issues) return shape;
    const described = issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
    return {
      ...shape,
      message: `Invalid input — ${described}`,
      data: { ...shape.data, fieldErrors: issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const timed = t.middleware(async ({ ctx, path, next }) => {
  const end = ctx.metrics.requestDuration.startTimer({ path });
  const result = await next();
  end({ code: result.ok ? 'OK' : result.error.code });
  return result;
});

export const publicProcedure = t.procedure.use(timed);

function refuseOtherPlane(token: string | undefined, plane: 'admin' | 'system') {
  if (!token) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first: missing bearer token' });
  const tokenPlane = planeOfToken(token);
  if (tokenPlane && tokenPlane !== plane) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `${tokenPlane === "admin" ? "An" : "A"} ${tokenPlane}-plane token is not accepted by ${plane}-plane procedures`,
    });
  }
}

/** Admin plane: a live admin session; narrows `ctx.user`. */
export const adminProcedure = publicProcedure.use(async ({ ctx, next }) => {
  refuseOtherPlane(ctx.token, 'admin');
  const session = await findAdminSession(ctx.database, ctx.token!, ctx.now());
  if (!session) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Session expired or revoked: sign in again' });
  return next({ ctx: { ...ctx, token: ctx.token!, sessionId: session.sessionId, user: session.user } });
});

/** System plane: a live system session; narrows `ctx.operator`. */
export const systemSessionProcedure = publicProcedure.use(async ({ ctx, next }) => {
  refuseOtherPlane(ctx.token, 'system');
  const session = await findSystemSession(ctx.database, ctx.token!, ctx.now());
  if (!session) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Session expired or revoked: sign in again' });
  return next({ ctx: { ...ctx, token: ctx.token!, sessionId: session.sessionId, operator: session.operator } });
});

/** System plane with a permission (FR-243-009: the dashboard's access rule). */
export const systemProcedure = (permission: SystemPermission) =>
  systemSessionProcedure.use(({ ctx, next }) => {
    if (!ctx.operator.permissions.includes(permission)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `You lack the ${permission} permission` });
    }
    return next();
  });
