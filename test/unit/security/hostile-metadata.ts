import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { CATALOG, EVENT_NAMES, type EventName } from '../../../server/telemetry/catalog.ts';
import type { UsageEvent } from '../../../server/telemetry/recorder.ts';
import { MAX_METADATA_KEYS } from '../../../server/telemetry/safe-metadata.ts';
import { canary, nest, ownKey } from './hostile.ts';

/** A valid metadata object per event (what the source seams pass). */
export const VALID: Record<EventName, () => Record<string, unknown>> = {
  'onboarding.checkpoint_completed': () => ({ checkpoint: 'permissions_granted' }),
  'support.diagnostics_opened': () => ({ entry_point: 'operation_detail', has_operation_context: true }),
  'operation.started': () => ({ operation_type: 'policy.backup' }),
  'stored_report.created': () => ({ report_type: 'entra_admin_roles' }),
  'review_pack.generation_requested': () => ({}),
};

export function validEvent(event: EventName, ...metadataArg: [unknown?]): UsageEvent {
  const metadata = metadataArg.length ? metadataArg[0] : VALID[event]();
  return {
    event,
    workspaceId: randomUUID(),
    tenantId: randomUUID(),
    actorUserId: randomUUID(),
    subjectType: CATALOG[event].subjectTypes[0],
    subjectId: randomUUID(),
    metadata,
    occurredAt: new Date(),
    eventKey: `${event}:${randomUUID()}`,
  } as UsageEvent;
}

const b64 = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 4, maxLength: 30 });

/** A hostile value and the rejection reasons it may legitimately get (the first guard that fires). */
type HostileValue = { value: unknown; reasons: string[]; canary?: string };
const hv = (reasons: string[]) => (value: unknown, c?: string): HostileValue => ({ value, reasons, canary: c });
const VALUE_REASONS = ['oversized_value', 'email', 'url', 'token', 'free_text', 'invalid_value', 'nested_value', 'schema_mismatch'];

const hostileValue: fc.Arbitrary<HostileValue> = fc.oneof(
  fc.tuple(canary, fc.emailAddress()).map(([c, e]) => hv(['email', 'oversized_value'])(`${c}${e}`, c)),
  fc.tuple(canary, fc.webUrl()).map(([c, u]) => hv(['url', 'email', 'oversized_value'])(`${u}/${c}`, c)),
  fc.tuple(canary, fc.constantFrom('www.', '//')).map(([c, p]) => hv(['url'])(`${p}${c}.example`, c)),
  fc.tuple(canary, b64, b64).map(([c, a, b]) => hv(['token', 'oversized_value'])(`eyJ${a}.${c}${b}.sig`, c)),
  fc.tuple(canary, b64, fc.constantFrom('tpa_', 'tps_')).map(([c, r, p]) => hv(['token'])(`${p}${c}${r}`, c)),
  fc.tuple(canary, fc.integer({ min: 0, max: 2 })).map(([c, n]) => hv(['token'])(`${c}${'A1b2C3d4'.repeat(4 + n)}`, c)),
  fc.tuple(canary, fc.constantFrom(' with a space', '!', '\u0000', '\u202e', 'ü', '"', "'", '<b>', ';', '\n')).map(([c, s]) => hv(['free_text'])(`${c}${s}`, c)),
  fc.tuple(canary, fc.integer({ min: 65, max: 20_000 })).map(([c, n]) => hv(['oversized_value'])(c.padEnd(n, 'z'), c)),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 1.5, 2 ** 60, -(2 ** 60), null, undefined, 10n, Symbol('s'), () => 1).map((v) => hv(['invalid_value'])(v)),
  fc.tuple(canary, fc.integer({ min: 1, max: 500 })).map(([c, d]) => hv(['nested_value'])(nest(c, d, d % 2 === 0), c)),
  fc.constantFrom(new Date(8.64e15), new Date(Number.NaN), new Date(), new Map(), [], {}).map((v) => hv(['nested_value'])(v)),
  fc.tuple(canary).map(([c]) => hv(['nested_value'])(ownKey({}, '__proto__', { polluted: c }), c)),
  // Well-formed but not this key's enum: timestamps and canonical-looking strings out of range.
  fc.constantFrom('275760-09-13T00:00:00.000Z', '2024-01-01T00:00:00Z', 'connection_verified_x', 'tenant_dashboard2', 'inventory.sync.all', 'true', '1').map((v) => hv(['schema_mismatch'])(v)),
  fc.integer().map((v) => hv(['schema_mismatch'])(v)),
);

const DECLARED_KEYS = new Set(EVENT_NAMES.flatMap((e) => Object.keys(CATALOG[e].metadata.shape)));

/** A key no schema declares, or one that is not even a well-formed key. */
const hostileKey: fc.Arbitrary<{ key: string | symbol; reasons: string[] }> = fc.oneof(
  fc.constantFrom('__proto__', 'Constructor', 'toString()', 'e-mail', 'has space', '', '_private', '1st', 'x'.repeat(41)).map((key) => ({ key, reasons: ['invalid_key'] })),
  fc.constantFrom('constructor', 'prototype', 'note', 'email', 'url', 'token', 'user_agent', 'ip_address', 'payload').map((key) => ({ key, reasons: ['unknown_key', ...VALUE_REASONS] })),
  fc
    .string({ minLength: 1, maxLength: 20 })
    .filter((key) => !DECLARED_KEYS.has(key))
    .map((key) => ({ key, reasons: ['invalid_key', 'unknown_key', ...VALUE_REASONS] })),
  fc.constant<{ key: string | symbol; reasons: string[] }>({ key: Symbol('k'), reasons: ['invalid_key'] }),
);

export type MetadataCase = { event: EventName; metadata: unknown; reasons: string[]; canary?: string };

/** Valid metadata with one hostile change: a known key's value, an extra key, too many keys, or not an object. */
export const hostileMetadata: fc.Arbitrary<MetadataCase> = fc.constantFrom(...EVENT_NAMES).chain((event) => {
  const known = Object.keys(VALID[event]());
  const replaceValue = known.length
    ? [fc.tuple(fc.constantFrom(...known), hostileValue).map(([key, v]): MetadataCase => ({ event, metadata: { ...VALID[event](), [key]: v.value }, reasons: v.reasons, canary: v.canary }))]
    : [];
  return fc.oneof(
    ...replaceValue,
    fc.tuple(hostileKey, hostileValue).map(([k, v]): MetadataCase => {
      const metadata = ownKey(VALID[event](), k.key as string, v.value);
      return { event, metadata, reasons: [...k.reasons, ...v.reasons], canary: v.canary };
    }),
    fc.tuple(hostileKey, fc.constantFrom('enum_like', true, 1)).map(([k, value]): MetadataCase => {
      const metadata = ownKey(VALID[event](), k.key as string, value);
      return { event, metadata, reasons: k.reasons };
    }),
    fc.integer({ min: MAX_METADATA_KEYS + 1, max: 200 }).map((n): MetadataCase => ({
      event,
      metadata: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, true])),
      reasons: ['too_many_keys'],
    })),
    fc.constantFrom(null, undefined, 'checkpoint=connection_verified', 42, [], [VALID[event]()], new Map(Object.entries(VALID[event]())), new Date())
      .map((metadata): MetadataCase => ({ event, metadata, reasons: ['not_an_object'] })),
    fc.constant<MetadataCase>({ event, metadata: Object.assign(Object.create({ injected: 'Cnry0000000Q' }), VALID[event]()), reasons: ['not_an_object'] }),
  );
});

