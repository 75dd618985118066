import { describe, expect, it } from 'vitest';
import { BusyError, createWorkLimiter } from '../../../server/auth/work-limiter.ts';

/** A task that runs until `finish()` is called, and says when it started. */
function heldTask() {
  let finish!: () => void;
  let started = false;
  const done = new Promise<void>((r) => (finish = r));
  return { task: async () => ((started = true), await done, 'done'), finish, started: () => started };
}

describe('the work limiter (bounded concurrent hashing)', () => {
  it('runs at most `concurrency` tasks at once, lets `maxWaiting` wait in order, and refuses the rest at once with BusyError', async () => {
    const limiter = createWorkLimiter({ concurrency: 2, maxWaiting: 3, retryAfterSeconds: 2 });
    const tasks = Array.from({ length: 6 }, heldTask);
    const results = tasks.map((t) => limiter.run(t.task).catch((e: unknown) => e));
    await Promise.resolve();
    expect(tasks.map((t) => t.started())).toEqual([true, true, false, false, false, false]);
    expect([limiter.running, limiter.waiting]).toEqual([2, 3]);
    const refused = await results[5];
    expect(refused).toBeInstanceOf(BusyError);
    expect((refused as BusyError).retryAfterSeconds).toBe(2);

    // Finishing one hands its slot to the longest-waiting task.
    tasks[1]!.finish();
    await results[1];
    await new Promise((r) => setTimeout(r, 0));
    expect(tasks.map((t) => t.started())).toEqual([true, true, true, false, false, false]);
    for (const t of tasks) t.finish();
    expect(await Promise.all(results.slice(0, 5))).toEqual(Array(5).fill('done'));
    expect([limiter.running, limiter.waiting]).toEqual([0, 0]);
  });

  it('gives a free slot to a waiting high-priority task before normal ones that came earlier; each priority has its own bound', async () => {
    const limiter = createWorkLimiter({ concurrency: 1, maxWaiting: 2 });
    const order: string[] = [];
    const [first, normal1, normal2, high] = [heldTask(), heldTask(), heldTask(), heldTask()];
    const run = (name: string, t: ReturnType<typeof heldTask>, priority?: 'high' | 'normal') =>
      limiter.run(async () => (order.push(name), t.task()), priority).catch((e: unknown) => e);
    const results = [run('first', first), run('normal 1', normal1), run('normal 2', normal2), run('high', high, 'high')];
    // Normal waiters are at their bound; a third normal one is refused, while the high one still waits.
    expect(await limiter.run(async () => 'x').catch((e: unknown) => e)).toBeInstanceOf(BusyError);
    expect(limiter.waiting).toBe(3);
    for (const t of [first, high, normal1, normal2]) {
      t.finish();
      await new Promise((r) => setTimeout(r, 0));
    }
    await Promise.all(results);
    expect(order).toEqual(['first', 'high', 'normal 1', 'normal 2']);
  });

  it('frees the slot of a task that fails', async () => {
    const limiter = createWorkLimiter({ concurrency: 1, maxWaiting: 0 });
    await expect(limiter.run(async () => Promise.reject(new Error('scrypt failed')))).rejects.toThrow('scrypt failed');
    expect(await limiter.run(async () => 'next')).toBe('next');
  });
});
