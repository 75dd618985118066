import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const DEMO_PASSWORD = 'e2e demo password 243';

/** Settings the global setup hands to the test workers (through the environment). */
export const env = {
  get webUrl() {
    return required('TP_E2E_WEB_URL');
  },
  get apiPort() {
    return Number(required('TP_E2E_API_PORT'));
  },
};
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through playwright.config.ts (its globalSetup sets it)`);
  return value;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function waitForHttp(url: string, opts: { timeoutMs?: number; ok?: (status: number) => boolean; process?: ChildProcess } = {}) {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const ok = opts.ok ?? ((s) => s === 200);
  while (Date.now() < deadline) {
    if (opts.process && opts.process.exitCode !== null) throw new Error(`process exited (${opts.process.exitCode}) before ${url} answered`);
    try {
      if (ok((await fetch(url)).status)) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not answer in time`);
}

/**
 * Always the embedded database in `dataDir`, whatever DATABASE_URL the shell has; quiet logs.
 * The demo password is fixed so tests can sign in as the demo identities.
 */
const serverEnv = (dataDir: string) => ({
  ...process.env,
  DATABASE_URL: '',
  TENANTPILOT_DATA_DIR: dataDir,
  TENANTPILOT_LOG_LEVEL: 'warn',
  TENANTPILOT_DEMO_PASSWORD: DEMO_PASSWORD,
  // Never a fixed port in tests: the metrics listener takes any free one.
  TENANTPILOT_METRICS_PORT: '0',
});

/** The line `serve` prints while no operator exists, ending in the one-time setup code. */
const SETUP_CODE = /one-time setup code \(valid only in this process\): (\S+)/;

/** `tenantpilot serve` as a child process, stoppable and restartable on the same port and data. */
export class ApiServer {
  private child: ChildProcess | undefined;
  private output = '';
  constructor(
    readonly port: number,
    readonly dataDir: string,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The first-run setup code this process printed, if it printed one (only while no operator exists). */
  get setupCode(): string | undefined {
    return SETUP_CODE.exec(this.output)?.[1];
  }

  async start() {
    this.output = '';
    const child = spawn(process.execPath, [join(ROOT, 'bin/tenantpilot.js'), 'serve', '--host', '127.0.0.1', '--port', String(this.port)], {
      cwd: ROOT,
      env: serverEnv(this.dataDir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    this.child = child;
    try {
      // A fresh embedded folder runs initdb first: a minute or more on a busy machine.
      await waitForHttp(`${this.url}/healthz`, { process: child, timeoutMs: 110_000 });
      // `serve` prints its lines right after it listens; wait for them to arrive.
      const deadline = Date.now() + 5_000;
      while (!this.output.includes('TenantPilot API listening on') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } catch (err) {
      throw new Error(`API server did not start: ${(err as Error).message}\n${this.output}`);
    }
  }

  /** SIGTERM and wait: the server closes its embedded database before it exits. */
  async stop() {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  /**
   * `tenantpilot seed:demo` on this server's data: the demo identities (password DEMO_PASSWORD) and
   * `events` real source actions. The embedded database is single-process: the server must be stopped.
   */
  async seed(opts: { events: number; days?: number }): Promise<string> {
    if (this.child) throw new Error('stop the API server before seeding its embedded database');
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/tenantpilot.js'), 'seed:demo', '--events', String(opts.events), '--days', String(opts.days ?? 30)],
      { cwd: ROOT, env: serverEnv(this.dataDir), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`seed:demo failed (${code}): ${output}`);
    return output;
  }
}

/** `npm run console:web` (the Vite dev server), proxying to `apiUrl`. */
export async function startConsoleWeb(port: number, apiUrl: string) {
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), '--config', 'renderer/vite.web.config.ts', '--port', String(port), '--strictPort'], {
    cwd: ROOT,
    env: { ...process.env, TENANTPILOT_API_URL: apiUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(url, { process: child, timeoutMs: 30_000 });
    // Compile the app once so the first test does not pay for it.
    await waitForHttp(`${url}/src/main.tsx`, { process: child, timeoutMs: 60_000 });
  } catch (err) {
    child.kill();
    throw new Error(`console:web did not start: ${(err as Error).message}\n${output}`);
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
