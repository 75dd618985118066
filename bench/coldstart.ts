import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, spawnServe, waitHealthy } from './lib/server.ts';
import { figure, type Figure } from './lib/stats.ts';

export type ColdStartCase = 'bare PGlite open (floor)' | 'initialized' | 'empty (new folder)';
export type ColdStartResult = { case: ColdStartCase; ledgerRows: number; runs: number; ms: Figure; vsFloor: number };

/**
 * (e) Embedded cold start, as ratios to a floor measured in the same run: a fresh Node process that
 * opens the same initialized folder with PGlite and runs `SELECT 1` (spawn → its answer). Against it:
 * `tenantpilot serve` from spawn to the first 200 from /healthz (polled every 10 ms) on that
 * initialized folder, on a new empty folder (started from the install-time template), and on a folder
 * holding `ledgerDir`'s events. The cases alternate run by run, so drifting machine load touches all
 * of them alike.
 */
export async function benchColdStart(opts: { initializedDir: string; ledgerDir?: { dir: string; rows: number }; runs: number }): Promise<ColdStartResult[]> {
  const samples = { floor: [] as number[], initialized: [] as number[], empty: [] as number[], ledger: [] as number[] };
  for (let i = 0; i < opts.runs; i++) {
    samples.floor.push(await bareOpen(opts.initializedDir));
    samples.initialized.push(await serveToHealthy(opts.initializedDir));
    const fresh = join(mkdtempSync(join(tmpdir(), 'tp-bench-cold-')), 'data');
    try {
      samples.empty.push(await serveToHealthy(fresh));
    } finally {
      rmSync(join(fresh, '..'), { recursive: true, force: true });
    }
    if (opts.ledgerDir) samples.ledger.push(await serveToHealthy(opts.ledgerDir.dir));
  }
  const floor = figure(samples.floor);
  const result = (c: ColdStartCase, ms: number[], ledgerRows = 0): ColdStartResult => {
    const f = figure(ms);
    return { case: c, ledgerRows, runs: opts.runs, ms: f, vsFloor: f.median / floor.median };
  };
  return [
    result('bare PGlite open (floor)', samples.floor),
    result('initialized', samples.initialized),
    result('empty (new folder)', samples.empty),
    ...(opts.ledgerDir ? [result('initialized', samples.ledger, opts.ledgerDir.rows)] : []),
  ];
}

async function serveToHealthy(dataDir: string): Promise<number> {
  const t0 = performance.now();
  const proc = await spawnServe({ TENANTPILOT_DATA_DIR: dataDir });
  try {
    return (await waitHealthy(proc, { timeoutMs: 180_000, everyMs: 10 })) - t0;
  } finally {
    await proc.stop();
  }
}

/** The floor: spawn a Node process that opens `dataDir` with PGlite, runs SELECT 1 and says so. */
function bareOpen(dataDir: string): Promise<number> {
  const code = `import { PGlite } from '@electric-sql/pglite';
const db = await PGlite.create(${JSON.stringify(dataDir)});
await db.query('SELECT 1');
process.stdout.write('ready\\n');
await db.close();`;
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((ok, fail) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('ready')) ok(performance.now() - t0);
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => (code === 0 ? ok(performance.now() - t0) : fail(new Error(`bare PGlite open failed (${code}): ${output}`))));
  }).then(async (ms) => {
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    return ms as number;
  });
}
