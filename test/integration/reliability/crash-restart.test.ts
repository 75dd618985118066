import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, openPostgres, type Database } from '../../../server/db/client.ts';
import { LOCK_FILE } from '../../../server/db/folder-lock.ts';
import { migrate } from '../../../server/db/migrate.ts';
import { PASSWORD, seedFixture, type Fixture } from '../../helpers/app.ts';
import { createTestDatabase, pgliteDataDir, testDbKind, type TestDatabase } from '../../helpers/db.ts';
import { postTrpc as call } from '../../helpers/http.ts';

/**
 * A real server process (`tenantpilot serve`) is killed with SIGKILL in the middle of a load and
 * started again on the same database. Afterwards: no source row without its audit entry, no
 * telemetry row without its source row (and none missing), every acknowledged action still there,
 * and the server serves and records as before. On PGlite the restart runs crash recovery on the
 * killed data directory, and takes over the folder lock the dead owner still names at once (the OS
 * dropped the lock itself with the process).
 */
const kind = testDbKind();
const BIN = resolve(import.meta.dirname, '../../../bin/tenantpilot.js');

let env: NodeJS.ProcessEnv;
let testDb: TestDatabase | undefined;
let dataDir: string | undefined;
let fx: Fixture;

/** Opens the server's database from the test (PGlite: only while no server process holds it). */
async function openServerDatabase(): Promise<Database> {
  return kind === 'postgres' ? openPostgres(testDb!.url!, { poolSize: 2 }) : openPglite(dataDir!);
}

beforeAll(async () => {
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    TENANTPILOT_LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    TENANTPILOT_PRUNE_CRON: '0 0 1 1 *',
    TENANTPILOT_METRICS_PORT: '0',
  };
  delete base.DATABASE_URL;
  delete base.TENANTPILOT_DATA_DIR;
  if (kind === 'postgres') {
    testDb = await createTestDatabase('postgres');
    fx = await seedFixture(testDb.database);
    env = { ...base, DATABASE_URL: testDb.url };
  } else {
    dataDir = await pgliteDataDir(mkdtempSync(join(tmpdir(), 'tenantpilot-crash-')), { migrated: true });
    const db = await openPglite(dataDir);
    await migrate(db);
    fx = await seedFixture(db);
    await db.close();
    env = { ...base, TENANTPILOT_DATA_DIR: dataDir };
  }
}, 120_000);

