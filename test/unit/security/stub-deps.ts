import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger, createMetrics } from '../../../server/observability.ts';
import { createRecorder } from '../../../server/telemetry/recorder.ts';
import type { AppDeps } from '../../../server/trpc/context.ts';

export const ADMIN_TOKEN = `tpa_${'a'.repeat(43)}`;
export const SYSTEM_TOKEN = `tps_${'s'.repeat(43)}`;

/**
 * Server dependencies whose database answers only the session lookups of the two planes (one live
 * admin session, one live system session) and records every other access — so a test can assert
 * that a refused request touched nothing: no read, no write. `fail` makes any other access throw
 * the given error instead (an internal failure whose message must never reach a client).
 */
export function stubDeps(opts: { fail?: Error } = {}) {
  const lines: string[] = [];
  const log = createLogger('info', new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }));
  const metrics = createMetrics();
  const touched: string[] = [];
  const user = { id: randomUUID(), email: 'owner@acme.test', displayName: 'owner' };
  const operator = { ...user, id: randomUUID(), permissions: ['system.dashboard.view'] };
  const live = { id: randomUUID(), revokedAt: null, expiresAt: new Date(Date.now() + 3600_000) };
  const sessions: Record<string, unknown> = {
    adminSession: { ...live, user },
    systemSession: { ...live, systemUser: operator },
  };
  const refuse = (what: string) => {
    touched.push(what);
    throw opts.fail ?? new Error(`unexpected database access: ${what}`);
  };
  // db.<model>.<method>(…) and db.$queryRaw`…` / db.$transaction(…): all recorded and refused but the
  // two session lookups.
  const db = new Proxy(
    {},
    {
      get(_target, model: string | symbol) {
        return new Proxy(async () => refuse(String(model)), {
          get(_t, method: string | symbol) {
            return async () => {
              if (method === 'findUnique' && typeof model === 'string' && model in sessions) return sessions[model];
              return refuse(`${String(model)}.${String(method)}`);
            };
          },
        });
      },
    },
  );
  const deps = {
    db,
    telemetry: createRecorder({ log, metrics }),
    log,
    metrics,
    now: () => new Date(),
  } as unknown as AppDeps;
  return { deps, lines, touched, metrics };
}
