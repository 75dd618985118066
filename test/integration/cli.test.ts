import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SETUP_CODE_LINE, buildCli } from '../../server/cli.ts';
import { createTenantPilotClient } from '../../server/client.ts';
import { createTestDatabase, pgliteDataDir, testDbKind, type TestDatabase } from '../helpers/db.ts';

/**
 * The `tenantpilot` command as an operator runs it, against the embedded database in a temporary
 * folder, or a fresh PostgreSQL database in the postgres project. What depends on the process (exit
 * codes, stdin, stderr, SIGTERM) runs `node bin/tenantpilot.js`; the rest runs the same program
 * in-process, since each new process costs seconds. (--help and refusals that open no database:
 * test/unit/cli.test.ts.)
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tenantpilot.js');
const DEMO_PASSWORD = 'demo password for the cli test';

type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };
let dataDir: string;
let pg: TestDatabase | undefined;

/** The environment of one run: only our variables, pointing at this file's database. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('TENANTPILOT_') && !['DATABASE_URL', 'PORT', 'HOST'].includes(k)),
  );
  const database = pg ? { DATABASE_URL: pg.url! } : { TENANTPILOT_DATA_DIR: dataDir };
  return { ...base, ...database, TENANTPILOT_LOG_LEVEL: 'warn', ...extra };
}

function tp(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: env(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** `serve --port 0`: resolves once it listens, with its URL and a way to stop it (SIGTERM). */
async function serve() {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd: ROOT, env: env({ TENANTPILOT_LOG_LEVEL: 'info', TENANTPILOT_METRICS_PORT: '0' }) });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/TenantPilot API listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]!);
    });
    void closed.then((r) => reject(new Error(`serve exited early: ${r.stderr || r.stdout}`)));
  });
  return {
    url,
    /** What it printed so far. */
    output: () => stdout,
    async stop() {
      child.kill('SIGTERM');
      return closed;
    },
  };
}

/**
 * Runs a command in this process (the same program `bin/tenantpilot.js` runs, without a new Node and
 * tsx start), with this file's database configured; returns what it printed.
 */
async function inProcess(args: string[], extra: Record<string, string> = {}, stdin = ''): Promise<string> {
  const vars = { DATABASE_URL: pg?.url ?? '', TENANTPILOT_DATA_DIR: pg ? '' : dataDir, TENANTPILOT_LOG_LEVEL: 'warn', TENANTPILOT_DEMO_PASSWORD: '', TENANTPILOT_PRODUCT_USAGE_EVENT_RETENTION_DAYS: '', ...extra };
  for (const [key, value] of Object.entries(vars)) vi.stubEnv(key, value); // '' counts as unset
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void printed.push(parts.join(' ')));
  const input = vi.spyOn(process, 'stdin', 'get').mockReturnValue(Readable.from([Buffer.from(stdin)]) as unknown as typeof process.stdin);
  try {
    await buildCli().parseAsync(['node', 'tenantpilot', ...args]);
    return printed.join('\n');
  } finally {
    log.mockRestore();
    input.mockRestore();
    vi.unstubAllEnvs();
  }
}

beforeAll(async () => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'tp-cli-')), 'data');
  // An initialized but unmigrated database: `migrate` below applies every migration to it.
  if (testDbKind() === 'postgres') pg = await createTestDatabase('postgres', { migrated: false });
  else await pgliteDataDir(dataDir, { migrated: false });
});
afterAll(async () => {
  rmSync(join(dataDir, '..'), { recursive: true, force: true });
  await pg?.drop();
});

