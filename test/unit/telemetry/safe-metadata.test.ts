import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHECKPOINTS } from '../../../server/domain/onboarding/schema.ts';
import { OPERATION_TYPES } from '../../../server/domain/operations/schema.ts';
import { REPORT_TYPES } from '../../../server/domain/reports/schema.ts';
import { ENTRY_POINTS } from '../../../server/domain/support/schema.ts';
import { CATALOG, EVENT_NAMES, type EventName } from '../../../server/telemetry/catalog.ts';
import { validateEvent, type UsageEvent } from '../../../server/telemetry/recorder.ts';
import {
  MAX_METADATA_KEYS,
  MAX_VALUE_LENGTH,
  checkMetadata,
  type RejectionReason,
} from '../../../server/telemetry/safe-metadata.ts';

const RUNS = { numRuns: 1000 };
const event = fc.constantFrom(...EVENT_NAMES);
/** Well-formed metadata keys (lower-case identifiers). Built once: building inside `chain` is slow. */
const wellFormedKey = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);
/** The key a value is offered under: one the event's schema knows, or any other well-formed key. */
const keyFor = Object.fromEntries(
  EVENT_NAMES.map((e) => {
    const known = Object.keys(CATALOG[e].metadata.shape);
    return [e, fc.oneof(known.length ? fc.constantFrom(...known) : fc.constant('note'), wellFormedKey)];
  }),
) as Record<EventName, fc.Arbitrary<string>>;
/** Offers `value` to every event under a plausible key. */
const offered = <T,>(value: fc.Arbitrary<T>) =>
  event.chain((e) => fc.record({ event: fc.constant(e), key: keyFor[e], value }));

/** Every generated value, offered to every event under a plausible key, is refused for `reason`. */
function refusesAll<T>(values: fc.Arbitrary<T>, reason: RejectionReason | RejectionReason[]) {
  fc.assert(
    fc.property(offered(values), ({ event: e, key, value }) => {
      expect(Array.isArray(reason) ? reason : [reason]).toContain(rejection(e, { [key]: value }));
    }),
    RUNS,
  );
}

function rejection(e: EventName, metadata: unknown): RejectionReason {
  const result = checkMetadata(e, metadata);
  if (result.ok) throw new Error(`accepted ${JSON.stringify(metadata)} for ${e}`);
  return result.reason;
}

/** The valid metadata of each event, generated from the catalog's own enums. */
const validMetadata: { [E in EventName]: fc.Arbitrary<object> } = {
  'onboarding.checkpoint_completed': fc.record({ checkpoint: fc.constantFrom(...CHECKPOINTS) }),
  'support.diagnostics_opened': fc.record({ entry_point: fc.constantFrom(...ENTRY_POINTS), has_operation_context: fc.boolean() }),
  'operation.started': fc.record({ operation_type: fc.constantFrom(...OPERATION_TYPES) }),
  'stored_report.created': fc.record({ report_type: fc.constantFrom(...REPORT_TYPES) }),
  'review_pack.generation_requested': fc.constant({}),
};

