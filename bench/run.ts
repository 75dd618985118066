/**
 * `npm run bench` — telemetry performance at scale, against the naive exact query.
 * Usage: npm run bench [-- --quick] [-- --only a,b,c,d,e,f] [-- --keep]
 *   --quick  small datasets and short runs, for iteration (results go to the OS temp folder)
 *   --only   run some figures: a summary, b recorder overhead, c API throughput, d prune, e cold start,
 *            f login burst (a correct sign-in while 1,600 wrong ones arrive at once)
 *   --keep   keep the bench databases (tp_bench_small, tp_bench_large) for inspection
 * PostgreSQL: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test); the bench creates
 * and drops its own databases there and leaves nothing in the one named by the URL.
 * BENCH_SERVE_DIST: run `tenantpilot serve` from another build (e.g. a snapshot under node_modules/.cache)
 * instead of rebuilding dist/ from the current sources.
 * See docs/PERFORMANCE.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureServerBuilt } from '../scripts/build-server.mjs';
import { openPglite, openPostgres, type Database } from '../server/db/client.ts';
import { migrate } from '../server/db/migrate.ts';
import { benchColdStart, type ColdStartResult } from './coldstart.ts';
import { benchLoginBurst, type LoginBurstResult } from './login-burst.ts';
import { loadLedger, seedScope } from './data.ts';
import { createBenchActors } from './identities.ts';
import { createDatabase, dropDatabase, serverFacts } from './lib/pg.ts';
import { checkPgProxy, startPgProxy } from './lib/pg-proxy.ts';
import { count, ms, table, times, verdict } from './lib/report.ts';
import { benchPrune, type PruneBenchResult } from './prune.ts';
import { benchRecorder, type RecorderResult } from './recorder.ts';
import { benchNows, benchSummary, type SummaryResult } from './summary.ts';
import { MIXES, benchThroughput, type MixName, type Target, type ThroughputResult } from './throughput.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const keep = args.includes('--keep');
const onlyArg = args.find((a) => a.startsWith('--only'));
const onlyValue = onlyArg?.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf('--only') + 1];
const only = new Set((onlyValue ?? 'abcdef').replace(/,/g, '').split(''));
const run = (figure: string) => !onlyArg || only.has(figure);

const SIZES = quick
  ? { pgSmall: 100_000, pgLarge: 400_000, pglite: 100_000, nows: 3, oursPerNow: 3, recCalls: 400, tputSeconds: 5, tputWarmup: 1, tputCountSeconds: 2, pruneBefore: 12, coldRuns: 2 }
  : { pgSmall: 1_000_000, pgLarge: 10_000_000, pglite: 1_000_000, nows: 6, oursPerNow: 5, recCalls: 3000, tputSeconds: 20, tputWarmup: 3, tputCountSeconds: 5, pruneBefore: 100, coldRuns: 5 };
const DAYS = 100;
const WORKSPACES = 500;
const RETENTION_DAYS = 90;
const CLIENTS = 32;
/**
 * (c): on one database with the same actors, the hand-written floor first (the reference), then the
 * project with one process and two (scale-out), for the four-action mix and for operations.start alone.
 * Two processes split one connection budget, as the README tells operators (TENANTPILOT_DB_POOL_SIZE=5
 * each: the scale-out target); the same two with the default 10 each are reported beside them.
 */
const THROUGHPUT_RUNS: { target: Target; mix: MixName; replicas: number; poolSize?: number }[] = [
  { target: 'floor', mix: 'mix', replicas: 1 },
  { target: 'project', mix: 'mix', replicas: 1 },
  { target: 'project', mix: 'mix', replicas: 2, poolSize: 5 },
  { target: 'project', mix: 'mix', replicas: 2 },
  { target: 'floor', mix: 'operations.start', replicas: 1 },
  { target: 'project', mix: 'operations.start', replicas: 1 },
];
/** TENANTPILOT_DB_POOL_SIZE's default (server/config.ts), and the floor's FLOOR_POOL_SIZE default. */
const DEFAULT_POOL = 10;
/** (c) targets against the floor, measured in the same run. */
const VS_FLOOR = { throughput: 0.6, p99: 2 };
/** (f): the burst issue 10 measured — 100 batched POSTs of 16 wrong sign-ins. */
const LOGIN_BURST = { requests: 100, callsPerRequest: 16, samples: quick ? 3 : 5 };

