import { CATALOG, type EventName } from './catalog.ts';

/**
 * FR-243-004: telemetry metadata holds only bounded IDs, enums, booleans, timestamps and canonical
 * type strings. These generic guards run before an event's own closed schema, so that private data
 * is refused (and classified) even if a schema were ever loosened by mistake.
 */
export const REJECTION_REASONS = [
  'unknown_event',
  'invalid_scope',
  'invalid_subject',
  'not_an_object',
  'too_many_keys',
  'invalid_key',
  'nested_value',
  'oversized_value',
  'email',
  'url',
  'token',
  'free_text',
  'invalid_value',
  'unknown_key',
  'schema_mismatch',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const MAX_METADATA_KEYS = 8;
export const MAX_VALUE_LENGTH = 64;

const KEY = /^[a-z][a-z0-9_]{0,39}$/;
const EMAIL = /[^\s@]+@[^\s@]+/;
const URL_LIKE = /([a-z][a-z0-9+.-]*:\/\/|^www\.|\/\/)/i;
// JWTs, bearer tokens of either plane, long base64/hex secrets.
const TOKEN_LIKE = /(^ey[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.|^tp[as]_|^[A-Za-z0-9+/_-]{40,}={0,2}$)/;
// Enum values, canonical type strings, UUIDs and ISO-8601 timestamps: no spaces, no punctuation
// beyond `_ . : - +`.
const SAFE_TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.:+-]*$/;

export type MetadataCheck = { ok: true; metadata: Record<string, string | number | boolean> } | { ok: false; reason: RejectionReason; key?: string };

export function checkMetadata(event: EventName, raw: unknown): MetadataCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not_an_object' };
  const proto = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) return { ok: false, reason: 'not_an_object' };
  const keys = Reflect.ownKeys(raw);
  if (keys.length > MAX_METADATA_KEYS) return { ok: false, reason: 'too_many_keys' };
  for (const key of keys) {
    if (typeof key !== 'string' || !KEY.test(key)) return { ok: false, reason: 'invalid_key' };
    const value = (raw as Record<string, unknown>)[key];
    const problem = checkValue(value);
    if (problem) return { ok: false, reason: problem, key };
  }
  const parsed = CATALOG[event].metadata.safeParse(raw);
  if (!parsed.success) {
    const unknown = parsed.error.issues.find((i) => i.code === 'unrecognized_keys');
    return unknown ? { ok: false, reason: 'unknown_key' } : { ok: false, reason: 'schema_mismatch', key: String(parsed.error.issues[0]?.path[0] ?? '') };
  }
  return { ok: true, metadata: parsed.data as Record<string, string | number | boolean> };
}

function checkValue(value: unknown): RejectionReason | undefined {
  switch (typeof value) {
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isSafeInteger(value) ? undefined : 'invalid_value';
    case 'string':
      if (value.length > MAX_VALUE_LENGTH) return 'oversized_value';
      if (EMAIL.test(value)) return 'email';
      if (URL_LIKE.test(value)) return 'url';
      if (TOKEN_LIKE.test(value)) return 'token';
      if (!SAFE_TOKEN.test(value)) return 'free_text';
      return undefined;
    case 'object':
      return value === null ? 'invalid_value' : 'nested_value';
    default:
      return 'invalid_value';
  }
}
