import { z } from 'zod';

/**
 * What Electron's main process and the local server's utility process say to each other. Main
 * passes the options as JSON in one environment variable at fork (so the server starts at once, not
 * after a first message); the server answers over `process.parentPort`.
 */
export const OPTIONS_ENV = 'TENANTPILOT_LOCAL_SERVER';

/** The only environment settings local mode takes from the user's shell (validated as for `serve`). */
export const LOCAL_SETTINGS = ['TENANTPILOT_PRODUCT_USAGE_EVENT_RETENTION_DAYS', 'TENANTPILOT_PRUNE_CRON', 'TENANTPILOT_LOG_LEVEL'] as const;

export const localServerOptions = z.strictObject({
  /** The embedded database folder (under the app's userData). */
  dataDir: z.string().min(1),
  /** Packaged: where the log file goes; absent: log to the inherited stdout. */
  logsDir: z.string().min(1).optional(),
  settings: z.partialRecord(z.enum(LOCAL_SETTINGS), z.string()),
});
export type LocalServerOptions = z.infer<typeof localServerOptions>;

/** Local server → main. `setupCode` exists while the database has no operator (bootstrap needs it). */
export type LocalServerMessage = { type: 'ready'; url: string; setupCode: string | null } | { type: 'failed'; message: string };

/** Main → local server. */
export type LocalServerCommand = { type: 'stop' };

/** Picks the local-mode settings out of an environment; everything else (DATABASE_URL, PORT, HOST…) is not local mode's. */
export function pickLocalSettings(env: Record<string, string | undefined>): LocalServerOptions['settings'] {
  return Object.fromEntries(LOCAL_SETTINGS.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}
