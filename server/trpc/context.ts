import type { Logger } from 'pino';
import type { Db, Database } from '../db/client.ts';
import type { Metrics } from '../observability.ts';
import type { Recorder } from '../telemetry/recorder.ts';

/** Everything a procedure may use, independent of HTTP (tests build it directly). */
export type AppDeps = {
  db: Db;
  database?: Database;
  telemetry: Recorder;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  /** `local`: embedded database on this machine (first-operator bootstrap allowed). */
  mode: 'local' | 'remote';
};

export type ContextInner = AppDeps & {
  /** Bearer token from the Authorization header, if any. */
  token: string | undefined;
  /** Client address, for login throttling. */
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
