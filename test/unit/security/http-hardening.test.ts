import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT, MAX_BATCH_SIZE, buildHttpServer } from '../../../server/http.ts';
import { ADMIN_TOKEN, stubDeps } from './stub-deps.ts';

const SECRET = 'hunter2-Cnry9999999Q';
const login = (payload: string, contentType = 'application/json') => ({
  method: 'POST' as const,
  url: '/trpc/auth.login',
  headers: { 'content-type': contentType },
  payload,
});

describe('HTTP refuses hostile requests before any procedure runs', () => {
  let stub: ReturnType<typeof stubDeps>;
  let http: FastifyInstance;
  beforeAll(async () => {
    stub = stubDeps();
    http = buildHttpServer(stub.deps);
    await http.ready();
  });
  afterAll(() => http.close());

  const expectNoLeak = (body: string) => {
    expect(body).not.toContain(SECRET);
    expect(body).not.toMatch(/stack|at .+\.ts:\d+/);
    expect(stub.lines.join('')).not.toContain(SECRET);
    expect(stub.touched).toEqual([]);
  };

  it(`answers 413 to a body over ${BODY_LIMIT} bytes, with a JSON error`, async () => {
    const res = await http.inject(login(JSON.stringify({ email: 'a@example.test', password: SECRET.padEnd(BODY_LIMIT + 1, 'x') })));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.data).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 });
    expectNoLeak(res.body);
  });

  it('reads a body just under the limit (the limit is the only reason for 413)', async () => {
    const res = await http.inject(login(JSON.stringify({ email: 'a@example.test', password: 'x'.repeat(BODY_LIMIT - 100) })));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('password:');
  });

  it.each([
    ['truncated', `{"email":"a@example.test","password":"${SECRET}"`],
    ['unquoted value', `{"email":"a@example.test","password": ${SECRET}}`],
    ['not JSON at all', `email=a@example.test&password=${SECRET}`],
    ['trailing garbage', `{"email":"a@example.test","password":"x"} ${SECRET}`],
  ])('answers 400 PARSE_ERROR to malformed JSON (%s) without quoting it', async (_name, payload) => {
    const res = await http.inject(login(payload));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ message: 'Malformed JSON: the input must be valid JSON', data: { code: 'PARSE_ERROR' } });
    expectNoLeak(res.body);
  });

  it('answers 400 PARSE_ERROR to a malformed ?input= on a query, without quoting it', async () => {
    const res = await http.inject({ method: 'GET', url: `/trpc/system.telemetry.summary?input=${encodeURIComponent(`{"window":${SECRET}`)}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.data.code).toBe('PARSE_ERROR');
    expectNoLeak(res.body);
  });

  it('answers 400 with a fixed message to a repeated ?input= (an array), without quoting either value', async () => {
    const bad = encodeURIComponent(`{"window":${SECRET}`);
    for (const query of [`input=${bad}&input=x`, `input=x&input=${bad}`, `input=${bad}&input=${bad}`]) {
      const res = await http.inject({ method: 'GET', url: `/trpc/system.telemetry.summary?${query}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ message: 'Malformed request: send one input parameter', data: { code: 'BAD_REQUEST', httpStatus: 400 } });
      expectNoLeak(res.body);
    }
  });

  it('answers 404 with a fixed message to an unknown route, without quoting the path', async () => {
    for (const url of [`/${SECRET}`, `/trpc-${SECRET}`, `/healthz/${SECRET}?q=${SECRET}`]) {
      const res = await http.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toMatchObject({ message: 'Not found', data: { code: 'NOT_FOUND', httpStatus: 404 } });
      expectNoLeak(res.body);
    }
  });

  it('answers 404 with a fixed message to an unknown procedure, alone or in a batch, without quoting its path', async () => {
    const single = await http.inject({ method: 'GET', url: `/trpc/system.${SECRET}?input={}` });
    expect(single.statusCode).toBe(404);
    expect(single.json().error).toMatchObject({ message: 'Not found', data: { code: 'NOT_FOUND', httpStatus: 404 } });
    expectNoLeak(single.body);

    const batch = await http.inject({
      method: 'POST',
      url: `/trpc/auth.login,${SECRET}?batch=1`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ 0: { email: 'a@example.test', password: SECRET }, 1: {} }),
    });
    expect(batch.statusCode).toBe(404);
    expect(batch.json().error).toMatchObject({ message: 'Not found', data: { code: 'NOT_FOUND' } });
    expectNoLeak(batch.body);
  });

  it('serves no /metrics on the API port (metrics have their own listener)', async () => {
    const res = await http.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toBe('Not found');
    expect(res.body).not.toContain('tenantpilot_');
  });

  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/octet-stream',
    'application/jsonp',
    'text/json',
  ])('answers 415 to a body of type %s', async (type) => {
    const payload = type.startsWith('multipart')
      ? `--x\r\nContent-Disposition: form-data; name="password"\r\n\r\n${SECRET}\r\n--x--\r\n`
      : JSON.stringify({ email: 'a@example.test', password: SECRET });
    const res = await http.inject(login(payload, type));
    expect(res.statusCode).toBe(415);
    expect(res.json().error.data).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', httpStatus: 415 });
    expectNoLeak(res.body);
  });

  it('answers 415 to a body without a content type', async () => {
    const res = await http.inject({ method: 'POST', url: '/trpc/auth.login', payload: JSON.stringify({ email: 'a@example.test', password: SECRET }) });
    expect(res.statusCode).toBe(415);
    expectNoLeak(res.body);
  });

  it('accepts application/json with parameters (charset)', async () => {
    const res = await http.inject(login(JSON.stringify({ email: 'not-an-address', password: SECRET }), 'Application/JSON; charset=utf-8'));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('email:');
    expectNoLeak(res.body);
  });

  it('survives 30 000 levels of nesting with a plain 400', async () => {
    const deep = '['.repeat(30_000) + ']'.repeat(30_000);
    const res = await http.inject(login(`{"email":${deep},"password":"${SECRET}"}`));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('email:');
    expectNoLeak(res.body);
  });

  it(`serves a batch of ${MAX_BATCH_SIZE} calls and refuses ${MAX_BATCH_SIZE + 1}, for queries and mutations`, async () => {
    const paths = (n: number, p: string) => Array.from({ length: n }, () => p).join(',');
    const ok = await http.inject({ method: 'GET', url: `/trpc/${paths(MAX_BATCH_SIZE, 'system.auth.status')}?batch=1&input={}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toHaveLength(MAX_BATCH_SIZE);

    const tooMany = await http.inject({ method: 'GET', url: `/trpc/${paths(MAX_BATCH_SIZE + 1, 'system.auth.status')}?batch=1&input={}` });
    expect(tooMany.statusCode).toBe(400);
    expect(JSON.parse(tooMany.body).error.data.code).toBe('BAD_REQUEST');

    const tooManyMutations = await http.inject({
      method: 'POST',
      url: `/trpc/${paths(MAX_BATCH_SIZE + 1, 'auth.logout')}?batch=1`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: '{}',
    });
    expect(tooManyMutations.statusCode).toBe(400);
    expect(stub.touched).toEqual([]);
  });
});

describe('HTTP never sends an internal error’s own message or a stack trace', () => {
  it('answers 500 "Internal server error" when the database fails, and logs only the error class', async () => {
    const stub = stubDeps({ fail: new Error(`connection to db failed; query: UPDATE users SET password_hash = '${SECRET}'`) });
    const http = buildHttpServer(stub.deps);
    try {
      const res = await http.inject({
        method: 'POST',
        url: '/trpc/auth.logout',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: '{}',
      });
      expect(res.statusCode).toBe(500);
      expect(res.json().error).toMatchObject({ message: 'Internal server error', data: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(res.json().error.data.stack).toBeUndefined();
      expect(res.body).not.toContain(SECRET);
      expect(res.body).not.toContain('UPDATE');
      expect(stub.touched.length).toBeGreaterThan(0);
      expect(stub.lines.join('')).toContain('procedure failed');
      expect(stub.lines.join('')).not.toContain(SECRET);
    } finally {
      await http.close();
    }
  });
});
