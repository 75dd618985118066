import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Tx } from '../db/client.ts';
import type { Metrics } from '../observability.ts';
import { HOUR_MS, floorTo, shardOf, utcDay } from './buckets.ts';
import { CATALOG, isEventName, type EventMetadata, type EventName, type SubjectType } from './catalog.ts';
import { checkMetadata, type RejectionReason } from './safe-metadata.ts';

export type UsageEvent<E extends EventName = EventName> = {
  event: E;
  workspaceId: string;
  tenantId: string;
  actorUserId: string;
  subjectType: SubjectType<E>;
  subjectId: string;
  metadata: EventMetadata<E>;
  occurredAt: Date;
  /** Identifies the source success; recording the same key twice leaves one row. */
  eventKey: string;
};

export type RecordOutcome =
  | { status: 'recorded'; id: string }
  | { status: 'duplicate' }
  | { status: 'rejected'; reason: RejectionReason }
  | { status: 'failed' };

export type Recorder = {
  /**
   * Records one event as the last step of the source action's transaction `tx`, inside a savepoint:
   * the row becomes visible only when the source commits, and a failed write rolls back only the
   * savepoint. Never throws: rejections and failures are logged (without the payload) and counted.
   */
  record<E extends EventName>(tx: Tx, event: UsageEvent<E>): Promise<RecordOutcome>;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Validates against the catalog before anything touches the database. */
export function validateEvent(e: UsageEvent): { ok: true; metadata: Record<string, unknown> } | { ok: false; reason: RejectionReason } {
  if (!isEventName(e.event)) return { ok: false, reason: 'unknown_event' };
  if (![e.workspaceId, e.tenantId, e.actorUserId].every((id) => typeof id === 'string' && UUID.test(id))) {
    return { ok: false, reason: 'invalid_scope' };
  }
  const entry = CATALOG[e.event];
  if (!(entry.subjectTypes as readonly string[]).includes(e.subjectType) || !UUID.test(e.subjectId)) {
    return { ok: false, reason: 'invalid_subject' };
  }
  if (!(e.occurredAt instanceof Date) || !(e.occurredAt.getUTCFullYear() >= 1970 && e.occurredAt.getUTCFullYear() <= 9999) || typeof e.eventKey !== 'string' || e.eventKey.length > 200) {
    return { ok: false, reason: 'invalid_value' };
  }
  const checked = checkMetadata(e.event, e.metadata);
  return checked.ok ? { ok: true, metadata: checked.metadata } : { ok: false, reason: checked.reason };
}

export function createRecorder(deps: { log: Logger; metrics: Metrics }): Recorder {
  const { log, metrics } = deps;
  return {
    async record(tx, e) {
      const valid = validateEvent(e);
      if (!valid.ok) {
        metrics.eventsRejected.inc({ reason: valid.reason });
        log.warn({ event: isEventName(e.event) ? e.event : '(not in catalog)', reason: valid.reason }, 'telemetry event rejected');
        return { status: 'rejected', reason: valid.reason };
      }
      const entry = CATALOG[e.event];
      const id = randomUUID();
      try {
        await tx.$executeRawUnsafe('SAVEPOINT telemetry');
        // One statement writes the ledger row and, only when it was new, the derived rollups.
        const inserted = await tx.$queryRaw<{ n: number }[]>`
          WITH ins AS (
            INSERT INTO product_usage_events
              (id, workspace_id, tenant_id, event_name, feature_area, actor_user_id, subject_type, subject_id, occurred_at, metadata, event_key)
            VALUES (${id}::uuid, ${e.workspaceId}::uuid, ${e.tenantId}::uuid, ${e.event}, ${entry.featureArea},
                    ${e.actorUserId}::uuid, ${e.subjectType}, ${e.subjectId}::uuid, ${e.occurredAt}::timestamptz,
                    ${JSON.stringify(valid.metadata)}::jsonb, ${e.eventKey})
            ON CONFLICT (event_key) DO NOTHING
            RETURNING event_name, workspace_id, occurred_at
          ), counts AS (
            INSERT INTO product_usage_hourly_counts (bucket_start, event_name, shard, event_count, last_occurred_at)
            SELECT ${floorTo(e.occurredAt, HOUR_MS)}::timestamptz, event_name, ${shardOf(id)}, 1, occurred_at FROM ins
            ON CONFLICT (bucket_start, event_name, shard) DO UPDATE SET
              event_count = product_usage_hourly_counts.event_count + 1,
              last_occurred_at = GREATEST(product_usage_hourly_counts.last_occurred_at, EXCLUDED.last_occurred_at)
          ), days AS (
            INSERT INTO product_usage_workspace_days (day, workspace_id)
            SELECT ${utcDay(e.occurredAt)}::date, workspace_id FROM ins
            ON CONFLICT DO NOTHING
          ), hours AS (
            INSERT INTO product_usage_workspace_hours (bucket_start, workspace_id)
            SELECT ${floorTo(e.occurredAt, HOUR_MS)}::timestamptz, workspace_id FROM ins
            ON CONFLICT DO NOTHING
          )
          SELECT count(*)::int AS n FROM ins`;
        await tx.$executeRawUnsafe('RELEASE SAVEPOINT telemetry');
        if (inserted[0]?.n !== 1) return { status: 'duplicate' };
        metrics.eventsRecorded.inc({ event: e.event });
        return { status: 'recorded', id };
      } catch (err) {
        metrics.recorderFailures.inc();
        // Only the error's class and code: a database message can quote the row it refused.
        log.error({ event: e.event, error: errorCode(err) }, 'telemetry write failed; source action kept');
        try {
          await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT telemetry');
        } catch (rollbackErr) {
          // The connection itself is gone: the source transaction fails with it, as it would anyway.
          log.error({ error: errorCode(rollbackErr) }, 'telemetry savepoint rollback failed');
          throw rollbackErr;
        }
        return { status: 'failed' };
      }
    },
  };
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  return String(e?.code ?? e?.cause?.code ?? e?.name ?? 'unknown');
}
