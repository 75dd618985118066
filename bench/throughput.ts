import { readdirSync, readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { createAdminSession } from '../server/auth/sessions.ts';
import type { Database } from '../server/db/client.ts';
import { BENCH_PASSWORD, type BenchActor } from './identities.ts';
import type { PgProxy } from './lib/pg-proxy.ts';
import { cpuMs, post } from './lib/http.ts';
import { spawnFloor, spawnServe, waitHealthy, type ServeProcess } from './lib/server.ts';
import { figure, quantile, type Figure } from './lib/stats.ts';

/** `project`: `tenantpilot serve`; `floor`: the hand-written server of bench/floor-server.ts. */
export type Target = 'project' | 'floor';
export type MixName = keyof typeof MIXES;

export type ThroughputResult = {
  target: Target;
  mix: MixName;
  replicas: number;
  /** TENANTPILOT_DB_POOL_SIZE (floor: FLOOR_POOL_SIZE) of each process; undefined: the server's default */
  poolSize?: number;
  clients: number;
  seconds: number;
  actions: number;
  actionsPerSecond: number;
  latency: Figure & { p99: number };
  errors: number;
  byPath: Record<string, number>;
  /** latency of each action in the mix, ms */
  latencyByPath: Record<string, { median: number; p99: number }>;
  /** review-pack requests answered with a pending pack (they record nothing) */
  reused: number;
  /** CPU time the server process(es) spent per measured action (Linux /proc; NaN elsewhere) */
  serverCpuMsPerAction: number;
  /** CPU time of every PostgreSQL process on the machine per measured action */
  postgresCpuMsPerAction: number;
  /** CPU time of the bench's own process (the clients) per measured action */
  clientCpuMsPerAction: number;
  /** share of all cores busy during the window (anything running on the machine counts) */
  machineBusy: number;
  /** busy CPU of the machine per action not accounted for by server, PostgreSQL or clients (other work) */
  otherCpuMsPerAction: number;
  /** ReadyForQuery messages from PostgreSQL per action, from the counting pass (NaN without one) */
  roundTripsPerAction: number;
  /** successful recording actions (warm-ups and the counting pass included) vs ledger rows written meanwhile */
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
export const MIXES = { mix: MIX, 'operations.start': [MIX[0]] } as const;


/** CPU ms of each process named postgres (backends, WAL writer, checkpointer…), by pid. */
function postgresCpuMs(): Map<string, number> {
  const byPid = new Map<string, number>();
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const ms = readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres') ? cpuMs(pid) : NaN;
      if (Number.isFinite(ms)) byPid.set(pid, ms);
    }
  } catch {
    // no /proc, or a process ended while being read
  }
  return byPid;
}

/** PostgreSQL CPU between two samples (processes that ended meanwhile drop out: a small undercount). */
const postgresCpuBetween = (a: Map<string, number>, b: Map<string, number>) => [...b].reduce((sum, [pid, ms]) => sum + ms - (a.get(pid) ?? 0), 0);