describe('safe telemetry metadata (FR-243-004), property-based', () => {
  it('accepts the valid metadata of every event, unchanged', () => {
    fc.assert(
      fc.property(event.chain((e) => fc.tuple(fc.constant(e), validMetadata[e])), ([e, metadata]) => {
        const result = checkMetadata(e, metadata);
        expect(result).toEqual({ ok: true, metadata });
      }),
      RUNS,
    );
  });

  it('never accepts an e-mail address, under any key of any event (reason: email)', () => {
    fc.assert(
      fc.property(offered(fc.emailAddress()), ({ event: e, key, value }) => {
        expect(rejection(e, { [key]: value })).toBe(value.length > MAX_VALUE_LENGTH ? 'oversized_value' : 'email');
      }),
      RUNS,
    );
  });

  it('never accepts an e-mail address hidden inside otherwise safe text', () => {
    const hidden = fc
      .tuple(fc.stringMatching(/^[a-z]{0,6}[:._-]?$/), fc.stringMatching(/^[a-z0-9]{1,10}@[a-z0-9]{1,10}\.[a-z]{2,4}$/), fc.stringMatching(/^[:._-]?[a-z]{0,6}$/))
      .map((parts) => parts.join(''));
    refusesAll(hidden, 'email');
  });

  it('never accepts a URL (reason: url, or email when it carries user@host)', () => {
    const urls = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.webUrl().map((u) => u.replace(/^https?:\/\//, '//')),
      fc.webUrl().map((u) => u.replace(/^https?:\/\//, 'www.')),
      fc.tuple(fc.constantFrom('ftp', 'file', 'ldap', 'javascript', 'git+ssh'), fc.webUrl()).map(([s, u]) => u.replace(/^https?/, s)),
    );
    fc.assert(
      fc.property(offered(urls), ({ event: e, key, value }) => {
        const reason = rejection(e, { [key]: value });
        if (value.length > MAX_VALUE_LENGTH) expect(reason).toBe('oversized_value');
        else if (/[^\s@]+@[^\s@]+/.test(value)) expect(reason).toBe('email');
        else expect(reason).toBe('url');
      }),
      RUNS,
    );
  });

  it('never accepts free text with spaces or punctuation (reason: free_text)', () => {
    const sentence = fc
      .array(fc.stringMatching(/^[A-Za-z0-9]{1,8}$/), { minLength: 2, maxLength: 6 })
      .chain((words) => fc.constantFrom(' ', ', ', '; ', '! ', '? ', ' (', '"', "'", '\n', '\t').map((sep) => words.join(sep)));
    refusesAll(sentence, 'free_text');
  });

  it('never accepts arbitrary unicode or printable text that is not a canonical identifier', () => {
    const text = fc
      .oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ unit: 'grapheme-ascii', maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }))
      .filter((s) => !/^[A-Za-z0-9][A-Za-z0-9_.:+-]*$/.test(s));
    const privacy: RejectionReason[] = ['oversized_value', 'email', 'url', 'token', 'free_text'];
    refusesAll(text, privacy);
  });

  it('never accepts a JWT, a bearer token of either plane or a long secret (reason: token)', () => {
    const b64url = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${min},${max}}$`));
    const tokens = fc.oneof(
      fc.tuple(b64url(1, 12), b64url(1, 20), b64url(0, 20)).map(([h, p, s]) => `ey${h}.${p}.${s}`),
      fc.tuple(fc.constantFrom('tpa_', 'tps_'), b64url(0, 43)).map(([prefix, rest]) => prefix + rest),
      fc.stringMatching(/^[0-9a-f]{40,64}$/),
      fc.stringMatching(/^[A-Za-z0-9+/]{40,62}={0,2}$/).filter((t) => !t.includes('//')),
    );
    refusesAll(tokens, 'token');
  });

  it(`never accepts a string longer than ${MAX_VALUE_LENGTH} characters, however safe it looks (reason: oversized_value)`, () => {
    const long = fc.stringMatching(new RegExp(`^[a-z][a-z0-9_.]{${MAX_VALUE_LENGTH},300}$`));
    refusesAll(long, 'oversized_value');
  });

  it('never accepts a nested object or array as a value (reason: nested_value)', () => {
    const nested = fc.oneof(fc.object(), fc.array(fc.anything()), fc.constant({}), fc.constant([]), validMetadata['support.diagnostics_opened']);
    refusesAll(nested, 'nested_value');
  });

  it('never accepts null, undefined, non-integer numbers, bigints, functions or symbols as values (reason: invalid_value)', () => {
    const odd = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.double().filter((n) => !Number.isSafeInteger(n)),
      fc.bigInt(),
      fc.constant(() => 1),
      fc.constant(Symbol('x')),
    );
    refusesAll(odd, 'invalid_value');
  });

  it('never accepts metadata that is not a plain object (reason: not_an_object)', () => {
    const notPlain = fc.oneof(
      fc.array(fc.anything()),
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.date(),
      fc.constant(new Map([['checkpoint', 'connection_verified']])),
      fc.constant(Object.create({ checkpoint: 'connection_verified' }) as object),
      fc.constant(JSON.parse('{"__proto__": {"polluted": true}}') as object).map((o) => Object.setPrototypeOf({}, o) as object),
    );
    fc.assert(
      fc.property(event, notPlain, (e, value) => {
        expect(rejection(e, value)).toBe('not_an_object');
      }),
      RUNS,
    );
  });

  it('never accepts __proto__, constructor or other prototype keys', () => {
    const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty', 'toString');
    fc.assert(
      fc.property(event, hostileKey, fc.constantFrom('connection_verified', 'x', true), (e, key, value) => {
        // JSON.parse makes `__proto__` an own key, as a request body would.
        const metadata = JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value)}}`) as object;
        const reason = rejection(e, metadata);
        expect(['invalid_key', 'unknown_key']).toContain(reason);
        if (key.startsWith('_')) expect(reason).toBe('invalid_key');
      }),
      RUNS,
    );
    expect(rejection('onboarding.checkpoint_completed', JSON.parse('{"__proto__": {"checkpoint": "connection_verified"}}'))).toBe('invalid_key');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never accepts keys that are not lower-case identifiers, or symbol keys (reason: invalid_key)', () => {
    const badKey = fc.string({ maxLength: 50 }).filter((k) => !/^[a-z][a-z0-9_]{0,39}$/.test(k));
    fc.assert(
      fc.property(event, badKey, (e, key) => {
        expect(rejection(e, { [key]: 'x' })).toBe('invalid_key');
      }),
      RUNS,
    );
    expect(rejection('operation.started', { [Symbol('operation_type')]: 'inventory.sync' })).toBe('invalid_key');
  });

  it(`never accepts more than ${MAX_METADATA_KEYS} keys (reason: too_many_keys)`, () => {
    const many = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/), { minLength: MAX_METADATA_KEYS + 1, maxLength: 40 });
    fc.assert(
      fc.property(event, many, (e, keys) => {
        expect(rejection(e, Object.fromEntries(keys.map((k) => [k, 'x'])))).toBe('too_many_keys');
      }),
      RUNS,
    );
  });

  it('never accepts a safe-looking key the event does not declare (reason: unknown_key)', () => {
    fc.assert(
      fc.property(
        event.chain((e) =>
          fc.tuple(
            fc.constant(e),
            validMetadata[e],
            wellFormedKey.filter((k) => !(k in CATALOG[e].metadata.shape)),
            fc.oneof(fc.boolean(), fc.constantFrom('inventory.sync', 'x', '2026-01-01T00:00:00Z'), fc.integer()),
          ),
        ),
        ([e, metadata, key, value]) => {
          expect(rejection(e, { ...metadata, [key]: value })).toBe('unknown_key');
        },
      ),
      RUNS,
    );
  });

  it("never accepts a safe-looking value outside the event's enum (reason: schema_mismatch)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EVENT_NAMES.filter((e) => Object.keys(CATALOG[e].metadata.shape).length > 0)),
        // identifiers that pass every generic guard (no dots: "ey.x." would look like a JWT)
        fc.stringMatching(/^[a-z][a-z0-9_]{0,30}$/).filter((v) => !/^tp[as]_/.test(v)),
        (e, value) => {
          const keys = Object.keys(CATALOG[e].metadata.shape);
          const metadata = Object.fromEntries(keys.map((k) => [k, value]));
          fc.pre(!CATALOG[e].metadata.safeParse(metadata).success);
          expect(rejection(e, metadata)).toBe('schema_mismatch');
        },
      ),
      RUNS,
    );
  });

  it('requires the keys an event declares (a missing key is schema_mismatch)', () => {
    expect(rejection('onboarding.checkpoint_completed', {})).toBe('schema_mismatch');
    expect(rejection('support.diagnostics_opened', { entry_point: 'tenant_dashboard' })).toBe('schema_mismatch');
  });
});

