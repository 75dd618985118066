import { resolve } from 'node:path';
import { Cron } from 'croner';
import { z } from 'zod';
import { isAddressOrRange } from './net.ts';

/** A cron expression croner accepts (checked at load, not when the schedule first starts). */
function isCron(expr: string): boolean {
  try {
    new Cron(expr, { paused: true, utcOffset: 0 }).stop();
    return true;
  } catch {
    return false;
  }
}

/** Environment → validated configuration. An invalid value is a startup error naming the variable. */
const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL (leave unset for the embedded database)')
    .optional(),
  TENANTPILOT_DB_POOL_SIZE: z.coerce
    .number({ error: 'must be an integer from 1 to 500' })
    .int('must be an integer from 1 to 500')
    .min(1, 'must be an integer from 1 to 500')
    .max(500, 'must be an integer from 1 to 500')
    .default(10),
  TENANTPILOT_DATA_DIR: z.string().min(1).default('./.tenantpilot'),
  TENANTPILOT_PRODUCT_USAGE_EVENT_RETENTION_DAYS: z.coerce
    .number({ error: 'must be an integer from 1 to 3650' })
    .int('must be an integer from 1 to 3650')
    .min(1, 'must be an integer from 1 to 3650')
    .max(3650, 'must be an integer from 1 to 3650')
    .default(90),
  TENANTPILOT_PRUNE_CRON: z.string().refine(isCron, 'must be a cron expression such as "15 3 * * *"').default('15 3 * * *'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4310),
  HOST: z.string().min(1).default('127.0.0.1'),
  TENANTPILOT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TENANTPILOT_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  TENANTPILOT_METRICS_PORT: z
    .string()
    .refine((v) => v === 'off' || (/^\d{1,5}$/.test(v) && Number(v) <= 65535), 'must be a port from 0 to 65535, or off')
    .transform((v) => (v === 'off' ? ('off' as const) : Number(v)))
    .default(9464),
  TENANTPILOT_TRUSTED_PROXIES: z
    .string()
    .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean))
    .refine((entries) => entries.every(isAddressOrRange), 'must be a comma-separated list of IP addresses or CIDR ranges')
    .default([]),
});

export type Config = {
  /** PostgreSQL: `poolSize` connections per process (split a database's budget across replicas). */
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; poolSize: number };
  retentionDays: number;
  pruneCron: string;
  port: number;
  host: string;
  logLevel: z.infer<typeof envSchema>['TENANTPILOT_LOG_LEVEL'];
  /** Where GET /metrics listens (its own listener, never the API port); null: no metrics listener. */
  metrics: { host: string; port: number } | null;
  /** Proxies whose X-Forwarded-For names the client (addresses or CIDR ranges); empty: none. */
  trustedProxies: string[];
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset, as in most shells' `VAR= cmd` usage.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid configuration: ${String(issue.path[0])} ${issue.message}`);
  }
  const e = parsed.data;
  return {
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.TENANTPILOT_DB_POOL_SIZE }
      : { kind: 'pglite', dataDir: resolve(e.TENANTPILOT_DATA_DIR) },
    retentionDays: e.TENANTPILOT_PRODUCT_USAGE_EVENT_RETENTION_DAYS,
    pruneCron: e.TENANTPILOT_PRUNE_CRON,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.TENANTPILOT_LOG_LEVEL,
    metrics: e.TENANTPILOT_METRICS_PORT === 'off' ? null : { host: e.TENANTPILOT_METRICS_HOST, port: e.TENANTPILOT_METRICS_PORT },
    trustedProxies: e.TENANTPILOT_TRUSTED_PROXIES,
  };
}