describe('an operator setting up and running TenantPilot with the CLI', () => {
  it('migrate applies every migration; a second migrate has nothing to do', async () => {
    const first = await tp(['migrate']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Applied \d+ migration\(s\): \d{14}_init/);
    expect(await inProcess(['migrate'])).toBe('Database is up to date.');
  });

  it('serve, while no operator exists, prints a one-time setup code in one line — and only that process accepts it', async () => {
    const server = await serve();
    try {
      // Printed right after the "listening" line (which may arrive in a chunk of its own).
      for (let i = 0; i < 100 && !server.output().includes(SETUP_CODE_LINE); i++) await new Promise((r) => setTimeout(r, 50));
      const lines = server.output().split('\n').filter((line) => line.startsWith(SETUP_CODE_LINE));
      expect(lines).toHaveLength(1);
      const code = lines[0]!.slice(SETUP_CODE_LINE.length);
      expect(code).toMatch(/^[\w-]{32}$/);
      const anonymous = createTenantPilotClient({ url: server.url });
      expect(await anonymous.system.auth.status.query()).toEqual({ bootstrapAvailable: true });
      const input = { email: 'first@example.test', displayName: 'First', password: 'a long enough password' };
      await expect(anonymous.system.auth.bootstrap.mutate({ ...input, setupCode: `${code}-guessed` })).rejects.toMatchObject({
        data: { code: 'FORBIDDEN' },
      });
    } finally {
      await server.stop();
    }
  });

  it('system-user:create reads the password from stdin, and refuses a taken e-mail in one line', async () => {
    const created = await tp(['system-user:create', '--email', 'Ops@Example.test', '--name', 'Ops', '--password-stdin'], { input: 'a long enough password\n' });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Created system user ops@example\.test \([0-9a-f-]{36}\) with permission system\.dashboard\.view$/m);
    expect(created.stdout + created.stderr).not.toContain('a long enough password');

    // without --password-stdin, a stdin that is not a terminal is read all the same
    await expect(inProcess(['system-user:create', '--email', 'ops@example.test'], {}, 'a long enough password')).rejects.toThrow(
      'a system user with e-mail ops@example.test already exists',
    );
  });

  it('seed:demo --events 0 creates the demo identities only (the final summary shows no event from it)', async () => {
    const seeded = await inProcess(['seed:demo', '--events', '0'], { TENANTPILOT_DEMO_PASSWORD: DEMO_PASSWORD });
    expect(seeded).toContain('Created the demo identities:');
    expect(seeded).toMatch(/workspace Contoso: tenants contoso-prod, contoso-dev/);
    expect(seeded).toContain('Demo password: the value of TENANTPILOT_DEMO_PASSWORD');
    expect(seeded).not.toContain(DEMO_PASSWORD);
    expect(seeded).toContain('Performed 0 source action(s)');
  });

  let pruned = 0;
  it('seed:demo --events 25 --days 3 performs 25 actions; run again it adds none; operations:start and prune work on the result', async () => {
    const demoEnv = { TENANTPILOT_DEMO_PASSWORD: DEMO_PASSWORD };
    const first = await inProcess(['seed:demo', '--events', '25', '--days', '3'], demoEnv);
    expect(first).toContain('Demo identities already exist (passwords unchanged):');
    expect(first).toMatch(/^Performed 25 source action\(s\) over the last 3 day\(s\) \(plan: --seed 243, ending \S+\)\.$/m);
    const again = await inProcess(['seed:demo', '--events', '25', '--days', '3'], demoEnv);
    expect(again).toMatch(/^Performed 0 source action\(s\) over the last 3 day\(s\) .*; 25 were there already\.$/m);
    expect(again).toContain('Note: the database already holds the first 25 planned demo actions: nothing to add');

    const run = await inProcess(['operations:start', '--tenant', 'contoso-prod', '--type', 'inventory.sync']);
    expect(run).toMatch(/^Started scheduled run [0-9a-f-]{36} \(inventory\.sync\) on contoso-prod$/);
    await expect(inProcess(['operations:start', '--tenant', 'no-such-tenant', '--type', 'inventory.sync'])).rejects.toThrow('no tenant with slug no-such-tenant');
    // With a one-day retention, the seeded rows older than a day go.
    const oneDay = { TENANTPILOT_PRODUCT_USAGE_EVENT_RETENTION_DAYS: '1' };
    const dryRun = await inProcess(['product-usage:prune', '--dry-run'], oneDay);
    expect(dryRun).toMatch(/^Would delete \d+ telemetry row\(s\) older than 1 day\(s\) \(before \d{4}-\d\d-\d\dT[\d:.]+Z\)\.$/);
    const wouldDelete = Number(dryRun.match(/Would delete (\d+) telemetry row/)?.[1]);
    expect(wouldDelete).toBeGreaterThan(0);
    expect(wouldDelete).toBeLessThan(25);
    const real = await inProcess(['product-usage:prune'], oneDay);
    pruned = Number(real.match(/^Deleted (\d+) telemetry row\(s\) older than 1 day\(s\)/)?.[1]);
    expect(pruned).toBe(wouldDelete);
  });

  it('serves what the CLI left (the 25 seeded events minus the pruned ones, the scheduled run without a row) and stops on SIGTERM', async () => {
    const server = await serve();
    let stopped: Run | undefined;
    try {
      // Operators exist: no setup code.
      expect(server.output()).not.toContain(SETUP_CODE_LINE);
      const anonymous = createTenantPilotClient({ url: server.url });
      const operator = createTenantPilotClient({
        url: server.url,
        token: (await anonymous.system.auth.login.mutate({ email: 'operator@tenantpilot.test', password: DEMO_PASSWORD })).token,
      });
      const summary = await operator.system.telemetry.summary.query({ window: '7d' });
      expect(summary.totalEvents).toBe(25 - pruned);
      // The console operator created with system-user:create can sign in too.
      await expect(anonymous.system.auth.login.mutate({ email: 'ops@example.test', password: 'a long enough password' })).resolves.toMatchObject({
        operator: { email: 'ops@example.test', displayName: 'Ops' },
      });
      const owner = createTenantPilotClient({
        url: server.url,
        token: (await anonymous.auth.login.mutate({ email: 'owner@contoso.test', password: DEMO_PASSWORD })).token,
      });
      const me = await owner.auth.me.query();
      const contosoProd = me.memberships[0]!.tenants.find((x) => x.slug === 'contoso-prod')!;
      const bundle = await owner.support.openDiagnostics.mutate({ tenantId: contosoProd.id, entryPoint: 'tenant_dashboard' });
      expect(bundle.recentOperationRuns.filter((r) => r.trigger === 'scheduled')).toHaveLength(1);
      expect(me.memberships.map((m) => [m.workspace.name, m.tenants.map((x) => x.slug)])).toEqual([['Contoso', ['contoso-dev', 'contoso-prod']]]);
    } finally {
      stopped = await server.stop();
    }
    // graceful shutdown: exit code 0 after closing the server and the database
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain('shutting down');
  });
});
