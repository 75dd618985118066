/**
 * Known usage for the panel's browser test, performed through the real source actions (the domain
 * services, as seed:demo performs them) at controlled times, into the embedded database of a stopped
 * API server. Run as a script: `tsx test/e2e/web/kpi-usage.ts <dataDir> <anchor ISO>`; each action
 * happens `hoursAgo` before the anchor. The spec computes what every window must show from KNOWN_USAGE.
 */
import type { EventName } from '../../../server/telemetry/catalog.ts';

export type KnownAction = { hoursAgo: number; workspace: string; event: EventName };

const at = (hoursAgo: number, workspace: string, event: EventName, times = 1): KnownAction[] =>
  Array.from({ length: times }, (_, i) => ({ hoursAgo: hoursAgo + i, workspace, event }));

/** Every action sits at least an hour from every window's edges, so a test run of minutes cannot move it across one. */
export const KNOWN_USAGE: KnownAction[] = [
  // the last 24 hours
  ...at(1, 'contoso', 'operation.started'),
  ...at(3, 'contoso', 'review_pack.generation_requested'),
  // the rest of the last 7 days
  ...at(30, 'demo-tailspin', 'review_pack.generation_requested'),
  ...at(50, 'contoso', 'operation.started'),
  ...at(52, 'fabrikam', 'operation.started'),
  ...at(72, 'contoso', 'operation.started'),
  ...at(80, 'fabrikam', 'stored_report.created'),
  ...at(96, 'demo-woodgrove', 'support.diagnostics_opened'),
  ...at(100, 'contoso', 'stored_report.created'),
  ...at(120, 'demo-northwind', 'operation.started', 2),
  ...at(130, 'demo-adatum', 'review_pack.generation_requested'),
  // the 7 days before
  ...at(200, 'contoso', 'stored_report.created', 2),
  ...at(216, 'demo-litware', 'support.diagnostics_opened', 4),
  ...at(240, 'contoso', 'operation.started', 4),
  // further back: inside 30d, in the 30 days before, inside 90d, in the 90 days before
  ...at(20 * 24, 'demo-proseware', 'onboarding.checkpoint_completed'),
  ...at(45 * 24, 'demo-relecloud', 'operation.started'),
  ...at(100 * 24, 'fabrikam', 'onboarding.checkpoint_completed'),
  ...at(150 * 24, 'contoso', 'support.diagnostics_opened'),
];

async function main(dataDir: string, anchor: Date) {
  const { openPglite } = await import('../../../server/db/client.ts');
  const { migrate } = await import('../../../server/db/migrate.ts');
  const { createLogger, createMetrics } = await import('../../../server/observability.ts');
  const { createRecorder } = await import('../../../server/telemetry/recorder.ts');
  const { actorsByWorkspace, performAction } = await import('../../../server/seed/demo.ts');
  const database = await openPglite(dataDir);
  try {
    await migrate(database);
    const deps = { database, telemetry: createRecorder({ log: createLogger('silent'), metrics: createMetrics() }) };
    const actors = await actorsByWorkspace(database.prisma);
    for (const [index, action] of KNOWN_USAGE.entries()) {
      await performAction(deps, actors.get(action.workspace)!, action.event, new Date(anchor.getTime() - action.hoursAgo * 3_600_000), index);
    }
  } finally {
    await database.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  await main(process.argv[2]!, new Date(process.argv[3]!));
}
