import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { Database } from '../server/db/client.ts';
import { BENCH_PASSWORD, createBenchActors, type BenchActor } from './identities.ts';
import { spawnServe, waitHealthy } from './lib/server.ts';
import { figure, quantile, type Figure } from './lib/stats.ts';

export type ThroughputResult = {
  replicas: number;
  clients: number;
  seconds: number;
  actions: number;
  actionsPerSecond: number;
  latency: Figure & { p99: number };
  errors: number;
  byPath: Record<string, number>;
  /** CPU time the server process(es) spent per measured action (Linux /proc; NaN elsewhere) */
  serverCpuMsPerAction: number;
  /** successful recording actions (warm-up included) vs ledger rows written meanwhile */
  recordingActions: number;
  ledgerRows: number;
};

/** The action mix: three actions that always record, and review packs (record unless reused). */
const MIX = [
  { path: 'operations.start', weight: 40, input: (t: string) => ({ tenantId: t, type: 'inventory.sync' }) },
  { path: 'reports.create', weight: 25, input: (t: string) => ({ tenantId: t, reportType: 'permission_posture' }) },
  { path: 'support.openDiagnostics', weight: 25, input: (t: string) => ({ tenantId: t, entryPoint: 'tenant_dashboard' }) },
  { path: 'reviewPacks.requestGeneration', weight: 10, input: (t: string) => ({ tenantId: t }) },
] as const;

/** utime + stime of a process in ms (clock ticks of 10 ms), or NaN without /proc. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function post(agent: Agent, url: URL, path: string, body: unknown, token?: string): Promise<{ status: number; body: string }> {
  const data = JSON.stringify(body);
  return new Promise((ok, fail) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: `/trpc/${path}`,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(data);
  });
}

/**
 * (c) Source actions over HTTP on loopback: `replicas` server processes (`tenantpilot serve` on
 * PostgreSQL) and `clients` concurrent keep-alive clients spread over them, for `seconds` after a
 * short warm-up; then checks that the ledger gained exactly one row per successful recording action.
 */
export async function benchThroughput(
  database: Database,
  opts: { url: string; clients: number; seconds: number; warmupSeconds: number; replicas?: number },
): Promise<ThroughputResult> {
  const replicas = opts.replicas ?? 1;
  const servers = await Promise.all(Array.from({ length: replicas }, () => spawnServe({ DATABASE_URL: opts.url })));
  try {
    await Promise.all(servers.map((s) => waitHealthy(s, { timeoutMs: 60_000, everyMs: 50 })));
    const agent = new Agent({ keepAlive: true, maxSockets: opts.clients });
    const actors: BenchActor[] = await createBenchActors(database.prisma, opts.clients, `tput${Date.now()}`);
    const clients = await Promise.all(
      actors.map(async (actor, i) => {
        const url = new URL(servers[i % replicas]!.url);
        const res = await post(agent, url, 'auth.login', { email: actor.email, password: BENCH_PASSWORD });
        if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.body.slice(0, 200)}`);
        return { actor, url, token: (JSON.parse(res.body) as { result: { data: { token: string } } }).result.data.token };
      }),
    );
    const since = new Date(Date.now() - 1);
    const totalWeight = MIX.reduce((a, m) => a + m.weight, 0);
    const pick = () => {
      let r = Math.random() * totalWeight;
      for (const m of MIX) if ((r -= m.weight) < 0) return m;
      return MIX[0];
    };
    let measuring = false;
    let stop = false;
    const latencies: number[] = [];
    const byPath: Record<string, number> = {};
    let errors = 0;
    let recording = 0;
    let firstError = '';
    const loop = async (c: (typeof clients)[number]) => {
      let k = 0;
      while (!stop) {
        const m = pick();
        const tenantId = c.actor.tenantIds[k++ % c.actor.tenantIds.length]!;
        const t0 = performance.now();
        const res = await post(agent, c.url, m.path, m.input(tenantId), c.token);
        const ms = performance.now() - t0;
        if (res.status !== 200) {
          errors++;
          firstError ||= `${m.path}: ${res.status} ${res.body.slice(0, 200)}`;
          continue;
        }
        const reused = m.path === 'reviewPacks.requestGeneration' && (JSON.parse(res.body) as { result: { data: { reused: boolean } } }).result.data.reused;
        if (!reused) recording++;
        if (measuring) {
          latencies.push(ms);
          byPath[m.path] = (byPath[m.path] ?? 0) + 1;
        }
      }
    };
    const running = clients.map(loop);
    await new Promise((r) => setTimeout(r, opts.warmupSeconds * 1000));
    const serverCpu = () => servers.reduce((sum, s) => sum + cpuMs(s.child.pid), 0);
    measuring = true;
    const t0 = performance.now();
    const cpu0 = serverCpu();
    await new Promise((r) => setTimeout(r, opts.seconds * 1000));
    measuring = false;
    const cpu1 = serverCpu();
    const elapsed = (performance.now() - t0) / 1000;
    stop = true;
    await Promise.all(running);
    agent.destroy();
    if (errors) console.warn(`  ${errors} failed requests, first: ${firstError}`);
    const [row] = await database.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*)::bigint AS n FROM product_usage_events WHERE occurred_at >= ${since}::timestamptz`;
    const f = figure(latencies);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      replicas,
      clients: opts.clients,
      seconds: elapsed,
      actions: latencies.length,
      actionsPerSecond: latencies.length / elapsed,
      latency: { ...f, p99: sorted.length ? quantile(sorted, 0.99) : NaN },
      errors,
      byPath,
      serverCpuMsPerAction: (cpu1 - cpu0) / Math.max(1, latencies.length),
      recordingActions: recording,
      ledgerRows: Number(row?.n ?? 0),
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
