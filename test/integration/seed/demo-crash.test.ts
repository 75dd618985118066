import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, type Database } from '../../../server/db/client.ts';
import { USAGE } from '../../../server/seed/demo.ts';
import { planActions } from '../../../server/seed/plan.ts';
import { createTestDatabase, pgliteDataDir, testDbKind, type TestDatabase } from '../../helpers/db.ts';
import { ledgerRows } from '../../helpers/outcomes.ts';

/**
 * Issue 8 §1: `seed:demo` killed half-way (SIGKILL, no chance to clean up) leaves a database that the
 * next run finishes — the missing actions added, none doubled — on the embedded database and on
 * PostgreSQL. The real process (`node bin/tenantpilot.js`), as an operator would run it.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EVENTS = 200;
const ARGS = ['seed:demo', '--events', String(EVENTS), '--days', '20', '--seed', '11'];
let dir: string;
let pg: TestDatabase | undefined;

const env = () => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TENANTPILOT_') && k !== 'DATABASE_URL'));
  const database = pg ? { DATABASE_URL: pg.url! } : { TENANTPILOT_DATA_DIR: join(dir, 'data') };
  return { ...base, ...database, TENANTPILOT_LOG_LEVEL: 'warn', TENANTPILOT_DEMO_PASSWORD: 'crash test demo password' };
};

/** Runs seed:demo; with `killAt`, SIGKILLs it once its progress passes that many actions. */
function seedProcess(killAt?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tenantpilot.js'), ...ARGS], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (d: Buffer) => {
      output += d;
      const progress = [...output.matchAll(/Seeding: (\d+)\/\d+ actions/g)].map((m) => Number(m[1]));
      if (killAt !== undefined && progress.some((n) => n >= killAt)) child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-seed-crash-'));
  if (testDbKind() === 'postgres') pg = await createTestDatabase('postgres');
  else await pgliteDataDir(join(dir, 'data'), { migrated: true });
});
afterAll(async () => {
  await pg?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('seed:demo killed half-way', () => {
  it('is finished by the next run: every planned action exactly once, nothing doubled', { timeout: 300_000 }, async () => {
    const killed = await seedProcess(EVENTS * 0.4);
    expect(killed.signal, killed.output).toBe('SIGKILL');

    const rerun = await seedProcess();
    expect(rerun.code, rerun.output).toBe(0);
    const [, performed, already] = rerun.output.match(/Performed (\d+) source action\(s\).*; (\d+) were there already\./) ?? [];
    expect(Number(already)).toBeGreaterThanOrEqual(EVENTS * 0.4);
    expect(Number(performed) + Number(already)).toBe(EVENTS);

    // a third run has nothing left to do
    expect((await seedProcess()).output).toMatch(/Performed 0 source action\(s\).*; 200 were there already\./);

    // the embedded database has one owner at a time: opened here only after the runs
    const database: Database = pg ? pg.database : await openPglite(join(dir, 'data'));
    try {
      const db = database.prisma;
      const marker = await db.auditLog.findFirstOrThrow({ where: { action: 'demo.events_planned' } });
      const anchor = new Date((marker.details as { anchor: string }).anchor);
      const slugs = new Map((await db.workspace.findMany()).map((w) => [w.id, w.slug]));
      const ledger = (await ledgerRows(db)).map((r) => `${slugs.get(r.workspace_id)} ${r.event_name} ${r.occurred_at.toISOString()}`).sort();
      const plan = planActions(USAGE, { seed: 11, days: 20, from: 0, to: EVENTS, anchor }).map((a) => `${a.workspace} ${a.event} ${a.at.toISOString()}`).sort();
      expect(ledger).toEqual(plan);
    } finally {
      if (!pg) await database.close();
    }
  });
});