afterAll(async () => {
  await testDb?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `tenantpilot serve --port 0` and resolves with its URL once it listens. */
function serve(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ child, url: match[1]!, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}

const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

describe(`a server killed with SIGKILL mid-load (${kind}) and restarted`, () => {
  it('keeps every acknowledged action, and no source row lacks its audit entry or telemetry, no telemetry row lacks its source', async () => {
    const first = await serve();
    const login = await call(first.url, 'auth.login', { email: 'owner@acme.test', password: PASSWORD });
    expect(login.status).toBe(200);
    const token: string = login.body.result.data.token;
    const tenants = [fx.tenants.acmeProd.id, fx.tenants.acmeDev.id];

    const acknowledged = { runs: [] as string[], reports: [] as string[], packs: [] as string[], bundles: [] as string[] };
    let inFlightAtKill = 0;
    let inFlight = 0;
    let killed = false;
    const loop = async (n: number) => {
      for (let i = 0; !killed; i++) {
        const tenantId = tenants[(n + i) % tenants.length]!;
        const action = (n + i) % 4;
        inFlight++;
        try {
          if (action === 0) {
            const r = await call(first.url, 'operations.start', { tenantId, type: 'inventory.sync' }, token);
            if (r.status === 200) acknowledged.runs.push(r.body.result.data.id);
          } else if (action === 1) {
            const r = await call(first.url, 'reports.create', { tenantId, reportType: 'entra_admin_roles' }, token);
            if (r.status === 200) acknowledged.reports.push(r.body.result.data.id);
          } else if (action === 2) {
            const r = await call(first.url, 'support.openDiagnostics', { tenantId, entryPoint: 'tenant_dashboard' }, token);
            if (r.status === 200) acknowledged.bundles.push(r.body.result.data.bundleId);
          } else {
            const r = await call(first.url, 'reviewPacks.requestGeneration', { tenantId }, token);
            if (r.status === 200 && !r.body.result.data.reused) acknowledged.packs.push(r.body.result.data.id);
          }
        } catch {
          return; // the connection died with the server
        } finally {
          inFlight--;
        }
      }
    };
    const loops = Array.from({ length: 12 }, (_, n) => loop(n));
    const acks = () => acknowledged.runs.length + acknowledged.reports.length + acknowledged.bundles.length;
    const deadline = Date.now() + 60_000;
    while (acks() < 24) {
      if (Date.now() > deadline || first.child.exitCode !== null) throw new Error(`no load acknowledged:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    inFlightAtKill = inFlight;
    first.child.kill('SIGKILL');
    killed = true;
    await exited(first.child);
    await Promise.all(loops);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(inFlightAtKill).toBeGreaterThan(0);

    // Restart on the same database (PGlite: crash recovery of the killed data directory).
    const lockOwner = () => (kind === 'pglite' ? readFileSync(join(dataDir!, LOCK_FILE), 'utf8').trim() : undefined);
    if (kind === 'pglite') expect(lockOwner()).toBe(String(first.child.pid));
    const second = await serve();
    try {
      if (kind === 'pglite') expect(lockOwner()).toBe(String(second.child.pid));
      expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
      const again = await call(second.url, 'auth.login', { email: 'owner@acme.test', password: PASSWORD });
      expect(again.status).toBe(200);
      const run = await call(second.url, 'operations.start', { tenantId: tenants[0], type: 'policy.backup' }, again.body.result.data.token);
      expect(run.status).toBe(200);
      acknowledged.runs.push(run.body.result.data.id);
    } finally {
      second.child.kill('SIGTERM');
      await exited(second.child);
    }

    const db = await openServerDatabase();
    try {
      const q = async (sql: string) => Number((await db.prisma.$queryRawUnsafe<{ n: number }[]>(sql))[0]!.n);
      // No source row without its audit entry.
      for (const [table, subject] of [['operation_runs', 'operation_run'], ['stored_reports', 'stored_report'], ['review_packs', 'review_pack']] as const) {
        expect(
          await q(`SELECT count(*)::int AS n FROM ${table} s WHERE NOT EXISTS (SELECT 1 FROM audit_logs a WHERE a.subject_type = '${subject}' AND a.subject_id = s.id::text)`),
          `${table} without audit`,
        ).toBe(0);
      }
      // No telemetry row without its source row, and no user-initiated source row without its telemetry.
      expect(
        await q(`SELECT count(*)::int AS n FROM product_usage_events e WHERE NOT (
          (e.subject_type = 'operation_run' AND EXISTS (SELECT 1 FROM operation_runs r WHERE r.id = e.subject_id)) OR
          (e.subject_type = 'stored_report' AND EXISTS (SELECT 1 FROM stored_reports s WHERE s.id = e.subject_id)) OR
          (e.subject_type = 'review_pack' AND EXISTS (SELECT 1 FROM review_packs p WHERE p.id = e.subject_id)) OR
          (e.subject_type = 'tenant' AND EXISTS (SELECT 1 FROM audit_logs a WHERE e.event_key = 'support.diagnostics_opened:' || a.id::text)))`),
      ).toBe(0);
      expect(await q(`SELECT count(*)::int AS n FROM operation_runs r WHERE NOT EXISTS (SELECT 1 FROM product_usage_events e WHERE e.subject_id = r.id)`)).toBe(0);
      expect(await q(`SELECT count(*)::int AS n FROM stored_reports r WHERE NOT EXISTS (SELECT 1 FROM product_usage_events e WHERE e.subject_id = r.id)`)).toBe(0);
      expect(await q(`SELECT count(*)::int AS n FROM review_packs r WHERE NOT EXISTS (SELECT 1 FROM product_usage_events e WHERE e.subject_id = r.id)`)).toBe(0);
      expect(
        await q(`SELECT count(*)::int AS n FROM audit_logs a WHERE a.action = 'support.diagnostics_opened'
                  AND NOT EXISTS (SELECT 1 FROM product_usage_events e WHERE e.event_key = 'support.diagnostics_opened:' || a.id::text)`),
      ).toBe(0);

      // Every action the clients were told succeeded is still there.
      const present = async (table: string, ids: string[]) =>
        ids.length ? q(`SELECT count(*)::int AS n FROM ${table} WHERE id IN (${ids.map((id) => `'${id}'`).join(',')})`) : 0;
      expect(await present('operation_runs', acknowledged.runs)).toBe(acknowledged.runs.length);
      expect(await present('stored_reports', acknowledged.reports)).toBe(acknowledged.reports.length);
      expect(await present('review_packs', acknowledged.packs)).toBe(acknowledged.packs.length);
      expect(await present('audit_logs', acknowledged.bundles)).toBe(acknowledged.bundles.length);
    } finally {
      await db.close();
    }
  }, 240_000);
});
