import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

export type ServeProcess = { url: string; child: ChildProcess; readonly output: string; stop(): Promise<void> };

/**
 * Starts `tenantpilot serve` (the package bin, i.e. startServer) in its own process on 127.0.0.1,
 * as an operator would. Returns once the process is spawned; see `waitHealthy`. BENCH_SERVE_DIST
 * names another build to run instead of dist/ (a folder holding server/cli.js inside this checkout,
 * e.g. a snapshot of a known-good build while the sources are being edited).
 */
export async function spawnServe(env: Record<string, string | undefined>): Promise<ServeProcess> {
  const port = await freePort();
  const bin = process.env.BENCH_SERVE_DIST ? resolve(ROOT, 'bench/lib/serve-dist.mjs') : resolve(ROOT, 'bin/tenantpilot.js');
  return spawnChild([bin, 'serve', '--host', '127.0.0.1', '--port', String(port)], port, {
    DATABASE_URL: undefined,
    TENANTPILOT_LOG_LEVEL: 'warn',
    // the schedule must not fire during a measurement
    TENANTPILOT_PRUNE_CRON: '0 0 1 1 *',
    // several servers run at once: each its own metrics port
    TENANTPILOT_METRICS_PORT: '0',
    ...env,
  });
}

/** Starts the hand-written floor server (bench/floor-server.ts) in its own process on 127.0.0.1. */
export async function spawnFloor(env: { DATABASE_URL: string; FLOOR_POOL_SIZE?: string }): Promise<ServeProcess> {
  const port = await freePort();
  return spawnChild(['--import', 'tsx', resolve(ROOT, 'bench/floor-server.ts'), '--host', '127.0.0.1', '--port', String(port)], port, env);
}

function spawnChild(args: string[], port: number, env: Record<string, string | undefined>): ServeProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    get output() {
      return output;
    },
  };
}

/** Polls GET /healthz every `everyMs` until it answers 200; resolves with when that happened. */
export async function waitHealthy(proc: ServeProcess, opts: { timeoutMs: number; everyMs?: number }): Promise<number> {
  const deadline = performance.now() + opts.timeoutMs;
  while (performance.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`server exited (${proc.child.exitCode}): ${proc.output}`);
    try {
      const res = await fetch(`${proc.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 10));
  }
  throw new Error(`server not healthy after ${opts.timeoutMs} ms: ${proc.output}`);
}
