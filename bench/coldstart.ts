import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServe, waitHealthy } from './lib/server.ts';
import { figure, type Figure } from './lib/stats.ts';

export type ColdStartResult = { dataDir: 'empty (new folder)' | 'initialized'; ledgerRows: number; runs: number; ms: Figure };

/**
 * (e) `tenantpilot serve` on the embedded database: from spawning the process to the first 200 from
 * /healthz (polled every 10 ms). `dataDir` undefined = a new empty folder per run (initdb and every
 * migration included); otherwise an existing data folder, started `runs` times.
 */
export async function benchColdStart(opts: { dataDir?: string; ledgerRows: number; runs: number }): Promise<ColdStartResult> {
  const samples: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tp-bench-cold-'));
    const t0 = performance.now();
    const proc = await spawnServe({ TENANTPILOT_DATA_DIR: dir });
    try {
      samples.push((await waitHealthy(proc, { timeoutMs: 180_000, everyMs: 10 })) - t0);
    } finally {
      await proc.stop();
      if (!opts.dataDir) rmSync(dir, { recursive: true, force: true });
    }
  }
  return { dataDir: opts.dataDir ? 'initialized' : 'empty (new folder)', ledgerRows: opts.ledgerRows, runs: opts.runs, ms: figure(samples) };
}
