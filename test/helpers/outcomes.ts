import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import type { Database } from '../../server/db/client.ts';

export type Outcome = { code: string; message: string };

/** How a call ended: 'OK', a tRPC error code with its message, or 'THROWN' for anything else. */
export function outcome(p: Promise<unknown>): Promise<Outcome> {
  return p.then(
    () => ({ code: 'OK', message: '' }),
    (e: unknown) => (e instanceof TRPCError ? { code: e.code, message: e.message } : { code: 'THROWN', message: String(e) }),
  );
}

/** Awaits a call that must fail with `code`; returns the error. */
export async function expectTrpcError(p: Promise<unknown>, code: TRPCError['code']): Promise<TRPCError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  return error as TRPCError;
}

/** The field paths a BAD_REQUEST names (from the input validation issues it carries). */
export function fieldPaths(error: TRPCError): string[] {
  const issues = (error.cause as { issues?: { path: PropertyKey[]; code?: string; keys?: string[] }[] } | undefined)?.issues ?? [];
  return issues.flatMap((i) =>
    i.code === 'unrecognized_keys' && i.keys ? i.keys.map((k) => [...i.path, k].join('.')) : [i.path.map(String).join('.')],
  );
}

export type TableSnapshot = Record<string, { rows: number; checksum: string }>;

/**
 * Every table of the database with its row count and a checksum of its contents, so a test can
 * prove that an action changed nothing at all (source truth, audit log, ledger, rollups, sessions).
 */
export async function snapshotTables(db: Database['prisma']): Promise<TableSnapshot> {
  const tables = await db.$queryRaw<{ name: string }[]>`
    SELECT table_name::text AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
     ORDER BY table_name`;
  const snapshot: TableSnapshot = {};
  for (const { name } of tables) {
    const [row] = await db.$queryRawUnsafe<{ rows: number; checksum: string | null }[]>(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS checksum FROM "${name}" t`,
    );
    snapshot[name] = { rows: row!.rows, checksum: row!.checksum ?? '' };
  }
  return snapshot;
}

/** Ledger rows as stored, every column, oldest first (for assertions only). */
export async function ledgerRows(db: Database['prisma']) {
  return db.$queryRaw<
    {
      id: string;
      workspace_id: string;
      tenant_id: string;
      event_name: string;
      feature_area: string;
      actor_user_id: string;
      subject_type: string;
      subject_id: string;
      occurred_at: Date;
      metadata: Record<string, unknown>;
      row_json: string;
    }[]
  >`SELECT e.id::text, e.workspace_id::text, e.tenant_id::text, e.event_name, e.feature_area, e.actor_user_id::text,
           e.subject_type, e.subject_id::text, e.occurred_at, e.metadata, to_jsonb(e)::text AS row_json
      FROM product_usage_events e ORDER BY e.occurred_at, e.id`;
}

/** Total ledger rows. */
export async function ledgerTotal(db: Database['prisma']): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM product_usage_events`;
  return row!.n;
}
