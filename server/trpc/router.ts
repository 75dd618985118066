import { createCallerFactory, router } from './init.ts';
import { authRouter } from './routers/auth.ts';
import { systemRouter } from './routers/system.ts';
import { onboardingRouter, operationsRouter, reportsRouter, reviewPacksRouter, supportRouter } from './routers/tenant.ts';

export const appRouter = router({
  auth: authRouter,
  onboarding: onboardingRouter,
  support: supportRouter,
  operations: operationsRouter,
  reports: reportsRouter,
  reviewPacks: reviewPacksRouter,
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
