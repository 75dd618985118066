/**
 * The floor of figure (c): a minimal hand-written server doing the four source actions' whole job —
 * one query for session + membership + entitlement + capability, then BEGIN, the source write(s),
 * INSERT audit_logs, `SELECT product_usage_record(…)`, COMMIT — over raw `pg` with named prepared
 * statements, answering tRPC's JSON. What the project's server costs above this is framework cost.
 * Usage: DATABASE_URL=… node --import tsx bench/floor-server.ts --host 127.0.0.1 --port N
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { OPERATION_TYPES } from '../server/domain/operations/schema.ts';
import { REPORT_TYPES } from '../server/domain/reports/schema.ts';
import { ENTRY_POINTS } from '../server/domain/support/schema.ts';
import { HOUR_MS, floorTo, shardOf, utcDay } from '../server/telemetry/buckets.ts';
import { CATALOG, type EventName } from '../server/telemetry/catalog.ts';

const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.FLOOR_POOL_SIZE || 10) });

/** tRPC's error codes (JSON-RPC code, HTTP status), for the refusals this server makes. */
const ERRORS = {
  BAD_REQUEST: [-32600, 400],
  UNAUTHORIZED: [-32001, 401],
  FORBIDDEN: [-32003, 403],
  NOT_FOUND: [-32004, 404],
  INTERNAL_SERVER_ERROR: [-32603, 500],
} as const;
class Refusal extends Error {
  constructor(readonly code: keyof typeof ERRORS, message: string) {
    super(message);
  }
}

// ── statements (named: parsed and planned once per connection) ───────────────────────────────────

/** The live session, and the tenant if the user is entitled to it and a member of its workspace. */
const ACCESS = `
  SELECT s.user_id, a.*
    FROM admin_sessions s
    LEFT JOIN LATERAL (
      SELECT t.id, t.workspace_id, t.slug, t.name, t.connection_status, t.connected_at, $3 = ANY (m.capabilities) AS allowed
        FROM tenants t
        JOIN tenant_entitlements e ON e.tenant_id = t.id AND e.user_id = s.user_id
        JOIN workspace_memberships m ON m.workspace_id = t.workspace_id AND m.user_id = s.user_id
       WHERE t.id = $2) a ON true
   WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $4`;