describe('validateEvent: the recorder refuses a whole event before any write', () => {
  const uuid = fc.uuid();
  const base = (e: EventName): UsageEvent => ({
    event: e,
    workspaceId: '11111111-1111-4111-8111-111111111111',
    tenantId: '22222222-2222-4222-8222-222222222222',
    actorUserId: '33333333-3333-4333-8333-333333333333',
    subjectType: CATALOG[e].subjectTypes[0],
    subjectId: '44444444-4444-4444-8444-444444444444',
    metadata: fc.sample(validMetadata[e], 1)[0],
    occurredAt: new Date('2026-03-01T10:00:00Z'),
    eventKey: `${e}:test`,
  }) as UsageEvent;

  it('accepts a well-formed event of each kind', () => {
    fc.assert(
      fc.property(event, uuid, uuid, (e, workspaceId, subjectId) => {
        expect(validateEvent({ ...base(e), workspaceId, subjectId }).ok).toBe(true);
      }),
      RUNS,
    );
  });

  it('refuses an event name outside the catalog (unknown_event)', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !(EVENT_NAMES as string[]).includes(s)), (name) => {
        expect(validateEvent({ ...base('operation.started'), event: name as EventName })).toEqual({ ok: false, reason: 'unknown_event' });
      }),
      RUNS,
    );
  });

  it('refuses a workspace, tenant or actor that is not a UUID (invalid_scope)', () => {
    fc.assert(
      fc.property(event, fc.constantFrom('workspaceId', 'tenantId', 'actorUserId'), fc.oneof(fc.string(), fc.emailAddress()), (e, field, bad) => {
        fc.pre(!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(bad));
        expect(validateEvent({ ...base(e), [field]: bad })).toEqual({ ok: false, reason: 'invalid_scope' });
      }),
      RUNS,
    );
  });

  it('refuses a subject type the event does not declare, or a subject id that is not a UUID (invalid_subject)', () => {
    expect(validateEvent({ ...base('operation.started'), subjectType: 'tenant' as never })).toEqual({ ok: false, reason: 'invalid_subject' });
    expect(validateEvent({ ...base('stored_report.created'), subjectId: 'report-1' })).toEqual({ ok: false, reason: 'invalid_subject' });
    expect(validateEvent({ ...base('support.diagnostics_opened'), subjectType: 'operation_run' }).ok).toBe(true);
  });

  it('refuses an invalid time or an oversized event key (invalid_value)', () => {
    expect(validateEvent({ ...base('operation.started'), occurredAt: new Date('nope') })).toEqual({ ok: false, reason: 'invalid_value' });
    expect(validateEvent({ ...base('operation.started'), eventKey: 'k'.repeat(201) })).toEqual({ ok: false, reason: 'invalid_value' });
  });

  it('refuses the whole event when its metadata is unsafe, with the metadata reason', () => {
    expect(validateEvent({ ...base('operation.started'), metadata: { operation_type: 'someone@example.com' } as never })).toEqual({
      ok: false,
      reason: 'email',
    });
  });
});