const started = performance.now();
const log = (msg: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const load = () => loadavg().map((x) => Number(x.toFixed(2)));

type Dataset = { database: 'postgres' | 'pglite'; ledgerRows: number; loadSeconds: number };
const results = {
  generatedAt: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
  machine: {} as Record<string, unknown>,
  datasets: [] as Dataset[],
  summary: [] as SummaryResult[],
  recorder: undefined as RecorderResult | undefined,
  throughput: [] as ThroughputResult[],
  /** `target` null: reported beside the targets, not one of them */
  throughputRatios: [] as { ratio: string; mix: MixName; value: number; target: string | null; met: boolean }[],
  prune: undefined as PruneBenchResult | undefined,
  coldStart: [] as ColdStartResult[],
  loginBurst: undefined as LoginBurstResult | undefined,
  targets: [] as { figure: string; target: string; value: string; met: boolean }[],
  loadAverage: {} as Record<string, number[]>,
  failure: undefined as string | undefined,
};

/** Builds a dataset through one session: scope (workspaces, tenants), ledger, indexes, rollups. */
async function build(database: Database, events: number, end: Date) {
  const t0 = performance.now();
  let lastLog = 0;
  await database.withSession(async (s) => {
    // Bulk-load settings for this session only: bigger sort memory for the index builds; no
    // per-statement WAL flush wait (a crash would lose the dataset, not corrupt it).
    if (database.kind === 'postgres') await s.exec("SET maintenance_work_mem = '1GB'; SET synchronous_commit = off");
    else await s.exec("SET maintenance_work_mem = '256MB'");
    await seedScope(s, WORKSPACES);
    await loadLedger(s, { events, days: DAYS, workspaces: WORKSPACES, end }, {
      onProgress: (rows, phase) => {
        const t = performance.now();
        if (t - lastLog > 10_000 || phase !== 'ledger') {
          lastLog = t;
          log(`  ${database.kind} ${count(events)}: ${phase === 'ledger' ? `${count(rows)} rows` : phase}`);
        }
      },
    });
  });
  const loadSeconds = (performance.now() - t0) / 1000;
  results.datasets.push({ database: database.kind, ledgerRows: events, loadSeconds });
  log(`  ${database.kind} ${count(events)} loaded in ${loadSeconds.toFixed(0)} s`);
}

/** The dataset ends at the current minute: source actions of (b) and (c) land right after it. */
const dataEnd = () => new Date(Math.floor(Date.now() / 60_000) * 60_000);

async function summaryFigures(database: Database, rows: number, end: Date) {
  log(`(a) summary vs naive on ${database.kind} at ${count(rows)} rows`);
  results.loadAverage[`a-${database.kind}-${rows}`] = load();
  const r = await benchSummary(database, {
    ledgerRows: rows,
    nows: benchNows(end, SIZES.nows),
    oursPerNow: SIZES.oursPerNow,
    onWindow: (w) => log(`  window ${w}`),
  });
  results.summary.push(...r);
}

async function postgresPhase(name: 'tp_bench_small' | 'tp_bench_large', rows: number, figures: string[]) {
  const url = await createDatabase(name);
  const database = await openPostgres(url);
  try {
    await migrate(database);
    const end = dataEnd();
    log(`building ${name}: ${count(rows)} events over ${DAYS} days, ${WORKSPACES} workspaces`);
    await build(database, rows, end);
    if (figures.includes('a')) await summaryFigures(database, rows, end);
    if (figures.includes('b')) {
      log('(b) recorder overhead through createCaller: operations.start, telemetry on vs off');
      results.loadAverage.b = load();
      results.recorder = await benchRecorder(database, { calls: SIZES.recCalls });
    }
    if (figures.includes('c')) {
      // round trips are counted in a shorter second pass through this proxy (see benchThroughput)
      const proxy = await startPgProxy(url);
      try {
        await checkPgProxy(proxy);
        const actors = await createBenchActors(database.prisma, CLIENTS, `tput${Date.now()}`);
        for (const r of THROUGHPUT_RUNS) {
          log(`(c) API throughput: ${runLabel(r)}, ${r.mix}, ${CLIENTS} clients over HTTP for ${SIZES.tputSeconds} s`);
          results.loadAverage[`c-${r.target}${r.replicas}x${r.poolSize ?? DEFAULT_POOL}-${r.mix}`] = load();
          const roundTrips = { proxy, seconds: SIZES.tputCountSeconds, warmupSeconds: SIZES.tputWarmup };
          results.throughput.push(await benchThroughput(database, { url, actors, seconds: SIZES.tputSeconds, warmupSeconds: SIZES.tputWarmup, roundTrips, ...r }));
        }
      } finally {
        await proxy.close();
      }
    }
    if (figures.includes('d')) {
      log(`(d) prune past ${RETENTION_DAYS} days while summaries run`);
      results.loadAverage.d = load();
      const pruner = await openPostgres(url);
      try {
        results.prune = await benchPrune(database, pruner, { retentionDays: RETENTION_DAYS, beforeSamples: SIZES.pruneBefore });
      } finally {
        await pruner.close();
      }
    }
  } finally {
    await database.close();
    if (!keep) await dropDatabase(name);
  }
}

async function pglitePhase(figures: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-pglite-'));
  const blank = mkdtempSync(join(tmpdir(), 'tp-bench-pglite-blank-'));
  try {
    if (figures.includes('a') || figures.includes('e')) {
      const database = await openPglite(dir);
      try {
        await migrate(database);
        const end = dataEnd();
        log(`building the embedded database: ${count(SIZES.pglite)} events`);
        await build(database, SIZES.pglite, end);
        if (figures.includes('a')) await summaryFigures(database, SIZES.pglite, end);
      } finally {
        await database.close();
      }
    }
    if (figures.includes('e')) {
      log('(e) embedded cold start: tenantpilot serve → first 200 from /healthz, against a bare PGlite open');
      results.loadAverage.e = load();
      // an initialized, migrated folder without events separates start-up cost from ledger size
      const initialized = await openPglite(blank);
      await migrate(initialized);
      await initialized.close();
      results.coldStart.push(...(await benchColdStart({ initializedDir: blank, ledgerDir: { dir, rows: SIZES.pglite }, runs: SIZES.coldRuns })));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(blank, { recursive: true, force: true });
  }
}

async function loginBurstPhase() {
  const name = 'tp_bench_login';
  log(`(f) login burst: ${LOGIN_BURST.requests} batched POSTs of ${LOGIN_BURST.callsPerRequest} wrong sign-ins, a correct one from another address meanwhile`);
  results.loadAverage.f = load();
  const url = await createDatabase(name);
  try {
    results.loginBurst = await benchLoginBurst(url, LOGIN_BURST);
  } finally {
    if (!keep) await dropDatabase(name);
  }
}

/** floor | project, N process(es) × connections each (TENANTPILOT_DB_POOL_SIZE) */
function runLabel(r: { target: Target; replicas: number; poolSize?: number }) {
  if (r.target === 'floor') return 'floor';
  const pool = r.poolSize === undefined ? `${DEFAULT_POOL} connections (default)` : `${r.poolSize} connections`;
  const split = r.replicas > 1 && r.poolSize !== undefined && r.poolSize * r.replicas <= DEFAULT_POOL ? ', split budget' : '';
  return `project, ${r.replicas} process${r.replicas > 1 ? 'es' : ''} × ${pool}${split}`;
}
const findRun = (target: Target, mix: MixName, replicas = 1, poolSize?: number) =>
  results.throughput.find((x) => x.target === target && x.mix === mix && x.replicas === replicas && x.poolSize === poolSize);

/** (c) project against the floor, and two processes against one, within this run. */
function throughputRatios() {
  for (const mix of ['mix', 'operations.start'] as const) {
    const floor = findRun('floor', mix);
    const project = findRun('project', mix);
    if (!floor || !project) continue;
    const tput = project.actionsPerSecond / floor.actionsPerSecond;
    const p99 = project.latency.p99 / floor.latency.p99;
    results.throughputRatios.push({ ratio: 'project / floor actions/s', mix, value: tput, target: `≥ ${VS_FLOOR.throughput}×`, met: tput >= VS_FLOOR.throughput });
    results.throughputRatios.push({ ratio: 'project p99 / floor p99', mix, value: p99, target: `≤ ${VS_FLOOR.p99}×`, met: p99 <= VS_FLOOR.p99 });
  }
  // the target compares one budget of connections split over two processes with one process holding it
  const one = findRun('project', 'mix', 1);
  const split = findRun('project', 'mix', 2, 5);
  const doubled = findRun('project', 'mix', 2);
  if (one && split) {
    const scale = split.actionsPerSecond / one.actionsPerSecond;
    results.throughputRatios.push({ ratio: '2 processes × 5 connections / 1 process × 10 actions/s', mix: 'mix', value: scale, target: '≥ 1×', met: scale >= 1 });
  }
  if (one && doubled) {
    const scale = doubled.actionsPerSecond / one.actionsPerSecond;
    results.throughputRatios.push({ ratio: '2 processes × 10 connections / 1 process × 10 actions/s', mix: 'mix', value: scale, target: null, met: true });
  }
}

function evaluate() {
  const large = Math.max(0, ...results.summary.filter((s) => s.database === 'postgres').map((s) => s.ledgerRows));
  for (const s of results.summary.filter((x) => x.database === 'postgres' && x.ledgerRows === large)) {
    results.targets.push({ figure: `a: ${s.window} median at ${count(large)} (PostgreSQL)`, target: '≤ 50 ms', value: `${ms(s.ours.median)} ms`, met: s.ours.median <= 50 });
    if (s.window === '30d' || s.window === '90d') {
      results.targets.push({ figure: `a: ${s.window} naive / ours at ${count(large)}`, target: '≥ 20×', value: times(s.ratio), met: s.ratio >= 20 });
    }
  }
  if (results.summary.length) {
    results.targets.push({ figure: 'a: ours == naive on every run', target: 'all runs', value: `${results.summary.reduce((a, s) => a + s.exactRuns, 0)} runs`, met: true });
  }
  const r = results.recorder;
  if (r) results.targets.push({ figure: 'b: recorder on / off (median)', target: '≤ 1.10', value: r.ratio.toFixed(3), met: r.ratio <= 1.1 });
  const t = findRun('project', 'mix');
  if (t) {
    results.targets.push({ figure: 'c: actions/s (32 clients)', target: '≥ 1,000', value: t.actionsPerSecond.toFixed(0), met: t.actionsPerSecond >= 1000 });
    results.targets.push({ figure: 'c: p99 latency', target: '≤ 100 ms', value: `${ms(t.latency.p99)} ms`, met: t.latency.p99 <= 100 });
  }
  for (const x of results.throughputRatios.filter((r) => r.target !== null)) results.targets.push({ figure: `c: ${x.ratio} (${x.mix})`, target: x.target!, value: times(x.value), met: x.met });
  for (const x of results.throughput) {
    results.targets.push({ figure: `c: ledger rows == successful recording actions (${runLabel(x)}, ${x.mix})`, target: 'equal', value: `${x.ledgerRows} / ${x.recordingActions}`, met: x.ledgerRows === x.recordingActions });
    results.targets.push({ figure: `c: errors (${runLabel(x)}, ${x.mix})`, target: '0', value: String(x.errors), met: x.errors === 0 });
  }
  const p = results.prune;
  if (p) results.targets.push({ figure: 'd: summary p95 during prune / before', target: '≤ 2×', value: times(p.p95Ratio), met: p.p95Ratio <= 2 });
  const cold = (c: ColdStartResult['case']) => results.coldStart.find((x) => x.case === c && x.ledgerRows === 0);
  const initializedStart = cold('initialized');
  if (initializedStart) {
    results.targets.push({ figure: 'e: serve → /healthz, initialized folder / bare PGlite open', target: '≤ 1.5×', value: times(initializedStart.vsFloor), met: initializedStart.vsFloor <= 1.5 });
  }
  const newFolder = cold('empty (new folder)');
  if (newFolder) results.targets.push({ figure: 'e: serve → /healthz, new folder / bare PGlite open', target: '≤ 2×', value: times(newFolder.vsFloor), met: newFolder.vsFloor <= 2 });
  const f = results.loginBurst;
  if (f) {
    results.targets.push({ figure: 'f: correct sign-in from another address during the burst (slowest)', target: '< 2 s', value: `${ms(f.during.max)} ms`, met: f.during.max < 2000 });
    results.targets.push({ figure: `f: password checks bought by ${f.requests * f.callsPerRequest} wrong sign-ins`, target: 'a few dozen (≤ 48)', value: String(f.passwordChecks), met: f.passwordChecks <= 48 });
  }
}

function printReport() {
  const out: string[] = [];
  if (results.summary.length) {
    out.push('(a) Summary latency, ms (ours: rollups + edge rows; naive: count per event + count(distinct workspace) over raw rows)');
    out.push(
      table(
        ['database', 'ledger rows', 'window', 'ours median', 'ours p95', 'naive median', 'naive p95', 'naive / ours', 'exact runs'],
        results.summary.map((s) => [s.database, count(s.ledgerRows), s.window, ms(s.ours.median), ms(s.ours.p95), ms(s.naive.median), ms(s.naive.p95), times(s.ratio), `${s.exactRuns}/${s.exactRuns}`]),
      ),
    );
  }
  const r = results.recorder;
  if (r) {
    out.push(`\n(b) Recorder overhead: ${r.action} through createCaller, ${r.calls} calls alternating on/off, ms`);
    out.push(table(['telemetry', 'median', 'p95', 'min'], [['on', ms(r.on.median), ms(r.on.p95), ms(r.on.min)], ['off', ms(r.off.median), ms(r.off.p95), ms(r.off.min)], ['on / off', r.ratio.toFixed(3), r.ratioP95.toFixed(3), '']]));
  }
  if (results.throughput.length) {
    const t = results.throughput[0]!;
    out.push(`\n(c) API throughput: ${t.clients} keep-alive clients over HTTP on 127.0.0.1, PostgreSQL, ${t.seconds.toFixed(1)} s measured after ${SIZES.tputWarmup} s warm-up; round trips (ReadyForQuery) counted in a separate ${SIZES.tputCountSeconds} s pass through a proxy; floor: bench/floor-server.ts; “× N connections”: TENANTPILOT_DB_POOL_SIZE of each server process`);
    out.push(
      table(
        ['server', 'mix', 'actions/s', 'actions', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'server CPU ms/action', 'round trips/action', 'recording actions', 'ledger rows', 'packs reused'],
        results.throughput.map((x) => [runLabel(x), x.mix, x.actionsPerSecond.toFixed(0), x.actions, ms(x.latency.median), ms(x.latency.p95), ms(x.latency.p99), x.errors, ms(x.serverCpuMsPerAction), x.roundTripsPerAction.toFixed(2), x.recordingActions, x.ledgerRows, x.reused]),
      ),
    );
    out.push('Where the cores went during each window (CPU ms per action; machine busy counts everything running, other work included)');
    out.push(
      table(
        ['run', 'mix', 'server', 'PostgreSQL', 'bench clients', 'other', 'machine busy'],
        results.throughput.map((x) => [runLabel(x), x.mix, ms(x.serverCpuMsPerAction), ms(x.postgresCpuMsPerAction), ms(x.clientCpuMsPerAction), ms(x.otherCpuMsPerAction), `${(x.machineBusy * 100).toFixed(0)} %`]),
      ),
    );
    const paths = MIXES.mix.map((m) => m.path);
    out.push(
      table(
        ['p50 / p99 ms by action', 'mix', ...paths],
        results.throughput.map((x) => [runLabel(x), x.mix, ...paths.map((p) => (x.latencyByPath[p] ? `${ms(x.latencyByPath[p].median)} / ${ms(x.latencyByPath[p].p99)}` : ''))]),
      ),
    );
    if (results.throughputRatios.length) {
      out.push(table(['ratio (same run)', 'mix', 'value', 'target', 'verdict'], results.throughputRatios.map((x) => [x.ratio, x.mix, times(x.value), x.target ?? '—', x.target === null ? 'reported' : x.met ? 'PASS' : 'MISS'])));
      out.push('The scale-out target (2 processes / 1 process ≥ 1×) uses the split-budget run: the two processes share the one process’s 10 connections (5 each), as operators are told to; 2 × 10 connections is reported, not a target.');
    }
  }
  const p = results.prune;
  if (p) {
    out.push(`\n(d) Prune on PostgreSQL: rows past ${p.retentionDays} days, batches of ${p.batchSize}, summaries of every window running meanwhile`);
    out.push(
      table(
        ['rows deleted', 'batches', 'total s', 'longest batch ms', 'median batch ms', 'summary p95 before', 'p95 during', 'during / before'],
        [[p.deleted, p.batches, (p.totalMs / 1000).toFixed(1), ms(p.longestBatchMs), ms(p.medianBatchMs), ms(p.summaryBefore.p95), ms(p.summaryDuring.p95), times(p.p95Ratio)]],
      ),
    );
  }
  if (results.coldStart.length) {
    out.push('\n(e) Embedded cold start: spawn → first 200 from /healthz (serve) or SELECT 1 answered (floor: a bare PGlite open of the initialized folder), ms');
    out.push(
      table(
        ['case', 'ledger rows', 'runs', 'median', 'p95', 'median / floor'],
        results.coldStart.map((c) => [c.case, count(c.ledgerRows), c.runs, ms(c.ms.median), ms(c.ms.p95), times(c.vsFloor)]),
      ),
    );
  }
  const f = results.loginBurst;
  if (f) {
    out.push(`\n(f) Login burst on PostgreSQL: ${f.requests} batched POSTs × ${f.callsPerRequest} wrong sign-ins from 127.0.0.1 (three accounts and an unknown one), real scrypt cost; a correct sign-in from 127.0.0.2, ms`);
    out.push(
      table(
        ['correct sign-in alone (median)', 'during the burst (slowest)', 'during / alone', 'burst answered in', 'server CPU for the burst', 'password checks', 'answers'],
        [[ms(f.alone.median), ms(f.during.max), times(f.ratio), `${ms(f.burstMs)} ms`, `${ms(f.serverCpuMs)} ms`, f.passwordChecks, Object.entries(f.codes).map(([c, n]) => `${c} ${n}`).join(', ')]],
      ),
    );
  }
  if (results.datasets.length) {
    out.push('\nDatasets (generate_series + index rebuild + rollups + VACUUM ANALYZE)');
    out.push(table(['database', 'ledger rows', 'load s'], results.datasets.map((d) => [d.database, count(d.ledgerRows), d.loadSeconds.toFixed(0)])));
  }
  if (results.targets.length) {
    out.push(`\nTargets${quick ? ' (quick mode: small datasets, not the issue’s sizes)' : ''}`);
    out.push(table(['figure', 'target', 'value', 'verdict'], results.targets.map((x) => [x.figure, x.target, x.value, verdict(x.met)])));
  }
  console.log(`\n${out.join('\n')}\n`);
}

async function main() {
  // (c) and (e) start `bin/tenantpilot.js`, which runs dist/server: never measure a stale build, and
  // (e) starts new folders from the install-time template of the current migrations.
  if (process.env.BENCH_SERVE_DIST) log(`serve runs the build in ${process.env.BENCH_SERVE_DIST} (BENCH_SERVE_DIST), not dist/`);
  else if (await ensureServerBuilt({ template: true })) log('dist/server rebuilt from the current sources');
  const pg = await serverFacts();
  const pglite = JSON.parse(readFileSync(join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version as string;
  results.machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeMemoryGiB: Number((freemem() / 2 ** 30).toFixed(1)),
    node: process.version,
    postgres: pg,
    pglite,
  };
  results.loadAverage.start = load();
  log(`TenantPilot telemetry bench (${quick ? 'quick' : 'full'}): ${cpus().length} CPUs, ${results.machine.memoryGiB} GiB, ${pg.version?.split(' on ')[0]}, PGlite ${pglite}; load ${load().join(' ')}`);
  const wanted = [...'abcdef'].filter(run);
  if (wanted.includes('a')) await postgresPhase('tp_bench_small', SIZES.pgSmall, ['a']);
  if (wanted.some((f) => 'abcd'.includes(f))) await postgresPhase('tp_bench_large', SIZES.pgLarge, wanted);
  if (wanted.includes('a') || wanted.includes('e')) await pglitePhase(wanted);
  if (wanted.includes('f')) await loginBurstPhase();
  results.loadAverage.end = load();
  throughputRatios();
  evaluate();
  printReport();
}

const outFile = quick || onlyArg ? join(tmpdir(), 'tenantpilot-bench-results.json') : join(ROOT, 'bench/results.json');
try {
  await main();
} catch (err) {
  results.failure = `${(err as Error).name}: ${(err as Error).message}`;
  console.error(`\nBENCH FAILED: ${results.failure}`);
  process.exitCode = 1;
} finally {
  results.loadAverage.end ??= load();
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  log(`results written to ${outFile} (${((performance.now() - started) / 60_000).toFixed(1)} min)`);
}