const AUDIT = `
  INSERT INTO audit_logs (id, workspace_id, tenant_id, actor_user_id, action, subject_type, subject_id, details, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

const RECORD = `
  SELECT product_usage_record($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::uuid, $7, $8::uuid, $9::timestamptz,
    $10::jsonb, $11, $12::timestamptz, $13::date, $14::smallint) AS outcome`;

const START_OPERATION = `
  INSERT INTO operation_runs (id, workspace_id, tenant_id, type, status, trigger, initiator_user_id, created_at)
  VALUES ($1, $2, $3, $4, 'queued', 'user', $5, $6)`;

/** The report row with its summary: counts of the tenant's source runs, computed in the insert. */
const CREATE_REPORT = `
  INSERT INTO stored_reports (id, workspace_id, tenant_id, report_type, created_by_user_id, summary, created_at)
  SELECT $1::uuid, $2::uuid, $3::uuid, $4::text, $5::uuid, jsonb_build_object(
           'reportType', $4::text, 'generatedAt', $6::text, 'sourceOperationType', $7::text,
           'sourceRunsByStatus', coalesce(jsonb_object_agg(r.status, r.n) FILTER (WHERE r.status IS NOT NULL), '{}'),
           'latestSourceRunAt', to_char(max(r.latest) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), $8::timestamptz
    FROM (SELECT status, count(*) AS n, max(created_at) AS latest FROM operation_runs
           WHERE tenant_id = $3 AND type = $7 GROUP BY status) r
  RETURNING summary`;

/** The diagnostic bundle's reads: recent runs, counts, and the run in context (if any). */
const DIAGNOSTICS = `
  SELECT
    (SELECT coalesce(jsonb_agg(r), '[]') FROM (
       SELECT id, type, status, trigger, created_at AS "createdAt", completed_at AS "completedAt"
         FROM operation_runs WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 10) r) AS recent,
    (SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM (
       SELECT status, count(*) AS n FROM operation_runs WHERE tenant_id = $1 GROUP BY status) x) AS runs_by_status,
    (SELECT count(*)::int FROM stored_reports WHERE tenant_id = $1) AS stored_reports,
    (SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM (
       SELECT status, count(*) AS n FROM review_packs WHERE tenant_id = $1 GROUP BY status) x) AS packs_by_status,
    (SELECT to_jsonb(r) FROM (
       SELECT id, type, status, trigger, created_at AS "createdAt", completed_at AS "completedAt"
         FROM operation_runs WHERE id = $2 AND tenant_id = $1) r) AS operation_run`;

const REQUEST_PACK = `
  INSERT INTO review_packs (id, workspace_id, tenant_id, status, pending_key, requested_by_user_id, created_at)
  VALUES ($1, $2, $3, 'pending', $3, $4, $5)
  ON CONFLICT (pending_key) DO NOTHING RETURNING id`;

const PENDING_PACK = `
  SELECT id, workspace_id AS "workspaceId", tenant_id AS "tenantId", status, requested_by_user_id AS "requestedByUserId",
         created_at AS "createdAt"
    FROM review_packs WHERE pending_key = $1`;

const q = (name: string, text: string, values: unknown[]) => ({ name, text, values });

// ── the gate, the transaction, the recorder ──────────────────────────────────────────────────────

type Tenant = { id: string; workspaceId: string; slug: string; name: string; connectionStatus: string; connectedAt: Date | null };
type Actor = { userId: string; tenant: Tenant };

async function requireAccess(token: string | undefined, tenantId: string, capability: string, now: Date): Promise<Actor> {
  if (!token) throw new Refusal('UNAUTHORIZED', 'Sign in first: missing bearer token');
  const hash = createHash('sha256').update(token).digest('hex');
  const { rows } = await pool.query(q('access', ACCESS, [hash, tenantId, capability, now]));
  const row = rows[0];
  if (!row) throw new Refusal('UNAUTHORIZED', 'Session expired or revoked: sign in again');
  if (!row.id) throw new Refusal('NOT_FOUND', 'Tenant not found');
  if (!row.allowed) throw new Refusal('FORBIDDEN', `You lack the ${capability} capability in this workspace`);
  return {
    userId: row.user_id,
    tenant: { id: row.id, workspaceId: row.workspace_id, slug: row.slug, name: row.name, connectionStatus: row.connection_status, connectedAt: row.connected_at },
  };
}

async function transaction<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN');
    const result = await work(c);
    await c.query('COMMIT');
    return result;
  } catch (err) {
    broken = await c.query('ROLLBACK').then(() => false, () => true);
    throw err;
  } finally {
    c.release(broken);
  }
}

function audit(c: pg.PoolClient, a: Actor, action: string, subjectType: string, subjectId: string, details: object, now: Date) {
  const id = randomUUID();
  const { tenant } = a;
  return c.query(q('audit', AUDIT, [id, tenant.workspaceId, tenant.id, a.userId, action, subjectType, subjectId, JSON.stringify(details), now])).then(() => id);
}

async function record(c: pg.PoolClient, a: Actor, event: EventName, subjectType: string, subjectId: string, metadata: object, eventKey: string, now: Date) {
  const id = randomUUID();
  const { tenant } = a;
  const { rows } = await c.query(q('record', RECORD, [
    id, tenant.workspaceId, tenant.id, event, CATALOG[event].featureArea, a.userId, subjectType, subjectId, now,
    JSON.stringify(metadata), eventKey, floorTo(now, HOUR_MS), utcDay(now), shardOf(id),
  ]));
  const outcome = String(rows[0]?.outcome);
  if (outcome.startsWith('failed')) console.error(`telemetry write failed: ${event} ${outcome}`);
}

// ── the four actions ─────────────────────────────────────────────────────────────────────────────

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
type Input = Record<string, unknown>;
const oneOf = <T extends string>(values: readonly T[], v: unknown): T => {
  if (!values.includes(v as T)) throw new Refusal('BAD_REQUEST', `Invalid input — expected one of ${values.join(', ')}`);
  return v as T;
};
const uuid = (v: unknown): string => {
  if (typeof v !== 'string' || !UUID.test(v)) throw new Refusal('BAD_REQUEST', 'Invalid input — expected a UUID');
  return v;
};

type Action = { capability: string; run(a: Actor, input: Input, now: Date): Promise<unknown> };

const ACTIONS: Record<string, Action> = {
  'operations.start': {
    capability: 'operations.start',
    run: (a, input, now) => {
      const type = oneOf(OPERATION_TYPES, input.type);
      const id = randomUUID();
      const { tenant } = a;
      return transaction(async (c) => {
        await c.query(q('start_operation', START_OPERATION, [id, tenant.workspaceId, tenant.id, type, a.userId, now]));
        await audit(c, a, 'operation.started', 'operation_run', id, { type, trigger: 'user' }, now);
        await record(c, a, 'operation.started', 'operation_run', id, { operation_type: type }, `operation.started:${id}`, now);
        const at = now.toISOString();
        return { id, workspaceId: tenant.workspaceId, tenantId: tenant.id, type, status: 'queued', trigger: 'user', initiatorUserId: a.userId, createdAt: at, completedAt: null };
      });
    },
  },
  'reports.create': {
    capability: 'reports.create',
    run: (a, input, now) => {
      const reportType = oneOf(REPORT_TYPES, input.reportType);
      const sourceType = reportType === 'permission_posture' ? 'permission_posture.refresh' : 'inventory.sync';
      const id = randomUUID();
      const { tenant } = a;
      return transaction(async (c) => {
        const { rows } = await c.query(q('create_report', CREATE_REPORT, [id, tenant.workspaceId, tenant.id, reportType, a.userId, now.toISOString(), sourceType, now]));
        await audit(c, a, 'stored_report.created', 'stored_report', id, { reportType }, now);
        await record(c, a, 'stored_report.created', 'stored_report', id, { report_type: reportType }, `stored_report.created:${id}`, now);
        return { id, workspaceId: tenant.workspaceId, tenantId: tenant.id, reportType, createdByUserId: a.userId, summary: rows[0]?.summary, createdAt: now.toISOString() };
      });
    },
  },
  'support.openDiagnostics': {
    capability: 'support.diagnostics.open',
    run: async (a, input, now) => {
      const entryPoint = oneOf(ENTRY_POINTS, input.entryPoint);
      const operationRunId = input.operationRunId === undefined ? null : uuid(input.operationRunId);
      if ((entryPoint === 'operation_detail') !== (operationRunId !== null)) {
        throw new Refusal('BAD_REQUEST', 'Invalid input — operationRunId: required with entryPoint operation_detail and not allowed otherwise');
      }
      const { tenant } = a;
      const [d] = (await pool.query(q('diagnostics', DIAGNOSTICS, [tenant.id, operationRunId]))).rows;
      if (operationRunId && !d.operation_run) throw new Refusal('NOT_FOUND', 'Operation run not found');
      const subject = operationRunId ? (['operation_run', operationRunId] as const) : (['tenant', tenant.id] as const);
      return transaction(async (c) => {
        const bundleId = await audit(c, a, 'support.diagnostics_opened', subject[0], subject[1], { entryPoint }, now);
        const metadata = { entry_point: entryPoint, has_operation_context: operationRunId !== null };
        await record(c, a, 'support.diagnostics_opened', subject[0], subject[1], metadata, `support.diagnostics_opened:${bundleId}`, now);
        return {
          bundleId,
          generatedAt: now.toISOString(),
          entryPoint,
          tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name, connectionStatus: tenant.connectionStatus, connectedAt: tenant.connectedAt?.toISOString() ?? null },
          operationRun: d.operation_run,
          recentOperationRuns: d.recent,
          counts: { operationRunsByStatus: d.runs_by_status, storedReports: d.stored_reports, reviewPacksByStatus: d.packs_by_status },
        };
      });
    },
  },
  'reviewPacks.requestGeneration': {
    capability: 'review_packs.generate',
    // At most one pending pack per tenant (unique pending_key): a request while one is pending reuses it.
    run: (a, _input, now) => {
      const { tenant } = a;
      return transaction(async (c) => {
        const { rows } = await c.query(q('request_pack', REQUEST_PACK, [randomUUID(), tenant.workspaceId, tenant.id, a.userId, now]));
        const id: string | undefined = rows[0]?.id;
        if (!id) {
          const pending = (await c.query(q('pending_pack', PENDING_PACK, [tenant.id]))).rows[0];
          return { ...pending, reused: true };
        }
        await audit(c, a, 'review_pack.generation_requested', 'review_pack', id, {}, now);
        await record(c, a, 'review_pack.generation_requested', 'review_pack', id, {}, `review_pack.generation_requested:${id}`, now);
        return { id, workspaceId: tenant.workspaceId, tenantId: tenant.id, status: 'pending', requestedByUserId: a.userId, createdAt: now.toISOString(), reused: false };
      });
    },
  },
};

// ── HTTP ─────────────────────────────────────────────────────────────────────────────────────────

function send(res: ServerResponse, status: number, body: unknown) {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

async function readJson(req: IncomingMessage): Promise<Input> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if ((size += chunk.length) > 64 * 1024) throw new Refusal('BAD_REQUEST', 'Request body too large');
    chunks.push(chunk);
  }
  try {
    const input: unknown = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    if (typeof input === 'object' && input !== null) return input as Input;
  } catch {
    // refused below
  }
  throw new Refusal('BAD_REQUEST', 'Invalid input — expected a JSON object');
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  if (req.url === '/healthz') return send(res, 200, { status: 'ok' });
  const path = req.url?.startsWith('/trpc/') ? req.url.slice('/trpc/'.length).split('?')[0]! : '';
  try {
    const action = ACTIONS[path];
    if (req.method !== 'POST' || !action) throw new Refusal('NOT_FOUND', 'No such procedure');
    const input = await readJson(req);
    const now = new Date();
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const actor = await requireAccess(token, uuid(input.tenantId), action.capability, now);
    send(res, 200, { result: { data: await action.run(actor, input, now) } });
  } catch (err) {
    const refusal = err instanceof Refusal ? err : new Refusal('INTERNAL_SERVER_ERROR', 'Internal server error');
    if (!(err instanceof Refusal)) console.error(err);
    const [code, httpStatus] = ERRORS[refusal.code];
    send(res, httpStatus, { error: { message: refusal.message, code, data: { code: refusal.code, httpStatus, path } } });
  }
}

await pool.query('SELECT 1');
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => void handle(req, res));
server.listen(Number(arg('--port')), arg('--host') ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeAllConnections();
});
