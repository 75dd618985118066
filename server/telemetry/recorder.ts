import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { PING, sqlRunner, statement, type SqlRunner, type Tx } from '../db/client.ts';
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
   * Records one event as the last step of the source action's transaction `tx`, inside a
   * subtransaction (a savepoint): the row becomes visible only when the source commits, and a failed
   * write rolls back only the subtransaction. Rejections and failures are logged (without the
   * payload) and counted, never thrown — unless the source transaction itself can no longer commit.
   */
  record<E extends EventName>(tx: SqlRunner | Tx, event: UsageEvent<E>): Promise<RecordOutcome>;
};

// product_usage_record (prisma/migrations/*_telemetry_rollups_v2) writes the ledger row and, only when
// it was new, its rollups, inside its own subtransaction, and reports a failure instead of raising it,
// so the source transaction stays usable.
const RECORD = statement(
  'telemetry_record',
  `SELECT product_usage_record($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::uuid, $7, $8::uuid, $9::timestamptz,
     $10::jsonb, $11, $12::timestamptz, $13::date, $14::smallint) AS outcome`,
);


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
  if (!(e.occurredAt instanceof Date) || !(e.occurredAt.getUTCFullYear() >= 1970 && e.occurredAt.getUTCFullYear() <= 9999) || typeof e.eventKey !== 'string' || e.eventKey.length > 200 || e.eventKey.includes('\u0000')) {
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
      const sql = sqlRunner(tx);
      let outcome: string | undefined;
      try {
        // One round trip, a statement prepared once per connection.
        const [row] = await sql.query<{ outcome: string }>(RECORD, [
          id, e.workspaceId, e.tenantId, e.event, entry.featureArea, e.actorUserId, e.subjectType, e.subjectId,
          e.occurredAt, JSON.stringify(valid.metadata), e.eventKey, floorTo(e.occurredAt, HOUR_MS), utcDay(e.occurredAt), shardOf(id),
        ]);
        outcome = row?.outcome;
      } catch (err) {
        metrics.recorderFailures.inc();
        // The call itself failed, not the write inside it. If that aborted the source transaction,
        // its COMMIT would silently roll back: fail the source action loudly instead.
        const usable = await sql.query(PING, []).then(() => true, () => false);
        log.error({ event: e.event, error: errorCode(err) }, usable ? 'telemetry write failed; source action kept' : 'telemetry write failed; source transaction aborted');
        if (!usable) throw err;
        return { status: 'failed' };
      }
      if (outcome === 'recorded') {
        metrics.eventsRecorded.inc({ event: e.event });
        return { status: 'recorded', id };
      }
      if (outcome === 'duplicate') return { status: 'duplicate' };
      metrics.recorderFailures.inc();
      // Only the SQLSTATE: a database message can quote the row it refused.
      log.error({ event: e.event, error: String(outcome).replace(/^failed:/, '') }, 'telemetry write failed; source action kept');
      return { status: 'failed' };
    },
  };
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  return String(e?.code ?? e?.cause?.code ?? e?.name ?? 'unknown');
}
