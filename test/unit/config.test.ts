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
    });
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
      database: { kind: 'postgres', url: 'postgresql://tp@db.internal:5432/tenantpilot' },
      retentionDays: 30,
      pruneCron: '0 4 * * *',
      port: 8080,
      host: '0.0.0.0',
    });
    expect(loadConfig({ TENANTPILOT_DATA_DIR: '/var/lib/tenantpilot' }).database).toEqual({ kind: 'pglite', dataDir: '/var/lib/tenantpilot' });
    expect(loadConfig({ DATABASE_URL: 'postgres://db/tp' }).database).toEqual({ kind: 'postgres', url: 'postgres://db/tp' });
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
