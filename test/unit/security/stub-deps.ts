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
  // the rows the two session-lookup statements (server/auth/sessions.ts) answer
  const sessions: Record<string, unknown> = {
    admin_session_lookup: { session_id: randomUUID(), id: user.id, email: user.email, display_name: user.displayName },
    system_session_lookup: { session_id: randomUUID(), id: operator.id, email: operator.email, display_name: operator.displayName, permissions: operator.permissions },
  };
  const refuse = (what: string) => {
    touched.push(what);
    throw opts.fail ?? new Error(`unexpected database access: ${what}`);
  };
  // db.<model>.<method>(…) and db.$queryRaw`…` / db.$transaction(…): all recorded and refused.
  const db = new Proxy(
    {},
    {
      get(_target, model: string | symbol) {
        return new Proxy(async () => refuse(String(model)), {
          get(_t, method: string | symbol) {
            return async () => {
              return refuse(`${String(model)}.${String(method)}`);
            };
          },
        });
      },
    },
  );
  // database.query(statement) answers the two session lookups; it and database.transaction refuse the rest.
  const database = {
    kind: 'postgres',
    prisma: db,
    query: async (statement: { name: string }) => (statement.name in sessions ? [sessions[statement.name]] : refuse(`query ${statement.name}`)),
    transaction: async () => refuse('transaction'),
    withSession: async () => refuse('session'),
  };
  const deps = {
    db,
    database,
    telemetry: createRecorder({ log, metrics }),
    log,
    metrics,
    now: () => new Date(),
  } as unknown as AppDeps;
  return { deps, lines, touched, metrics };
}
