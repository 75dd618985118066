import type { SqlSession } from '../server/db/client.ts';
import { COUNT_SHARDS, DAY_MS } from '../server/telemetry/buckets.ts';

/**
 * Bulk datasets for the bench: a few hundred workspaces with two or three tenants each, and a ledger
 * of N events spread evenly (with jitter) over `days` days ending at `end`, in time order as an
 * append-only ledger would be. Rows come from generate_series in large INSERT … SELECT statements,
 * never one insert per row; the rollups are then derived from the ledger with the same bucketing the
 * recorder applies one row at a time (server/telemetry/buckets.ts), and checked against naive counts
 * by every summary run of the bench.
 */
export type DatasetSpec = { events: number; days: number; workspaces: number; end: Date };

/** Event mix (percent) and metadata variants, roughly what a tenant admin population produces. */
const MIX: { event: string; area: string; subject: string; pct: number; metadata: string[] }[] = [
  {
    event: 'onboarding.checkpoint_completed',
    area: 'onboarding',
    subject: 'onboarding_session',
    pct: 8,
    metadata: ['connection_verified', 'permissions_granted', 'initial_sync_completed', 'baseline_captured'].map((c) => JSON.stringify({ checkpoint: c })),
  },
  {
    event: 'support.diagnostics_opened',
    area: 'support',
    subject: 'tenant',
    pct: 22,
    metadata: [
      JSON.stringify({ entry_point: 'tenant_dashboard', has_operation_context: false }),
      JSON.stringify({ entry_point: 'operation_detail', has_operation_context: true }),
    ],
  },
  {
    event: 'operation.started',
    area: 'operations',
    subject: 'operation_run',
    pct: 40,
    metadata: ['inventory.sync', 'policy.backup', 'compliance.scan', 'permission_posture.refresh'].map((t) => JSON.stringify({ operation_type: t })),
  },
  {
    event: 'stored_report.created',
    area: 'reports',
    subject: 'stored_report',
    pct: 20,
    metadata: ['entra_admin_roles', 'permission_posture'].map((t) => JSON.stringify({ report_type: t })),
  },
  { event: 'review_pack.generation_requested', area: 'review_packs', subject: 'review_pack', pct: 10, metadata: ['{}'] },
];

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Workspaces `bench-<i>` with 2 or 3 tenants each; returns how many tenants were created. */
export async function seedScope(s: SqlSession, workspaces: number): Promise<number> {
  await s.exec(`
    INSERT INTO workspaces (id, name, slug, created_at)
    SELECT gen_random_uuid(), 'Bench workspace ' || i, 'bench-' || i, now() FROM generate_series(1, ${workspaces}) i;
    INSERT INTO tenants (id, workspace_id, slug, name, connection_status, connected_at, created_at)
    SELECT gen_random_uuid(), w.id, w.slug || '-t' || k, w.name || ' tenant ' || k, 'connected', now(), now()
      FROM workspaces w CROSS JOIN generate_series(1, 3) k
     WHERE w.slug LIKE 'bench-%' AND (k <= 2 OR substr(w.slug, 7)::int % 2 = 0);`);
  const [row] = await s.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenants WHERE slug LIKE 'bench-%'`);
  return row!.n;
}

type Restorable = { drop: string[]; create: string[] };

/**
 * Drops the ledger's constraints and indexes (except NOT NULL) so a bulk load writes the heap only;
 * returns the statements that restore them. Rebuilding an index once is several times cheaper than
 * maintaining it row by row during a 10M-row load.
 */
async function detachLedgerIndexes(s: SqlSession): Promise<Restorable> {
  const cons = await s.query<{ name: string; def: string; contype: string }>(`
    SELECT conname AS name, pg_get_constraintdef(oid) AS def, contype::text AS contype FROM pg_constraint
     WHERE conrelid = 'product_usage_events'::regclass AND contype IN ('p', 'u', 'f')`);
  const idx = await s.query<{ name: string; def: string }>(`
    SELECT indexname AS name, indexdef AS def FROM pg_indexes
     WHERE tablename = 'product_usage_events' AND schemaname = current_schema()
       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'product_usage_events'::regclass)`);
  // primary/unique first (foreign keys of other tables could need them), then plain indexes, then FKs
  const order = (c: { contype: string }) => (c.contype === 'f' ? 2 : 0);
  return {
    drop: [
      ...cons.filter((c) => c.contype === 'f').map((c) => `ALTER TABLE product_usage_events DROP CONSTRAINT "${c.name}"`),
      ...idx.map((i) => `DROP INDEX "${i.name}"`),
      ...cons.filter((c) => c.contype !== 'f').map((c) => `ALTER TABLE product_usage_events DROP CONSTRAINT "${c.name}"`),
    ],
    create: [
      ...cons.filter((c) => order(c) === 0).map((c) => `ALTER TABLE product_usage_events ADD CONSTRAINT "${c.name}" ${c.def}`),
      ...idx.map((i) => i.def),
      ...cons.filter((c) => order(c) === 2).map((c) => `ALTER TABLE product_usage_events ADD CONSTRAINT "${c.name}" ${c.def}`),
    ],
  };
}

/**
 * Appends `spec.events` ledger rows (in chunks, for progress) and rebuilds indexes and rollups.
 * `onProgress` receives rows loaded so far.
 */
export async function loadLedger(
  s: SqlSession,
  spec: DatasetSpec,
  opts: { chunk?: number; onProgress?: (rows: number, phase: string) => void; detachIndexes?: boolean } = {},
) {
  const chunk = opts.chunk ?? 1_000_000;
  const pick: string[] = [];
  for (const m of MIX) for (let k = 0; k < m.pct; k++) pick.push(`(${pick.length}, ${lit(m.event)}, ${lit(m.area)}, ${lit(m.subject)}, ${lit(m.metadata[k % m.metadata.length]!)}::jsonb)`);
  if (pick.length !== 100) throw new Error('event mix must sum to 100%');
  await s.exec(`
    DROP TABLE IF EXISTS bench_pick; DROP TABLE IF EXISTS bench_scope;
    CREATE TEMP TABLE bench_pick (pct int PRIMARY KEY, event_name text, feature_area text, subject_type text, metadata jsonb);
    INSERT INTO bench_pick VALUES ${pick.join(', ')};
    CREATE TEMP TABLE bench_scope AS
      SELECT (row_number() OVER (ORDER BY t.slug) - 1)::int AS idx, t.id AS tenant_id, t.workspace_id, gen_random_uuid() AS actor_id
        FROM tenants t JOIN workspaces w ON w.id = t.workspace_id WHERE w.slug LIKE 'bench-%';
    CREATE UNIQUE INDEX ON bench_scope (idx);
    ANALYZE bench_pick; ANALYZE bench_scope;`);
  const [{ n: tenants }] = (await s.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_scope')) as [{ n: number }];
  if (tenants === 0) throw new Error('seedScope first');

  const restore = opts.detachIndexes === false ? { drop: [], create: [] } : await detachLedgerIndexes(s);
  for (const sql of restore.drop) await s.exec(sql);

  const start = spec.end.getTime() - spec.days * DAY_MS;
  const span = spec.days * DAY_MS;
  for (let a = 0; a < spec.events; a += chunk) {
    const b = Math.min(spec.events, a + chunk) - 1;
    await s.exec(`
      INSERT INTO product_usage_events
        (id, workspace_id, tenant_id, event_name, feature_area, actor_user_id, subject_type, subject_id, occurred_at, metadata, event_key)
      SELECT r.id, sc.workspace_id, sc.tenant_id, p.event_name, p.feature_area, sc.actor_id, p.subject_type,
             CASE WHEN p.subject_type = 'tenant' THEN sc.tenant_id ELSE gen_random_uuid() END,
             r.occurred_at, p.metadata, p.event_name || ':' || r.id
        FROM (SELECT gen_random_uuid() AS id,
                     to_timestamp((${start} + (i + random()) * ${span / spec.events}) / 1000.0) AS occurred_at,
                     floor(random() * ${tenants})::int AS ti, floor(random() * 100)::int AS pct
                FROM generate_series(${a}, ${b}) i) r
        JOIN bench_scope sc ON sc.idx = r.ti
        JOIN bench_pick p ON p.pct = r.pct`);
    opts.onProgress?.(b + 1, 'ledger');
  }
  for (const sql of restore.create) {
    opts.onProgress?.(spec.events, sql.slice(0, 60));
    await s.exec(sql);
  }
  opts.onProgress?.(spec.events, 'rollups');
  await rebuildRollups(s);
  opts.onProgress?.(spec.events, 'analyze');
  // VACUUM sets the visibility map, so the summary's probes and edge scans run index-only, as they
  // do on a ledger that autovacuum keeps up with.
  await s.exec('VACUUM ANALYZE product_usage_events');
  await s.exec('ANALYZE product_usage_hourly_counts; ANALYZE product_usage_daily_counts; ANALYZE product_usage_workspace_activity; ANALYZE workspaces; ANALYZE tenants');
  await s.exec('DROP TABLE IF EXISTS bench_pick; DROP TABLE IF EXISTS bench_scope');
}

/**
 * The rollups as the recorder would have left them after recording every ledger row: the same
 * buckets (UTC hour, UTC day) and the same shard function (`get_byte(uuid_send(id), 0) % shards`),
 * and each workspace's activity bits (the hours with a row of each event).
 */
export async function rebuildRollups(s: SqlSession) {
  await s.exec(`
    TRUNCATE product_usage_hourly_counts, product_usage_daily_counts, product_usage_workspace_activity;
    UPDATE product_usage_prune_state SET pruned_through = NULL;
    INSERT INTO product_usage_hourly_counts (bucket_start, event_name, shard, event_count, last_occurred_at)
      SELECT date_trunc('hour', occurred_at, 'UTC'), event_name, get_byte(uuid_send(id), 0) % ${COUNT_SHARDS}, count(*), max(occurred_at)
        FROM product_usage_events GROUP BY 1, 2, 3;
    INSERT INTO product_usage_daily_counts (day, event_name, shard, event_count, last_occurred_at)
      SELECT (bucket_start AT TIME ZONE 'UTC')::date, event_name, shard, sum(event_count), max(last_occurred_at)
        FROM product_usage_hourly_counts GROUP BY 1, 2, 3;
    INSERT INTO product_usage_workspace_activity (workspace_id, event_name, base_hour, hours)
      SELECT workspace_id, event_name, min(h), product_usage_hours_bitmap(array_agg(h))
        FROM (SELECT DISTINCT workspace_id, event_name, product_usage_hour_index(occurred_at) AS h FROM product_usage_events) x
       GROUP BY 1, 2;`);
}
