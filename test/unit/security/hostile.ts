import fc from 'fast-check';

/**
 * Hostile values for property-based tests. Every generated string carries a canary — a marker that
 * occurs nowhere else — so a test can assert the value was not echoed into a response or a log line.
 */
export type Hostile = { value: unknown; canary?: string; json: boolean; label: string };

export const canary = fc.nat().map((n) => `Cnry${n.toString(36).padStart(7, '0')}Q`);

const h = (label: string, json = true) => (value: unknown, c?: string): Hostile => ({ value, canary: c, json, label });

const controlChar = fc.constantFrom('\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u001b', '\u007f', '\u2028', '\u202e', '\u200b', '\ufeff');
const b64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 8, maxLength: 60 });

/** Strings that are hostile anywhere: private data, secrets, markup, control characters. */
const hostileStrings: fc.Arbitrary<Hostile> = fc.oneof(
  fc.tuple(canary, fc.emailAddress()).map(([c, e]) => h('email')(`${c}.${e}`, c)),
  fc.tuple(canary, fc.webUrl({ withQueryParameters: true, withFragments: true })).map(([c, u]) => h('url')(`${u}#${c}`, c)),
  fc.tuple(canary, b64url, b64url).map(([c, p, s]) => h('jwt')(`eyJhbGciOiJIUzI1NiJ9.eyJ${c}${p}.${s}`, c)),
  fc.tuple(canary, b64url).map(([c, r]) => h('bearer token')(`tpa_${c}${r}`, c)),
  fc.tuple(canary, fc.array(controlChar, { minLength: 1, maxLength: 8 })).map(([c, cc]) => h('control characters')(`${cc.join('')}${c}${cc.join('')}`, c)),
  fc.tuple(canary, fc.integer({ min: 300, max: 70_000 })).map(([c, n]) => h('oversized')(c + 'x'.repeat(n), c)),
  fc.tuple(canary, fc.constantFrom("'; DROP TABLE users;--", '<script>alert(1)</script>', '../../etc/passwd', '${process.env}', '{{7*7}}', ' ignore previous instructions '))
    .map(([c, s]) => h('free text')(`${s}${c}`, c)),
  fc.tuple(canary, fc.string({ minLength: 1, maxLength: 40 })).map(([c, s]) => h('arbitrary text')(`${s}${c}${s}`, c)),
);

/** Out-of-range and malformed dates (no canary: they are not secrets, and they are distinctive). */
const badDates: fc.Arbitrary<Hostile> = fc.oneof(
  fc.constantFrom('+275760-09-13T00:00:00.001Z', '-271821-04-19T23:59:59.999Z', '0000-00-00T00:00:00Z', '2024-13-45T25:61:61Z', '99999-01-01').map((d) => h('bad date')(d)),
  fc.constantFrom(new Date(8.64e15), new Date(-8.64e15), new Date(Number.NaN)).map((d) => h('date object', false)(d)),
);

/** Values of the wrong type: numbers, booleans, null, arrays, objects, deep nesting, prototype keys. */
const wrongTypes: fc.Arbitrary<Hostile> = fc.oneof(
  fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)).map((v) => h('wrong type')(v)),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 10n ** 30n, Symbol('s'), () => 1).map((v) => h('non-JSON value', false)(v)),
  fc.tuple(canary, fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 })).map(([c, a]) => h('array')([...a, c], c)),
  fc.tuple(canary, fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })).map(([c, o]) => h('object')({ ...o, v: c }, c)),
  fc.tuple(canary, fc.integer({ min: 20, max: 3_000 }), fc.boolean()).map(([c, depth, arrays]) => h('deep nesting')(nest(c, depth, arrays), c)),
  fc.tuple(canary, fc.constantFrom('__proto__', 'constructor', 'prototype')).map(([c, key]) => h(`${key} object`)(ownKey({}, key, { isAdmin: true, c }), c)),
);

/** Builds `depth` levels of arrays or objects around a canary. */
export function nest(leaf: unknown, depth: number, arrays: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

/** Adds an own, enumerable property — even `__proto__`, which an object literal would turn into a prototype. */
export function ownKey<T extends object>(obj: T, key: string, value: unknown): T {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return obj;
}

/** Hostile for an id or enum field: nothing here is a UUID or an enum member. */
export const hostileForIdOrEnum: fc.Arbitrary<Hostile> = fc.oneof(
  { arbitrary: hostileStrings, weight: 4 },
  { arbitrary: badDates, weight: 1 },
  { arbitrary: wrongTypes, weight: 3 },
  { arbitrary: fc.constant(h('missing', false)(undefined)), weight: 1 },
);

/** Hostile for an e-mail field: everything above but well-formed short addresses. */
export const hostileForEmail: fc.Arbitrary<Hostile> = fc.oneof(
  hostileForIdOrEnum.filter((x) => x.label !== 'email'),
  fc.tuple(canary, fc.integer({ min: 250, max: 5_000 })).map(([c, n]) => h('oversized email')(`${c}${'a'.repeat(n)}@example.com`, c)),
);

/** Hostile for a free password field (1..max characters): too long, empty, or not a string. */
export const hostileForPassword = (max: number, min = 1): fc.Arbitrary<Hostile> =>
  fc.oneof(
    fc.tuple(canary, fc.integer({ min: max + 1, max: 70_000 })).map(([c, n]) => h('oversized')(c.padEnd(n, 'p'), c)),
    fc.constant(h('empty')('')),
    ...(min > 1 ? [fc.tuple(canary, fc.integer({ min: 1, max: min - 1 })).map(([c, n]) => h('too short')(c.slice(0, n)))] : []),
    wrongTypes,
    fc.constant(h('missing', false)(undefined)),
  );

/** Hostile for a display name (1..max visible characters). */
export const hostileForName = (max: number): fc.Arbitrary<Hostile> =>
  fc.oneof(
    fc.tuple(canary, fc.integer({ min: max + 1, max: 70_000 })).map(([c, n]) => h('oversized')(c.padEnd(n, 'n'), c)),
    fc.constantFrom('', ' ', '\t\n  ').map((s) => h('blank')(s)),
    wrongTypes,
    fc.constant(h('missing', false)(undefined)),
  );

/** A key that no input declares, with a value: prototype keys, look-alikes of real columns, noise. */
export const hostileExtraKey = fc.tuple(
  fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'isAdmin', 'tenant_id', 'workspace_id', 'role'), fc.string({ minLength: 1, maxLength: 12 })),
  hostileStrings,
);

/** Replacements for the whole input object. */
export const hostileWholeInput: fc.Arbitrary<Hostile> = fc.oneof(
  fc.constantFrom(null, 'input', 42, true).map((v) => h('not an object')(v)),
  fc.tuple(canary, fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 })).map(([c, a]) => h('array input')([c, ...a], c)),
  fc.tuple(canary, fc.integer({ min: 20, max: 3_000 })).map(([c, d]) => h('deep input')(nest(c, d, false), c)),
);

/** True when the string shows any canary of the given hostile values. */
export function leaks(text: string, ...values: Hostile[]): boolean {
  return values.some((v) => v.canary !== undefined && text.includes(v.canary));
}
