import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES } from '../../../server/telemetry/catalog.ts';
import type { UsageEvent } from '../../../server/telemetry/recorder.ts';
import { useTestApp } from '../../helpers/app.ts';
import { leaks } from '../../unit/security/hostile.ts';
import { hostileMetadata, validEvent } from '../../unit/security/hostile-metadata.ts';
import { PROCEDURES, call, hostileCase } from '../../unit/security/procedures.ts';

/**
 * The database-backed half of the hostile-input claim (the unit suite runs thousands of cases without
 * a database): through real sessions on a real database, hostile input is refused with BAD_REQUEST,
 * stores nothing, and never reaches a log line.
 */
const t = useTestApp();
const CANARY = /Cnry[0-9a-z]{7}Q/;

/** Every row of every table, as one string: "nothing stored" means this does not change. */
async function snapshot(): Promise<string> {
  const tables = await t.app.db.$queryRaw<{ name: string }[]>`
    SELECT table_name::text AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'admin_sessions' ORDER BY 1`;
  const parts: string[] = [];
  for (const { name } of tables) {
    const [row] = await t.app.db.$queryRawUnsafe<{ n: string }[]>(`SELECT count(*)::text AS n FROM "${name}"`);
    parts.push(`${name}=${row?.n}`);
  }
  return parts.join(' ');
}

describe('hostile input through real sessions and a real database', () => {
  it('every procedure: BAD_REQUEST naming the field, no row written anywhere, no hostile value in the logs', async () => {
    const { app } = t;
    const tokens = { admin: await app.adminToken('owner@acme.test'), system: await app.systemToken(), public: undefined };
    const before = await snapshot();
    for (const [path, spec] of Object.entries(PROCEDURES)) {
      const caller = app.caller(tokens[spec.plane], '203.0.113.50');
      await fc.assert(
        fc.asyncProperty(hostileCase(spec), async ({ input, field, hostile }) => {
          const error = (await call(caller, path, input).catch((e: unknown) => e)) as TRPCError;
          expect(error, path).toBeInstanceOf(TRPCError);
          expect(error.code, path).toBe('BAD_REQUEST');
          if (field) expect(error.message).toContain(field);
          expect(leaks(error.message, ...hostile)).toBe(false);
        }),
        { numRuns: 25 },
      );
    }
    expect(await snapshot()).toBe(before);
    expect(app.logLines.join('')).not.toMatch(CANARY);
  });

  it('the recorder refuses hostile metadata: nothing written, each refusal counted by its reason, no payload logged', async () => {
    const { app, fx } = t;
    const scope = { workspaceId: fx.workspaces.acme.id, tenantId: fx.tenants.acmeProd.id, actorUserId: fx.users.acmeOwner.id };
    const rejected = async () => Object.fromEntries((await app.metrics.eventsRejected.get()).values.map((v) => [v.labels.reason, v.value]));
    await fc.assert(
      fc.asyncProperty(hostileMetadata, async ({ event, metadata }) => {
        const counted = await rejected();
        const outcome = await app.db.$transaction((tx) => app.deps.telemetry.record(tx, { ...validEvent(event, metadata), ...scope } as UsageEvent));
        expect(outcome.status).toBe('rejected');
        if (outcome.status !== 'rejected') return;
        expect((await rejected())[outcome.reason]).toBe((counted[outcome.reason] ?? 0) + 1);
      }),
      { numRuns: 150 },
    );
    expect(await app.db.productUsageEvent.count()).toBe(0);
    const logged = app.logLines.join('');
    expect(logged).toContain('telemetry event rejected');
    expect(logged).not.toMatch(CANARY);
  });

  it('an event name outside the catalog is refused and is not written to the log', async () => {
    const { app, fx } = t;
    const hostileName = 'Cnry1234567Q@evil.example';
    const outcome = await app.db.$transaction((tx) =>
      app.deps.telemetry.record(tx, { ...validEvent(EVENT_NAMES[0]!), workspaceId: fx.workspaces.acme.id, event: hostileName } as unknown as UsageEvent),
    );
    expect(outcome).toEqual({ status: 'rejected', reason: 'unknown_event' });
    expect(app.logLines.join('')).not.toContain(hostileName);
  });

  it('an occurredAt PostgreSQL cannot store is refused before the database, and the source transaction commits', async () => {
    const { app, fx } = t;
    for (const occurredAt of [new Date(8.64e15), new Date(-8.64e15), new Date(Date.UTC(-5000, 0, 1))]) {
      const result = await app.db.$transaction(async (tx) => {
        const run = await tx.operationRun.create({
          data: { workspaceId: fx.workspaces.acme.id, tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync', status: 'queued', trigger: 'user', initiatorUserId: fx.users.acmeOwner.id },
        });
        const outcome = await app.deps.telemetry.record(tx, {
          ...validEvent('operation.started'),
          workspaceId: fx.workspaces.acme.id,
          tenantId: fx.tenants.acmeProd.id,
          actorUserId: fx.users.acmeOwner.id,
          subjectId: run.id,
          metadata: { operation_type: 'inventory.sync' },
          occurredAt,
        });
        return { run, outcome };
      });
      expect(result.outcome.status).toBe('rejected');
      expect(await app.db.operationRun.count({ where: { id: result.run.id } })).toBe(1);
    }
    expect(await app.db.productUsageEvent.count()).toBe(0);
  });
});
