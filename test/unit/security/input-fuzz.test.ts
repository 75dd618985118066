import { TRPCError } from '@trpc/server';
import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../../server/http.ts';
import { createContextInner } from '../../../server/trpc/context.ts';
import { appRouter, createCaller } from '../../../server/trpc/router.ts';
import { leaks } from './hostile.ts';
import { PROCEDURES, WITHOUT_INPUT, call, hostileCase, routerProcedures, type ProcedureSpec } from './procedures.ts';
import { ADMIN_TOKEN, SYSTEM_TOKEN, stubDeps } from './stub-deps.ts';

const tokenFor = (spec: ProcedureSpec) => (spec.plane === 'admin' ? ADMIN_TOKEN : spec.plane === 'system' ? SYSTEM_TOKEN : undefined);
const RUNS_PER_PROCEDURE = 300;

describe('hostile input to every procedure (createCaller, thousands of cases)', () => {
  it('covers every procedure of the router', () => {
    for (const { path, hasInput } of routerProcedures()) {
      if (hasInput) expect(PROCEDURES, `fuzz spec for ${path}`).toHaveProperty([path]);
      else expect(WITHOUT_INPUT).toContain(path);
    }
    expect(Object.keys(PROCEDURES).length).toBeGreaterThanOrEqual(12);
  });

  for (const [path, spec] of Object.entries(PROCEDURES)) {
    it(`${path}: BAD_REQUEST naming the field, no database access, nothing echoed or logged`, async () => {
      const { deps, lines, touched } = stubDeps();
      const caller = createCaller(createContextInner(deps, { token: tokenFor(spec), ip: '203.0.113.9' }));
      await fc.assert(
        fc.asyncProperty(hostileCase(spec), async ({ input, field, hostile }) => {
          const error = await call(caller, path, input).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(TRPCError);
          const trpcError = error as TRPCError;
          expect(trpcError.code).toBe('BAD_REQUEST');
          const shape = getErrorShape({ config: appRouter._def._config, error: trpcError, type: spec.type, path, input, ctx: undefined });
          const fieldErrors = (shape.data as { fieldErrors?: { path: string; message: string }[] }).fieldErrors ?? [];
          if (field) {
            expect(fieldErrors.map((f) => f.path)).toContain(field);
            expect(shape.message).toContain(`${field}:`);
          } else {
            expect(fieldErrors.length).toBeGreaterThan(0);
          }
          expect(JSON.stringify(shape)).not.toContain('stack');
          expect(leaks(JSON.stringify(shape), ...hostile), 'hostile value echoed in the error').toBe(false);
          expect(touched).toEqual([]);
          expect(leaks(lines.join(''), ...hostile), 'hostile value in the logs').toBe(false);
        }),
        { numRuns: RUNS_PER_PROCEDURE },
      );
    });
  }

  for (const [path, spec] of Object.entries(PROCEDURES).filter(([, s]) => s.plane !== 'public')) {
    it(`${path}: without a token, UNAUTHORIZED before the input is read (no field errors, no database access)`, async () => {
      const { deps, touched } = stubDeps();
      const caller = createCaller(createContextInner(deps, { ip: '203.0.113.9' }));
      await fc.assert(
        fc.asyncProperty(hostileCase(spec), async ({ input, hostile }) => {
          const error = (await call(caller, path, input).catch((e: unknown) => e)) as TRPCError;
          expect(error.code).toBe('UNAUTHORIZED');
          expect(leaks(error.message, ...hostile)).toBe(false);
          expect(touched).toEqual([]);
        }),
        { numRuns: 50 },
      );
    });
  }
});

describe('hostile input over HTTP (the wire format clients see)', () => {
  it('every procedure answers 400 with the field named, no stack trace, nothing echoed', async () => {
    const { deps, lines, touched } = stubDeps();
    const http = buildHttpServer(deps);
    await http.ready();
    try {
      for (const [path, spec] of Object.entries(PROCEDURES)) {
        const token = tokenFor(spec);
        await fc.assert(
          fc.asyncProperty(
            hostileCase(spec).filter((c) => c.hostile.every((h) => h.json)),
            async ({ input, field, hostile }) => {
              const body = JSON.stringify(input);
              const headers = token ? { authorization: `Bearer ${token}` } : {};
              const res =
                spec.type === 'query'
                  ? await http.inject({ method: 'GET', url: `/trpc/${path}?input=${encodeURIComponent(body)}`, headers })
                  : await http.inject({ method: 'POST', url: `/trpc/${path}`, headers: { ...headers, 'content-type': 'application/json' }, payload: body });
              if (res.statusCode === 413) return; // a 70 kB hostile string: refused before parsing (tested separately)
              expect(res.statusCode).toBe(400);
              const error = res.json().error;
              expect(error.data.code).toBe('BAD_REQUEST');
              if (field) expect(error.message).toContain(`${field}:`);
              expect(error.data.stack).toBeUndefined();
              expect(leaks(res.body, ...hostile)).toBe(false);
            },
          ),
          { numRuns: 40 },
        );
      }
      expect(touched).toEqual([]);
      expect(leaks(lines.join(''))).toBe(false);
      expect(lines.join('')).not.toMatch(/Cnry[0-9a-z]{7}Q/);
    } finally {
      await http.close();
    }
  });
});
