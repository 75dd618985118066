import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/app.ts';
import { createTenantPilotClient } from '../../server/client.ts';
import { loadConfig } from '../../server/config.ts';
import { PASSWORD, seedFixture, type Fixture } from '../helpers/app.ts';
import { createTestDatabase, pgliteDataDir, testDbKind, type TestDatabase } from '../helpers/db.ts';

/**
 * DESIGN.md Part 1 "HTTP": the server as a client in any language sees it — tRPC at /trpc with plain
 * JSON (ISO dates, string ids), /healthz, and /metrics on a listener of its own — started the way
 * `tenantpilot serve` starts it.
 */
let server: RunningServer;
let fx: Fixture;
let scratch: string | undefined;
let pg: TestDatabase | undefined;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  let env: Record<string, string>;
  if (testDbKind() === 'postgres') {
    pg = await createTestDatabase('postgres');
    env = { DATABASE_URL: pg.url! };
  } else {
    scratch = mkdtempSync(join(tmpdir(), 'tp-http-'));
    env = { TENANTPILOT_DATA_DIR: await pgliteDataDir(join(scratch, 'data'), { migrated: true }) };
  }
  server = await startServer({ ...loadConfig({ ...env, TENANTPILOT_LOG_LEVEL: 'silent', TENANTPILOT_METRICS_PORT: '0' }), port: 0 });
  fx = await seedFixture(server.database);
});
afterAll(async () => {
  await server?.close().catch(() => undefined); // the last test closes the database itself
  await pg?.drop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const trpc = (path: string) => `${server.url}/trpc/${path}`;
async function post(path: string, body: unknown, token?: string) {
  const res = await fetch(trpc(path), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}
async function get(path: string, input: unknown, token?: string) {
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await fetch(`${trpc(path)}${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as any };
}

describe('plain HTTP, as any language would call it', () => {
  let adminToken: string;
  let systemToken: string;

  it('signs in with a POST of plain JSON and gets a string token, an ISO expiry and a string id', async () => {
    const { status, body } = await post('auth.login', { email: 'owner@acme.test', password: PASSWORD });
    expect(status).toBe(200);
    expect(body.result.data).toEqual({
      token: expect.stringMatching(/^tpa_/),
      expiresAt: expect.stringMatching(ISO),
      user: { id: fx.users.acmeOwner.id, email: 'owner@acme.test', displayName: 'owner' },
    });
    adminToken = body.result.data.token;
    systemToken = (await post('system.auth.login', { email: 'operator@example.test', password: PASSWORD })).body.result.data.token;
  });

  it('starts an operation with a POST and gets the run back with string ids and ISO dates', async () => {
    const { status, body } = await post('operations.start', { tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync' }, adminToken);
    expect(status).toBe(200);
    // exactly the public result: no other column of the row (e.g. the initiator) reaches the client
    expect(body.result.data).toEqual({
      id: expect.stringMatching(UUID),
      tenantId: fx.tenants.acmeProd.id,
      workspaceId: fx.workspaces.acme.id,
      type: 'inventory.sync',
      status: 'queued',
      trigger: 'user',
      createdAt: expect.stringMatching(ISO),
    });
  });

  it('reads the summary with a GET ?input= and gets plain JSON: five families, ISO window edges', async () => {
    const { status, body } = await get('system.telemetry.summary', { window: '24h' }, systemToken);
    expect(status).toBe(200);
    const summary = body.result.data;
    expect(summary).toMatchObject({ window: '24h', from: expect.stringMatching(ISO), to: expect.stringMatching(ISO), generatedAt: expect.stringMatching(ISO) });
    expect(summary.families.map((f: { event: string; count: number }) => [f.event, f.count])).toEqual([
      ['onboarding.checkpoint_completed', 0],
      ['support.diagnostics_opened', 0],
      ['operation.started', 1],
      ['stored_report.created', 0],
      ['review_pack.generation_requested', 0],
    ]);
    expect(summary.families[2].lastOccurredAt).toMatch(ISO);
    expect(Date.parse(summary.to) - Date.parse(summary.from)).toBe(24 * 3600_000);
  });

  it('answers a single mutation exactly as tRPC answers the same call in a batch: data, refusals, field errors, status', async () => {
    const acmeProd = fx.tenants.acmeProd.id;
    const cases: [string, unknown, string | undefined][] = [
      ['reviewPacks.requestGeneration', { tenantId: acmeProd }, adminToken], // ok (reused after the first)
      ['operations.start', { tenantId: acmeProd, type: 'inventory.sync' }, undefined], // 401
      ['operations.start', { tenantId: acmeProd, type: 'inventory.sync' }, systemToken], // 403, other plane
      ['operations.start', { tenantId: acmeProd, type: 'everything', extra: 1 }, adminToken], // 400 with field errors
      ['operations.start', { tenantId: fx.tenants.globexProd.id, type: 'inventory.sync' }, adminToken], // 404
      ['operations.start', undefined, adminToken], // 400, no input
    ];
    await post('reviewPacks.requestGeneration', { tenantId: acmeProd }, adminToken);
    for (const [path, input, token] of cases) {
      const single = await post(path, input, token);
      const res = await fetch(`${trpc(path)}?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(input === undefined ? {} : { 0: input }),
      });
      const [batched] = (await res.json()) as any[];
      expect({ path, status: single.status, body: single.body }).toEqual({ path, status: res.status, body: batched });
    }
  });

  it('answers a batch of calls in one request', async () => {
    const res = await fetch(`${trpc('auth.me,system.auth.status')}?batch=1&input=${encodeURIComponent('{}')}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(res.status).toBe(200);
    const [me, status] = (await res.json()) as any[];
    expect(me.result.data.memberships[0].workspace).toEqual({ id: fx.workspaces.acme.id, name: 'Acme', slug: 'acme' });
    expect(status.result.data).toEqual({ bootstrapAvailable: false });
  });

  it('answers bad input with 400 naming each offending field, unknown keys included, and no stack trace', async () => {
    const { status, body } = await post('operations.start', { tenantId: 'acme-prod', type: 'tenant.delete', note: 'hello' }, adminToken);
    expect(status).toBe(400);
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(body.error.data.fieldErrors.map((f: { path: string }) => f.path).sort()).toEqual(['note', 'tenantId', 'type']);
    expect(body.error.message).toMatch(/^Invalid input — /);
    for (const field of ['tenantId', 'type', 'note']) expect(body.error.message).toContain(`${field}:`);
    expect(JSON.stringify(body)).not.toMatch(/stack|\.ts:\d+/);
  });

  it('answers a missing token with 401, the wrong plane with 403 and a tenant the caller may not see with 404', async () => {
    expect((await post('operations.start', { tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync' })).status).toBe(401);
    expect((await get('system.telemetry.summary', { window: '24h' }, adminToken)).status).toBe(403);
    expect((await get('auth.me', undefined, systemToken)).status).toBe(403);
    const foreign = await post('reports.create', { tenantId: fx.tenants.globexProd.id, reportType: 'entra_admin_roles' }, adminToken);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.message).toBe('Tenant not found');
  });
});

describe('the typed client (createTenantPilotClient)', () => {
  it.each([false, true])('works end to end (batch: %s): sign in, act on a tenant, read the summary', async (batch) => {
    const anonymous = createTenantPilotClient({ url: server.url, batch });
    const { token } = await anonymous.auth.login.mutate({ email: 'owner@acme.test', password: PASSWORD });
    const owner = createTenantPilotClient({ url: `${server.url}/`, token: () => token, batch });
    const [report, me] = await Promise.all([
      owner.reports.create.mutate({ tenantId: fx.tenants.acmeDev.id, reportType: 'entra_admin_roles' }),
      owner.auth.me.query(),
    ]);
    expect(report).toMatchObject({ tenantId: fx.tenants.acmeDev.id, createdAt: expect.stringMatching(ISO) });
    expect(me.memberships[0]!.tenants.map((x) => x.slug)).toEqual(['acme-dev', 'acme-prod']);

    const operatorToken = (await anonymous.system.auth.login.mutate({ email: 'operator@example.test', password: PASSWORD })).token;
    const operator = createTenantPilotClient({ url: server.url, token: operatorToken, batch });
    const summary = await operator.system.telemetry.summary.query({ window: '7d' });
    expect(summary.families.find((f) => f.event === 'stored_report.created')!.count).toBe(batch ? 2 : 1);
  });

  it('surfaces errors as TRPCClientError with the tRPC code', async () => {
    const client = createTenantPilotClient({ url: server.url });
    const error = await client.system.telemetry.summary.query({ window: '24h' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
  });
});

/** A GET with the Host header given (fetch may not set Host), over a socket to `base`. */
function getWithHost(base: string, path: string, host: string | undefined): Promise<{ status: number; body: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'GET', setHost: false, headers: host === undefined ? {} : { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a server bound to loopback answers only to loopback names (DNS rebinding)', () => {
  it('refuses a Host header naming another site or another port with 421 and a fixed message; answers localhost, 127.0.0.1 and [::1] on its own port', async () => {
    for (const url of [server.url, server.metricsUrl!]) {
      const { port } = new URL(url);
      for (const host of ['attacker.example', `attacker.example:${port}`, `localhost:${Number(port) + 1}`, `127.0.0.1.attacker.example:${port}`, '']) {
        const res = await getWithHost(url, url === server.url ? '/healthz' : '/metrics', host);
        expect(res.status, `Host: ${host}`).toBe(421);
        expect(JSON.parse(res.body).error.message).toBe('Misdirected request: this server answers only to localhost');
        expect(res.body).not.toContain('attacker');
      }
      // No Host header at all: Node refuses the HTTP/1.1 request itself.
      expect((await getWithHost(url, '/healthz', undefined)).status).toBe(400);
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
        expect((await getWithHost(url, url === server.url ? '/healthz' : '/metrics', host)).status, `Host: ${host}`).toBe(200);
      }
    }
  });
});

describe('/healthz and /metrics', () => {
  it('/metrics is not on the API port: a fixed 404 that shows nothing', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { message: 'Not found', code: -32004, data: { code: 'NOT_FOUND', httpStatus: 404 } } });
  });

  it('/metrics on the metrics listener (loopback, its own port) exposes the required families in Prometheus text, counting what happened', async () => {
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(server.metricsUrl!).port).not.toBe(String(server.port));
    const res = await fetch(server.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const family of [
      'tenantpilot_telemetry_events_recorded_total',
      'tenantpilot_telemetry_events_rejected_total',
      'tenantpilot_telemetry_recorder_failures_total',
      'tenantpilot_telemetry_prune_runs_total',
      'tenantpilot_telemetry_rows_pruned_total',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${family} counter$`, 'm'));
    }
    expect(text).toMatch(/^tenantpilot_telemetry_events_recorded_total\{event="operation\.started"\} 1$/m);
    expect(text).toMatch(/^tenantpilot_telemetry_events_recorded_total\{event="stored_report\.created"\} 2$/m);
  });

  it('/healthz is 200 {"status":"ok"} while the database answers', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/healthz is 503 once the database is gone (and the process still serves)', async () => {
    await server.database.close();
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable' });
    expect((await fetch(server.metricsUrl!)).status).toBe(200);
  });
});
