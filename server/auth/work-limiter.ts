import { availableParallelism } from 'node:os';

/** Refused because the limiter's wait queue is full; the caller should answer 503 with Retry-After. */
export class BusyError extends Error {
  override name = 'BusyError';
  constructor(readonly retryAfterSeconds: number) {
    super('Busy: too much work waiting');
  }
}

export type Priority = 'high' | 'normal';

export type WorkLimiter = {
  /**
   * Runs `task` when one of the `concurrency` slots is free, high-priority tasks before normal ones
   * (each in arrival order); throws BusyError when `maxWaiting` tasks of its priority already wait.
   */
  run<T>(task: () => Promise<T>, priority?: Priority): Promise<T>;
  readonly running: number;
  readonly waiting: number;
};

/**
 * At most `concurrency` tasks at once, at most `maxWaiting` more of each priority waiting their turn;
 * anything beyond is refused at once instead of piling up behind work it would wait seconds for.
 */
export function createWorkLimiter(opts: { concurrency: number; maxWaiting: number; retryAfterSeconds?: number }): WorkLimiter {
  let running = 0;
  const queues: Record<Priority, (() => void)[]> = { high: [], normal: [] };
  const release = () => {
    const next = queues.high.shift() ?? queues.normal.shift();
    if (next) next();
    else running--;
  };
  return {
    async run<T>(task: () => Promise<T>, priority: Priority = 'normal'): Promise<T> {
      const queue = queues[priority];
      if (running < opts.concurrency) running++;
      else if (queue.length >= opts.maxWaiting) throw new BusyError(opts.retryAfterSeconds ?? 1);
      // The slot is handed over directly by `release`, so `running` stays counted while it waits.
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
    get running() {
      return running;
    },
    get waiting() {
      return queues.high.length + queues.normal.length;
    },
  };
}

/** libuv's thread pool, which runs scrypt next to file-system work (and PGlite's reads and writes). */
const THREAD_POOL = Number(process.env.UV_THREADPOOL_SIZE) || 4;

/**
 * Every scrypt of this process goes through here: as many at once as there are cores but one (at
 * least one) — each takes a core and 32 MiB for tens of milliseconds, and the event loop keeps a core
 * for every other request — leaving one libuv thread for other work, and a bounded queue. So a burst of sign-ins costs at most the cores' time and a queue of known length; a sign-in
 * with no recent failures behind it goes ahead of those that have some (auth/service.ts).
 */
export const HASHING = { concurrency: Math.max(1, Math.min(availableParallelism() - 1, THREAD_POOL - 1)), maxWaiting: 64 };
export const passwordHashing = createWorkLimiter(HASHING);
