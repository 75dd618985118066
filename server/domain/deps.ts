import type { Database, Db } from '../db/client.ts';
import type { Recorder } from '../telemetry/recorder.ts';

/**
 * What a source action needs: the database (plain-SQL transactions for the five seams, Prisma for
 * everything else), the telemetry recorder and a clock.
 */
export type ServiceDeps = { db: Db; database: Database; telemetry: Recorder; now: () => Date };

/** The admin-plane user performing an action (already authenticated). */
export type Actor = { userId: string };
