import { Agent } from 'node:http';
import { hashPassword } from '../server/auth/passwords.ts';
import { openPostgres } from '../server/db/client.ts';
import { migrate } from '../server/db/migrate.ts';
import { cpuMs, post } from './lib/http.ts';
import { spawnServe, waitHealthy } from './lib/server.ts';
import { figure, type Figure } from './lib/stats.ts';

export type LoginBurstResult = {
  requests: number;
  callsPerRequest: number;
  /** answers to the burst's calls, by tRPC code */
  codes: Record<string, number>;
  /** password checks the burst bought: its UNAUTHORIZED answers (each one a scrypt run) */
  passwordChecks: number;
  burstMs: number;
  /** CPU the server process spent during the burst (Linux /proc; NaN elsewhere) */
  serverCpuMs: number;
  /** a correct sign-in from another address, alone (the floor) and while the burst runs */
  alone: Figure;
  during: Figure;
  /** during.max / alone.median */
  ratio: number;
};

const PASSWORD = 'the right password, at the real scrypt cost';



/**
 * (f) Issue 10 §3: `requests` batched POSTs of `callsPerRequest` wrong sign-ins at once from one
 * client address (127.0.0.1), against three real accounts and an unknown one, on `tenantpilot serve`
 * with the real scrypt cost; meanwhile a correct sign-in from another address (127.0.0.2), timed
 * against the same sign-in with no burst.
 */
export async function benchLoginBurst(url: string, opts: { requests: number; callsPerRequest: number; samples: number }): Promise<LoginBurstResult> {
  const database = await openPostgres(url);
  try {
    await migrate(database);
    const passwordHash = await hashPassword(PASSWORD);
    const accounts = ['victim-1', 'victim-2', 'victim-3', 'colleague'].map((name) => `${name}@bench.test`);
    await database.prisma.user.createMany({ data: accounts.map((email) => ({ email, displayName: email, passwordHash })) });
  } finally {
    await database.close();
  }
  const targets = ['victim-1@bench.test', 'victim-2@bench.test', 'victim-3@bench.test', 'nobody@bench.test'];
  const server = await spawnServe({ DATABASE_URL: url });
  try {
    await waitHealthy(server, { timeoutMs: 60_000, everyMs: 50 });
    const api = new URL(server.url);
    const attacker = new Agent({ keepAlive: true, maxSockets: opts.requests, localAddress: '127.0.0.1' });
    const colleague = new Agent({ keepAlive: true, maxSockets: 1, localAddress: '127.0.0.2' });
    const signIn = async () => {
      const t0 = performance.now();
      const res = await post(colleague, api, 'auth.login', { email: 'colleague@bench.test', password: PASSWORD });
      if (res.status !== 200) throw new Error(`the correct sign-in failed: ${res.status} ${res.body.slice(0, 200)}`);
      return performance.now() - t0;
    };

    await signIn(); // warm-up (builds the decoy hash, opens connections)
    const alone: number[] = [];
    for (let i = 0; i < opts.samples; i++) alone.push(await signIn());

    const batch = Object.fromEntries(
      Array.from({ length: opts.callsPerRequest }, (_, i) => [i, { email: targets[i % targets.length], password: `guess ${i}` }]),
    );
    const paths = Array(opts.callsPerRequest).fill('auth.login').join(',');
    const cpuBefore = cpuMs(server.child.pid);
    const t0 = performance.now();
    const burst = Promise.all(Array.from({ length: opts.requests }, () => post(attacker, api, `${paths}?batch=1`, batch)));
    const during: number[] = [];
    let burstDone = false;
    void burst.finally(() => (burstDone = true));
    // Sign in again and again while the burst is being answered (at least once).
    do during.push(await signIn());
    while (!burstDone && during.length < opts.samples);
    const answers = await burst;
    const burstMs = performance.now() - t0;
    const serverCpuMs = cpuMs(server.child.pid) - cpuBefore;
    attacker.destroy();
    colleague.destroy();

    const codes: Record<string, number> = {};
    for (const answer of answers) {
      for (const call of JSON.parse(answer.body) as { error?: { data: { code: string } } }[]) {
        const code = call.error?.data.code ?? 'OK';
        codes[code] = (codes[code] ?? 0) + 1;
      }
    }
    const a = figure(alone);
    const d = figure(during);
    return {
      requests: opts.requests,
      callsPerRequest: opts.callsPerRequest,
      codes,
      passwordChecks: codes.UNAUTHORIZED ?? 0,
      burstMs,
      serverCpuMs,
      alone: a,
      during: d,
      ratio: d.max / a.median,
    };
  } finally {
    await server.stop();
  }
}
