import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../../server/db/client.ts';
import { migrate } from '../../../server/db/migrate.ts';
import { PASSWORD, seedFixture, type Fixture } from '../../helpers/app.ts';
import { pgliteDataDir, testDbKind } from '../../helpers/db.ts';
import { postTrpc as call } from '../../helpers/http.ts';

/**
 * The embedded database has one owner process. While `tenantpilot serve` runs on a folder, a second
 * `serve` and every CLI command on that folder refuse with one line naming the folder, the owner's
 * pid and what to do, exit 1, and change nothing: the folder's bytes are the same afterwards, the
 * server goes on serving, and none of the refused commands' effects exist. (PostgreSQL has no folder:
 * several processes share it by design, see prune-and-replicas.test.ts.)
 */
const BIN = resolve(import.meta.dirname, '../../../bin/tenantpilot.js');
const embedded = testDbKind() === 'pglite';

let dataDir: string;
let fx: Fixture;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  if (!embedded) return;
  dataDir = await pgliteDataDir(mkdtempSync(join(tmpdir(), 'tenantpilot-owner-')), { migrated: true });
  const db = await openPglite(dataDir);
  await migrate(db);
  fx = await seedFixture(db);
  await db.close();
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TENANTPILOT_') && k !== 'DATABASE_URL'));
  Object.assign(env, { TENANTPILOT_DATA_DIR: dataDir, TENANTPILOT_LOG_LEVEL: 'warn', TENANTPILOT_PRUNE_CRON: '0 0 1 1 *', HOST: '127.0.0.1' });
}, 120_000);

afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

type Run = { code: number | null; stdout: string; stderr: string };

function tp(args: string[], input = '', extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

function serve(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((ok, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = output.match(/listening on (http:\/\/\S+)/);
      if (match) ok({ child, url: match[1]!, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`serve exited (${code}) before listening:\n${output}`)));
  });
}

/** Every file under the folder with a hash of its bytes. */
function folderChecksums(dir: string): Record<string, string> {
  const sums: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const path = join(sub, entry.name);
      if (entry.isDirectory()) walk(path);
      else sums[path] = createHash('sha256').update(readFileSync(join(dir, path))).digest('hex');
    }
  };
  walk('');
  return sums;
}

describe.skipIf(!embedded)('one owner per embedded database folder (PGlite only: PostgreSQL is shared by design)', () => {
  it('refuses a second serve and every CLI command while serve owns the folder; the owner serves on and no byte changes', async () => {
    const owner = await serve();
    try {
      const login = await call(owner.url, 'auth.login', { email: 'owner@acme.test', password: PASSWORD });
      expect(login.status).toBe(200);
      const token: string = login.body.result.data.token;
      const first = await call(owner.url, 'operations.start', { tenantId: fx.tenants.acmeProd.id, type: 'inventory.sync' }, token);
      expect(first.status).toBe(200);

      const before = folderChecksums(dataDir);
      const refused = await Promise.all([
        tp(['serve', '--port', '0']),
        tp(['migrate']),
        tp(['system-user:create', '--email', 'second@example.test', '--password-stdin'], 'a second operator password\n'),
        tp(['seed:demo', '--events', '0'], '', { TENANTPILOT_DEMO_PASSWORD: 'demo password 243 long' }),
        tp(['product-usage:prune']),
        tp(['operations:start', '--tenant', 'acme-prod', '--type', 'policy.backup']),
      ]);
      const line = `tenantpilot: the embedded database in ${dataDir} is in use by process ${owner.child.pid} (one process at a time may open it): stop that process first (e.g. the running \`tenantpilot serve\` or the desktop app), or set DATABASE_URL to use PostgreSQL\n`;
      for (const run of refused) expect(run).toEqual({ code: 1, stdout: '', stderr: line });
      expect(folderChecksums(dataDir)).toEqual(before);

      expect((await fetch(`${owner.url}/healthz`)).status).toBe(200);
      const second = await call(owner.url, 'operations.start', { tenantId: fx.tenants.acmeDev.id, type: 'compliance.scan' }, token);
      expect(second.status).toBe(200);
    } finally {
      owner.child.kill('SIGTERM');
      await new Promise((r) => (owner.child.exitCode !== null ? r(null) : owner.child.once('exit', r)));
    }

    // The owner's work is all there, and nothing of the refused commands is.
    const db = await openPglite(dataDir);
    try {
      const runs = await db.prisma.operationRun.findMany({ select: { type: true, trigger: true } });
      expect(runs.map((r) => r.type).sort()).toEqual(['compliance.scan', 'inventory.sync']);
      expect(await db.prisma.systemUser.count({ where: { email: 'second@example.test' } })).toBe(0);
      expect(await db.prisma.workspace.count()).toBe(2);
    } finally {
      await db.close();
    }
  }, 180_000);
});
