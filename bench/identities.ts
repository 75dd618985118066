import { CAPABILITIES } from '../server/auth/capabilities.ts';
import { hashPassword } from '../server/auth/passwords.ts';
import type { Db } from '../server/db/client.ts';

export const BENCH_PASSWORD = 'bench password, not a secret';

export type BenchActor = { userId: string; email: string; workspaceId: string; tenantIds: string[] };

/**
 * `count` admin users, each owning (all capabilities) one bench workspace and entitled to its
 * tenants. A cheap scrypt cost: the bench measures actions, not password hashing.
 */
export async function createBenchActors(db: Db, count: number, label: string): Promise<BenchActor[]> {
  const passwordHash = await hashPassword(BENCH_PASSWORD, { N: 1024, r: 8, p: 1 });
  const workspaces = await db.workspace.findMany({
    where: { slug: { startsWith: 'bench-' } },
    include: { tenants: { select: { id: true } } },
    orderBy: { slug: 'asc' },
    take: count,
  });
  if (workspaces.length < count) throw new Error(`need ${count} bench workspaces, found ${workspaces.length}`);
  const actors: BenchActor[] = [];
  for (const [i, w] of workspaces.entries()) {
    const email = `bench-${label}-${i}@bench.test`;
    const user = await db.user.create({
      data: {
        email,
        displayName: `Bench ${label} ${i}`,
        passwordHash,
        memberships: { create: { workspaceId: w.id, capabilities: [...CAPABILITIES] } },
        entitlements: { create: w.tenants.map((t) => ({ tenantId: t.id })) },
      },
    });
    actors.push({ userId: user.id, email, workspaceId: w.id, tenantIds: w.tenants.map((t) => t.id) });
  }
  return actors;
}
