import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

const RETENTION = 'TENANTPILOT_PRODUCT_USAGE_EVENT_RETENTION_DAYS';

/** The error loadConfig throws for `env`, or a failure if it accepts it. */
function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('configuration from the environment (DESIGN.md Part 1)', () => {
  it('defaults to the embedded database in ./.tenantpilot, 90-day retention, the 03:15 UTC prune, 127.0.0.1:4310', () => {
    expect(loadConfig({})).toEqual({
      database: { kind: 'pglite', dataDir: resolve('./.tenantpilot') },
      retentionDays: 90,
      pruneCron: '15 3 * * *',
      port: 4310,
      host: '127.0.0.1',
      logLevel: 'info',
      metrics: { host: '127.0.0.1', port: 9464 },
      trustedProxies: [],
    });
  });

  it('reads the metrics listener (port 0: any free port; off: none) and the trusted proxies', () => {
    expect(loadConfig({ TENANTPILOT_METRICS_HOST: '0.0.0.0', TENANTPILOT_METRICS_PORT: '9100' }).metrics).toEqual({ host: '0.0.0.0', port: 9100 });
    expect(loadConfig({ TENANTPILOT_METRICS_PORT: '0' }).metrics).toEqual({ host: '127.0.0.1', port: 0 });
    expect(loadConfig({ TENANTPILOT_METRICS_PORT: 'off' }).metrics).toBeNull();
    expect(loadConfig({ TENANTPILOT_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,fd00::/8 ,::1' }).trustedProxies).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      'fd00::/8',
      '::1',
    ]);
  });

  it.each(['abc', '-1', '65536', 'on', '9464.5'])('refuses TENANTPILOT_METRICS_PORT %j, naming it and what it takes', (value) => {
    expect(refusal({ TENANTPILOT_METRICS_PORT: value }).message).toBe('Invalid configuration: TENANTPILOT_METRICS_PORT must be a port from 0 to 65535, or off');
  });

  it.each(['proxy.internal', '10.0.0.0/33', '10.0.0.0/8/1', '::1/129', '*', '10.0.0.300'])('refuses TENANTPILOT_TRUSTED_PROXIES %j, naming it', (value) => {
    expect(refusal({ TENANTPILOT_TRUSTED_PROXIES: value }).message).toBe(
      'Invalid configuration: TENANTPILOT_TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges',
    );
  });

  it('reads every documented variable', () => {
    expect(
      loadConfig({
        DATABASE_URL: 'postgresql://tp@db.internal:5432/tenantpilot',
        [RETENTION]: '30',
        TENANTPILOT_PRUNE_CRON: '0 4 * * *',
        PORT: '8080',
        HOST: '0.0.0.0',
      }),
    ).toMatchObject({
      database: { kind: 'postgres', url: 'postgresql://tp@db.internal:5432/tenantpilot', poolSize: 10 },
      retentionDays: 30,
      pruneCron: '0 4 * * *',
      port: 8080,
      host: '0.0.0.0',
    });
    expect(loadConfig({ TENANTPILOT_DATA_DIR: '/var/lib/tenantpilot' }).database).toEqual({ kind: 'pglite', dataDir: '/var/lib/tenantpilot' });
    expect(loadConfig({ DATABASE_URL: 'postgres://db/tp' }).database).toEqual({ kind: 'postgres', url: 'postgres://db/tp', poolSize: 10 });
  });

  it('accepts retention from 1 to 3650 days', () => {
    expect(loadConfig({ [RETENTION]: '1' }).retentionDays).toBe(1);
    expect(loadConfig({ [RETENTION]: '3650' }).retentionDays).toBe(3650);
  });

  it.each(['0', '3651', '-5', 'abc', '1.5', '90 days', 'NaN'])('refuses retention %j, naming the variable and the allowed range', (value) => {
    const err = refusal({ [RETENTION]: value });
    expect(err.message).toBe(`Invalid configuration: ${RETENTION} must be an integer from 1 to 3650`);
  });

  it.each(['mysql://db/tp', 'localhost:5432', 'db.internal', 'file:///tmp/tp'])('refuses DATABASE_URL %j, naming it', (value) => {
    expect(refusal({ DATABASE_URL: value }).message).toMatch(/^Invalid configuration: DATABASE_URL must be a postgresql:\/\/ URL/);
  });

  it('takes the PostgreSQL pool size per process from TENANTPILOT_DB_POOL_SIZE', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db/tp', TENANTPILOT_DB_POOL_SIZE: '5' }).database).toEqual({ kind: 'postgres', url: 'postgres://db/tp', poolSize: 5 });
  });

  it.each(['0', '501', 'ten', '2.5'])('refuses TENANTPILOT_DB_POOL_SIZE %j, naming it and the range', (value) => {
    expect(refusal({ DATABASE_URL: 'postgres://db/tp', TENANTPILOT_DB_POOL_SIZE: value }).message).toBe('Invalid configuration: TENANTPILOT_DB_POOL_SIZE must be an integer from 1 to 500');
  });

  it.each(['abc', '-1', '65536', '80.5'])('refuses PORT %j, naming it', (value) => {
    expect(refusal({ PORT: value }).message).toMatch(/^Invalid configuration: PORT /);
  });

  it.each(['not a cron', '61 * * * *', '* * *'])('refuses TENANTPILOT_PRUNE_CRON %j at load, naming it', (value) => {
    expect(refusal({ TENANTPILOT_PRUNE_CRON: value }).message).toMatch(/^Invalid configuration: TENANTPILOT_PRUNE_CRON /);
  });

  it('refuses an unknown TENANTPILOT_LOG_LEVEL, naming it', () => {
    expect(refusal({ TENANTPILOT_LOG_LEVEL: 'verbose' }).message).toMatch(/^Invalid configuration: TENANTPILOT_LOG_LEVEL /);
    expect(loadConfig({ TENANTPILOT_LOG_LEVEL: 'silent' }).logLevel).toBe('silent');
  });

  it('reports one problem on one line', () => {
    const err = refusal({ [RETENTION]: '0', PORT: 'abc', DATABASE_URL: 'mysql://x' });
    expect(err.message).not.toContain('\n');
  });

  it('treats an empty variable as unset', () => {
    expect(
      loadConfig({ DATABASE_URL: '', [RETENTION]: '', TENANTPILOT_PRUNE_CRON: '', PORT: '', HOST: '', TENANTPILOT_DATA_DIR: '' }),
    ).toEqual(loadConfig({}));
  });

  it('ignores unrelated variables', () => {
    expect(loadConfig({ PATH: '/usr/bin', NODE_ENV: 'production', TENANTPILOT_UNKNOWN: 'x' })).toEqual(loadConfig({}));
  });
});
