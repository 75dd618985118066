import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, type EventName } from '../../../server/telemetry/catalog.ts';
import { validateEvent, type UsageEvent } from '../../../server/telemetry/recorder.ts';
import { REJECTION_REASONS, checkMetadata } from '../../../server/telemetry/safe-metadata.ts';
import { VALID, hostileMetadata, validEvent } from './hostile-metadata.ts';

describe('recorder metadata against hostile input (thousands of cases)', () => {
  it('accepts the valid metadata of every event (the generators start from these)', () => {
    for (const event of EVENT_NAMES) {
      expect(checkMetadata(event, VALID[event]())).toMatchObject({ ok: true });
      expect(validateEvent(validEvent(event))).toMatchObject({ ok: true });
    }
  });

  it('checkMetadata accepts none, and classifies each by the guard that fired', () => {
    fc.assert(
      fc.property(hostileMetadata, ({ event, metadata, reasons }) => {
        const result = checkMetadata(event, metadata);
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(REJECTION_REASONS).toContain(result.reason);
          expect(reasons).toContain(result.reason);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('validateEvent refuses the whole event, so nothing reaches the database', () => {
    fc.assert(
      fc.property(hostileMetadata, ({ event, metadata }) => {
        expect(validateEvent(validEvent(event, metadata)).ok).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it('validateEvent refuses hostile scope, subject, time and key fields', () => {
    const notUuid = fc.oneof(
      fc.string({ maxLength: 80 }).filter((s) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)),
      fc.emailAddress(),
      fc.constantFrom(null, undefined, 42, {}, [], `${randomUUID()}\n`, ` ${randomUUID()}`, `${randomUUID()}' OR '1'='1`),
    );
    const mutation = fc.oneof(
      fc.tuple(fc.constantFrom('workspaceId', 'tenantId', 'actorUserId', 'subjectId'), notUuid).map(([k, v]) => ({ [k]: v })),
      fc.string({ maxLength: 40 }).filter((s) => !EVENT_NAMES.includes(s as EventName)).map((event) => ({ event })),
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty').map((event) => ({ event })),
      fc.constantFrom('user', 'audit_log', 'tenant_x', '', 'workspace').map((subjectType) => ({ subjectType })),
      fc.constantFrom(new Date(Number.NaN), new Date(8.64e15), new Date(-8.64e15), new Date(Date.UTC(10_000, 0, 1)), '2024-01-01T00:00:00Z', 1_700_000_000_000, null).map((occurredAt) => ({ occurredAt })),
      fc.integer({ min: 201, max: 5_000 }).map((n) => ({ eventKey: 'k'.repeat(n) })),
      fc.constantFrom(null, 42, {}).map((eventKey) => ({ eventKey })),
    );
    fc.assert(
      fc.property(fc.constantFrom(...EVENT_NAMES), mutation, (event, change) => {
        expect(validateEvent({ ...validEvent(event), ...change } as UsageEvent).ok).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });
});
