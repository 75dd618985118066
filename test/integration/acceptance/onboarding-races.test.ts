import { describe, expect, it } from 'vitest';
import { CHECKPOINTS } from '../../../server/domain/onboarding/schema.ts';
import { useTestApp } from '../../helpers/app.ts';

const t = useTestApp();

/** The status every session must show for its own tenant link and checkpoints. */
const expectedStatus = (s: { tenantId: string | null; completedCheckpoints: string[] }) =>
  CHECKPOINTS.every((c) => s.completedCheckpoints.includes(c)) ? 'completed' : s.tenantId ? 'in_progress' : 'draft';

describe('onboarding transitions racing each other', () => {
  it('a checkpoint racing the tenant link leaves a status that matches the stored link and checkpoints', async () => {
    const { app, fx } = t;
    const owner = app.caller(await app.adminToken('owner@acme.test'));
    for (let i = 0; i < 8; i++) {
      const draft = await owner.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id });
      await Promise.allSettled([
        owner.onboarding.linkTenant({ onboardingSessionId: draft.id, tenantId: fx.tenants.acmeProd.id }),
        owner.onboarding.completeCheckpoint({ onboardingSessionId: draft.id, checkpoint: 'connection_verified' }),
      ]);
      const stored = await app.db.tenantOnboardingSession.findUniqueOrThrow({ where: { id: draft.id } });
      expect(stored.status).toBe(expectedStatus(stored));
    }
  });

  it('a user not entitled to the tenant being linked never records a checkpoint for it', async () => {
    const { app, fx } = t;
    const owner = app.caller(await app.adminToken('owner@acme.test'));
    // every capability in Acme, but entitled to acme-dev only
    const devOnly = app.caller(await app.adminToken('devonly@acme.test'));
    for (let i = 0; i < 8; i++) {
      const draft = await owner.onboarding.createDraft({ workspaceId: fx.workspaces.acme.id });
      await Promise.allSettled([
        owner.onboarding.linkTenant({ onboardingSessionId: draft.id, tenantId: fx.tenants.acmeProd.id }),
        devOnly.onboarding.completeCheckpoint({ onboardingSessionId: draft.id, checkpoint: 'connection_verified' }),
      ]);
      const rows = await app.db.$queryRaw<{ n: bigint }[]>`
        SELECT count(*)::bigint AS n FROM product_usage_events
         WHERE subject_id = ${draft.id}::uuid AND actor_user_id = ${fx.users.acmeDevOnly.id}::uuid`;
      expect(Number(rows[0]!.n)).toBe(0);
      const stored = await app.db.tenantOnboardingSession.findUniqueOrThrow({ where: { id: draft.id } });
      expect(stored.status).toBe(expectedStatus(stored));
    }
  });
});
