import type { Database } from '../server/db/client.ts';
import { createLogger, createMetrics } from '../server/observability.ts';
import { createRecorder, type Recorder } from '../server/telemetry/recorder.ts';
import { createContextInner, type AppDeps } from '../server/trpc/context.ts';
import { createCaller } from '../server/trpc/router.ts';
import { BENCH_PASSWORD, createBenchActors } from './identities.ts';
import { figure, type Figure } from './lib/stats.ts';

export type RecorderResult = { action: string; calls: number; on: Figure; off: Figure; ratio: number; ratioP95: number };

/** Telemetry "off" for the bench only: a recorder that records nothing. */
const offRecorder: Recorder = { record: async () => ({ status: 'duplicate' as const }) };

/**
 * (b) A source action's latency through createCaller, with the real recorder and with one that
 * records nothing, in the same run, alternating call by call.
 */
export async function benchRecorder(database: Database, opts: { calls: number }): Promise<RecorderResult> {
  const log = createLogger('silent');
  const metrics = createMetrics();
  const base: Omit<AppDeps, 'telemetry'> = { db: database.prisma, database, log, metrics, now: () => new Date() };
  const on: AppDeps = { ...base, telemetry: createRecorder({ log, metrics }) };
  const off: AppDeps = { ...base, telemetry: offRecorder };
  const [actor] = await createBenchActors(database.prisma, 1, `rec${Date.now()}`);
  const { token } = await createCaller(createContextInner(on, { ip: '127.0.0.1' })).auth.login({ email: actor!.email, password: BENCH_PASSWORD });
  const callers = { on: createCaller(createContextInner(on, { token })), off: createCaller(createContextInner(off, { token })) };
  const tenantId = actor!.tenantIds[0]!;
  const act = (c: typeof callers.on) => c.operations.start({ tenantId, type: 'inventory.sync' });

  for (let i = 0; i < 100; i++) await act(i % 2 ? callers.on : callers.off); // warm-up: pools, plans, JIT
  // Alternate call by call (on, off, off, on, …): load from anything else on the machine changes
  // over seconds, so neighbouring calls see the same conditions and the drift cancels.
  const samples = { on: [] as number[], off: [] as number[] };
  for (let i = 0; i < opts.calls / 2; i++) {
    for (const mode of i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      const t0 = performance.now();
      await act(callers[mode]);
      samples[mode].push(performance.now() - t0);
    }
  }
  const fOn = figure(samples.on);
  const fOff = figure(samples.off);
  return { action: 'operations.start', calls: samples.on.length + samples.off.length, on: fOn, off: fOff, ratio: fOn.median / fOff.median, ratioP95: fOn.p95 / fOff.p95 };
}
