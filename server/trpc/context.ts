import type { Logger } from 'pino';
import type { SetupCode } from '../auth/setup-code.ts';
import type { Db, Database } from '../db/client.ts';
import type { Metrics } from '../observability.ts';
import type { Recorder } from '../telemetry/recorder.ts';

/** Everything a procedure may use, independent of HTTP (tests build it directly). */
export type AppDeps = {
  db: Db;
  database: Database;
  telemetry: Recorder;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  /** This process's first-run setup code (see auth/setup-code.ts); absent: no bootstrap possible. */
  setupCode?: SetupCode;
};

export type ContextInner = AppDeps & {
  /** Bearer token from the Authorization header, if any. */
  token: string | undefined;
  /**
   * Client address, for login throttling and for what `system.auth.status` may tell: the socket's peer,
   * or the X-Forwarded-For client when the peer is a trusted proxy.
   */
  ip: string;
  /** Sets a response header (e.g. Retry-After); a no-op outside HTTP. */
  setHeader: (name: string, value: string) => void;
};

export function createContextInner(
  deps: AppDeps,
  request: { token?: string; ip?: string; setHeader?: (name: string, value: string) => void } = {},
): ContextInner {
  return { ...deps, token: request.token, ip: request.ip ?? 'local', setHeader: request.setHeader ?? (() => undefined) };
}

export type Context = ContextInner;

export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}
