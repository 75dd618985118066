import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../../server/auth/passwords.ts';
import { appRouter } from '../../../server/trpc/router.ts';
import {
  hostileExtraKey,
  hostileForEmail,
  hostileForIdOrEnum,
  hostileForName,
  hostileForPassword,
  hostileWholeInput,
  ownKey,
  type Hostile,
} from './hostile.ts';

export type Plane = 'public' | 'admin' | 'system';
export type ProcedureSpec = {
  plane: Plane;
  type: 'query' | 'mutation';
  /** A valid input; each hostile case replaces one field of it. */
  valid: () => Record<string, unknown>;
  fields: Record<string, fc.Arbitrary<Hostile>>;
};

const id = hostileForIdOrEnum;
const email = hostileForEmail;
const password = hostileForPassword(MAX_PASSWORD_LENGTH);

/**
 * Every procedure that takes input, with the plane that guards it and a hostile generator per field.
 * `procedures without input` lists the rest; a test fails when the router has a procedure in neither.
 */
export const PROCEDURES: Record<string, ProcedureSpec> = {
  'auth.login': { plane: 'public', type: 'mutation', valid: () => ({ email: 'owner@acme.test', password: 'a password' }), fields: { email, password } },
  'auth.logout': { plane: 'admin', type: 'mutation', valid: () => ({}), fields: {} },
  'onboarding.createDraft': { plane: 'admin', type: 'mutation', valid: () => ({ workspaceId: randomUUID() }), fields: { workspaceId: id } },
  'onboarding.linkTenant': {
    plane: 'admin',
    type: 'mutation',
    valid: () => ({ onboardingSessionId: randomUUID(), tenantId: randomUUID() }),
    fields: { onboardingSessionId: id, tenantId: id },
  },
  'onboarding.completeCheckpoint': {
    plane: 'admin',
    type: 'mutation',
    valid: () => ({ onboardingSessionId: randomUUID(), checkpoint: 'connection_verified' }),
    fields: { onboardingSessionId: id, checkpoint: id },
  },
  'support.openDiagnostics': {
    plane: 'admin',
    type: 'mutation',
    valid: () => ({ tenantId: randomUUID(), entryPoint: 'operation_detail', operationRunId: randomUUID() }),
    fields: { tenantId: id, entryPoint: id, operationRunId: id },
  },
  'operations.start': { plane: 'admin', type: 'mutation', valid: () => ({ tenantId: randomUUID(), type: 'inventory.sync' }), fields: { tenantId: id, type: id } },
  'reports.create': {
    plane: 'admin',
    type: 'mutation',
    valid: () => ({ tenantId: randomUUID(), reportType: 'permission_posture' }),
    fields: { tenantId: id, reportType: id },
  },
  'reviewPacks.requestGeneration': { plane: 'admin', type: 'mutation', valid: () => ({ tenantId: randomUUID() }), fields: { tenantId: id } },
  'system.auth.login': { plane: 'public', type: 'mutation', valid: () => ({ email: 'operator@example.test', password: 'a password' }), fields: { email, password } },
  'system.auth.bootstrap': {
    plane: 'public',
    type: 'mutation',
    valid: () => ({ email: 'first@example.test', displayName: 'First', password: 'a long enough password', setupCode: 'a setup code' }),
    fields: {
      email,
      displayName: hostileForName(100),
      password: hostileForPassword(MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH),
      setupCode: hostileForName(200),
    },
  },
  'system.auth.logout': { plane: 'system', type: 'mutation', valid: () => ({}), fields: {} },
  'system.telemetry.summary': { plane: 'system', type: 'query', valid: () => ({ window: '7d' }), fields: { window: id } },
};

/** Procedures whose input is ignored (no parser): nothing to fuzz. */
export const WITHOUT_INPUT = ['auth.me', 'system.auth.status', 'system.auth.me'];

/** Every procedure path of the router, with whether it declares an input parser. */
export function routerProcedures(): { path: string; hasInput: boolean }[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { inputs: unknown[] } }>;
  return Object.entries(procedures).map(([path, p]) => ({ path, hasInput: p._def.inputs.length > 0 }));
}

/** Calls `path` on a caller (`caller.a.b(input)`). */
export function call(caller: unknown, path: string, input: unknown): Promise<unknown> {
  const fn = path.split('.').reduce<any>((node, key) => node[key], caller);
  return fn(input);
}

/** One hostile change to a valid input, and the field an error must name ('' = the input itself). */
export type Case = { input: unknown; field: string; hostile: Hostile[] };

export function hostileCase(spec: ProcedureSpec): fc.Arbitrary<Case> {
  const fieldCases = Object.entries(spec.fields).map(([field, arb]) =>
    arb.map((hostile): Case => ({ input: { ...spec.valid(), [field]: hostile.value }, field, hostile: [hostile] })),
  );
  const extraKey = hostileExtraKey.map(([key, hostile]): Case => ({
    input: ownKey(spec.valid(), key, hostile.value),
    field: '',
    hostile: [{ ...hostile, label: `extra key ${key}` }],
  }));
  const whole = hostileWholeInput.map((hostile): Case => ({ input: hostile.value, field: '', hostile: [hostile] }));
  return fc.oneof(...fieldCases, extraKey, whole);
}