/** Busy and total clock ticks (10 ms) of all cores since boot (/proc/stat; busy excludes idle and iowait). */
function machineTicks(): { busy: number; total: number } {
  try {
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    return { busy: total - ticks[3]! - ticks[4]!, total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};


type Options = { url: string; target: Target; mix: MixName; actors: BenchActor[]; seconds: number; warmupSeconds: number; replicas?: number; poolSize?: number };

/**
 * (c) Source actions over HTTP on loopback: `replicas` processes of the target server and one
 * keep-alive client per actor spread over them, for `seconds` after a short warm-up; then checks that
 * the ledger gained exactly one row per successful recording action. With `roundTrips`, a second,
 * shorter pass runs fresh servers that reach PostgreSQL through the counting proxy: the proxy costs
 * CPU per round trip on these same cores, so it stays out of the pass that measures speed.
 */
export async function benchThroughput(
  database: Database,
  opts: Options & { roundTrips?: { proxy: PgProxy; seconds: number; warmupSeconds: number } },
): Promise<ThroughputResult> {
  const main = await pass(database, opts, opts.url);
  const rt = opts.roundTrips;
  const counted = rt && (await pass(database, { ...opts, seconds: rt.seconds, warmupSeconds: rt.warmupSeconds }, rt.proxy.url, rt.proxy));
  const actions = Math.max(1, main.latencies.length);
  return {
    target: opts.target,
    mix: opts.mix,
    replicas: opts.replicas ?? 1,
    poolSize: opts.poolSize,
    clients: opts.actors.length,
    seconds: main.seconds,
    actions: main.latencies.length,
    actionsPerSecond: main.latencies.length / main.seconds,
    latency: { ...figure(main.latencies), p99: p99(main.latencies) },
    errors: main.errors + (counted?.errors ?? 0),
    byPath: main.byPath,
    latencyByPath: Object.fromEntries(Object.entries(main.latencyByPath).map(([path, l]) => [path, { median: figure(l).median, p99: p99(l) }])),
    reused: main.reused,
    serverCpuMsPerAction: main.serverCpuMs / actions,
    postgresCpuMsPerAction: main.postgresCpuMs / actions,
    clientCpuMsPerAction: main.clientCpuMs / actions,
    machineBusy: main.machineBusy,
    otherCpuMsPerAction: (main.machineBusyMs - main.serverCpuMs - main.postgresCpuMs - main.clientCpuMs) / actions,
    roundTripsPerAction: counted ? counted.roundTrips / Math.max(1, counted.latencies.length) : NaN,
    recordingActions: main.recordingActions + (counted?.recordingActions ?? 0),
    ledgerRows: main.ledgerRows + (counted?.ledgerRows ?? 0),
  };
}

const p99 = (samples: number[]) => (samples.length ? quantile([...samples].sort((a, b) => a - b), 0.99) : NaN);

/** One measured window against freshly started servers that use `databaseUrl`. */
async function pass(database: Database, opts: Options, databaseUrl: string, proxy?: PgProxy) {
  const replicas = opts.replicas ?? 1;
  const pool = opts.poolSize === undefined ? {} : { [opts.target === 'floor' ? 'FLOOR_POOL_SIZE' : 'TENANTPILOT_DB_POOL_SIZE']: String(opts.poolSize) };
  const env = { DATABASE_URL: databaseUrl, ...pool };
  const servers: ServeProcess[] = await Promise.all(Array.from({ length: replicas }, () => (opts.target === 'floor' ? spawnFloor(env) : spawnServe(env))));
  try {
    await Promise.all(servers.map((s) => waitHealthy(s, { timeoutMs: 60_000, everyMs: 50 })));
    const agent = new Agent({ keepAlive: true, maxSockets: opts.actors.length });
    const clients = await Promise.all(
      opts.actors.map(async (actor, i) => {
        const url = new URL(servers[i % replicas]!.url);
        // the floor has no sign-in: its clients get a session the way auth.login makes one
        if (opts.target === 'floor') return { actor, url, token: (await createAdminSession(database.prisma, actor.userId, new Date())).token };
        const res = await post(agent, url, 'auth.login', { email: actor.email, password: BENCH_PASSWORD });
        if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.body.slice(0, 200)}`);
        return { actor, url, token: (JSON.parse(res.body) as { result: { data: { token: string } } }).result.data.token };
      }),
    );
    const since = new Date(Date.now() - 1);
    const mix = MIXES[opts.mix];
    const totalWeight = mix.reduce((a, m) => a + m.weight, 0);
    const pick = () => {
      let r = Math.random() * totalWeight;
      for (const m of mix) if ((r -= m.weight) < 0) return m;
      return mix[0];
    };
    let measuring = false;
    let stop = false;
    const latencies: number[] = [];
    const byPath: Record<string, number> = {};
    const latencyByPath: Record<string, number[]> = {};
    let errors = 0;
    let recordingActions = 0;
    let reused = 0;
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
        const wasReused = m.path === 'reviewPacks.requestGeneration' && (JSON.parse(res.body) as { result: { data: { reused: boolean } } }).result.data.reused;
        if (!wasReused) recordingActions++;
        if (measuring) {
          latencies.push(ms);
          byPath[m.path] = (byPath[m.path] ?? 0) + 1;
          (latencyByPath[m.path] ??= []).push(ms);
          if (wasReused) reused++;
        }
      }
    };
    const running = clients.map(loop);
    await new Promise((r) => setTimeout(r, opts.warmupSeconds * 1000));
    const serverCpu = () => servers.reduce((sum, s) => sum + cpuMs(s.child.pid), 0);
    const roundTrips = () => proxy?.roundTrips() ?? NaN;
    measuring = true;
    const t0 = performance.now();
    const cpu0 = serverCpu();
    const [pg0, client0, machine0] = [postgresCpuMs(), ownCpuMs(), machineTicks()];
    const trips0 = roundTrips();
    await new Promise((r) => setTimeout(r, opts.seconds * 1000));
    measuring = false;
    const trips1 = roundTrips();
    const cpu1 = serverCpu();
    const [pg1, client1, machine1] = [postgresCpuMs(), ownCpuMs(), machineTicks()];
    const seconds = (performance.now() - t0) / 1000;
    stop = true;
    await Promise.all(running);
    agent.destroy();
    if (errors) console.warn(`  ${errors} failed requests, first: ${firstError}`);
    const [row] = await database.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*)::bigint AS n FROM product_usage_events WHERE occurred_at >= ${since}::timestamptz`;
    return {
      seconds,
      latencies,
      byPath,
      latencyByPath,
      reused,
      errors,
      serverCpuMs: cpu1 - cpu0,
      postgresCpuMs: postgresCpuBetween(pg0, pg1),
      clientCpuMs: client1 - client0,
      machineBusyMs: (machine1.busy - machine0.busy) * 10,
      machineBusy: (machine1.busy - machine0.busy) / (machine1.total - machine0.total),
      roundTrips: trips1 - trips0,
      recordingActions,
      ledgerRows: Number(row?.n ?? 0),
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
