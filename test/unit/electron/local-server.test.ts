import { fork as forkNode } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { OPTIONS_ENV, pickLocalSettings, type LocalServerMessage, type LocalServerOptions } from '../../../electron/local-server/protocol.ts';
import { serveLocally, type ParentPortLike } from '../../../electron/local-server/serve.ts';
import { LOCAL_SERVER_SERVICE_NAME, startLocalServer, type Fork, type UtilityProcessLike } from '../../../electron/main/local-server.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const ENTRY = join(ROOT, 'electron/local-server/index.ts');
const MIGRATIONS = join(ROOT, 'prisma/migrations');
const TEMPLATES = join(ROOT, 'dist/db-template');
const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-local-server-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * `utilityProcess.fork` played by Node's fork: the real entry (through tsx) in a real child process,
 * with Electron's parentPort emulated over the IPC channel; kill() sends SIGTERM as Electron does.
 */
const forkInNode = (spawned: { pid?: number }[], extraEnv: Record<string, string> = {}): Fork => (modulePath, args, options) => {
  const child = forkNode(modulePath, args, {
    execArgv: ['--import', 'tsx', '--import', join(import.meta.dirname, 'support/parent-port.mjs')],
    env: { ...options.env, ...extraEnv, PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  spawned.push(child);
  return {
    postMessage: (message) => void child.send(message),
    kill: () => child.kill('SIGTERM'),
    on: (event: 'message' | 'exit', listener: (...args: any[]) => void) => child.on(event, listener),
  } as UtilityProcessLike;
};

const options = (dataDir: string, settings: LocalServerOptions['settings'] = { TENANTPILOT_LOG_LEVEL: 'warn' }): LocalServerOptions => ({ dataDir, settings });

describe('local server in its own process (real child, real database)', () => {
  it('listens, passes only what local mode uses, stops cleanly on request, and reports a crash as an exit', async () => {
    const dataDir = join(tempDir(), 'data');
    const spawned: { pid?: number }[] = [];
    // A stray DATABASE_URL and a non-numeric PORT in the user's shell must not matter.
    const fork = forkInNode(spawned, { DATABASE_URL: 'mysql://nope', PORT: 'not-a-port' });
    const start = () => startLocalServer({ fork, entry: ENTRY, options: options(dataDir), migrationsDir: MIGRATIONS, dbTemplateDir: TEMPLATES, quiet: true, log });

    const first = await start();
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${first.url}/healthz`)).json()).toEqual({ status: 'ok' });
    await first.close();
    await expect(fetch(`${first.url}/healthz`)).rejects.toThrow();

    // The database was closed cleanly: the same folder opens again.
    const second = await start();
    expect(await (await fetch(`${second.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const exited = new Promise<string>((r) => second.onExit(r));
    process.kill(spawned[1]!.pid!, 'SIGKILL');
    expect(await exited).toMatch(/^The local server stopped unexpectedly \(exit code/);
  }, 180_000);

  it('reports an invalid local setting with its one-line reason, before touching the database', async () => {
    const dataDir = join(tempDir(), 'data');
    const failing = startLocalServer({
      fork: forkInNode([]),
      entry: ENTRY,
      options: options(dataDir, { TENANTPILOT_PRODUCT_USAGE_EVENT_RETENTION_DAYS: 'ninety' }),
      migrationsDir: MIGRATIONS,
      dbTemplateDir: TEMPLATES,
      quiet: true,
      log,
    });
    await expect(failing).rejects.toThrow('Invalid configuration: TENANTPILOT_PRODUCT_USAGE_EVENT_RETENTION_DAYS must be an integer from 1 to 3650');
  }, 60_000);
});

/** A utility process the test drives: it answers what the test says, exits when told. */
function fakeChild() {
  const events = new EventEmitter();
  const sent: unknown[] = [];
  const child: UtilityProcessLike = {
    postMessage: (message) => void sent.push(message),
    kill: vi.fn(() => (events.emit('exit', 143), true)),
    on: (event: string, listener: (...args: any[]) => void) => events.on(event, listener),
  } as UtilityProcessLike;
  return { child, sent, say: (message: LocalServerMessage) => events.emit('message', message), exit: (code: number) => events.emit('exit', code) };
}

describe('local server supervisor (main side)', () => {
  it('forks the entry with only its options and the migrations folder in the environment', () => {
    const { child } = fakeChild();
    const fork = vi.fn<Fork>(() => child);
    void startLocalServer({
      fork,
      entry: '/app/out/main/local-server.js',
      options: options('/data'),
      migrationsDir: '/res/migrations',
      dbTemplateDir: '/res/db-template',
      quiet: true,
      log,
    });
    expect(fork).toHaveBeenCalledWith('/app/out/main/local-server.js', [], {
      env: { [OPTIONS_ENV]: JSON.stringify(options('/data')), TENANTPILOT_MIGRATIONS_DIR: '/res/migrations', TENANTPILOT_DB_TEMPLATE_DIR: '/res/db-template' },
      stdio: 'ignore',
      serviceName: LOCAL_SERVER_SERVICE_NAME,
    });
  });

  it("rejects with the server's own reason when it fails, or with the exit code when it just ends", async () => {
    const a = fakeChild();
    const failing = startLocalServer({ fork: () => a.child, entry: 'e', options: options('/d'), migrationsDir: 'm', dbTemplateDir: 't', quiet: true, log });
    a.say({ type: 'failed', message: 'The folder /d is locked by process 42.' });
    a.exit(1);
    await expect(failing).rejects.toThrow('The folder /d is locked by process 42.');

    const b = fakeChild();
    const ending = startLocalServer({ fork: () => b.child, entry: 'e', options: options('/d'), migrationsDir: 'm', dbTemplateDir: 't', quiet: true, log });
    b.exit(9);
    await expect(ending).rejects.toThrow('The local server stopped before it was ready (exit code 9).');
  });

  it('passes the setup code on, and kills a server that does not stop in time', async () => {
    const { child, sent, say } = fakeChild();
    const starting = startLocalServer({ fork: () => child, entry: 'e', options: options('/d'), migrationsDir: 'm', dbTemplateDir: 't', quiet: true, log, stopTimeoutMs: 20 });
    say({ type: 'ready', url: 'http://127.0.0.1:4999', setupCode: 'abc-123' });
    const server = await starting;
    expect(server).toMatchObject({ url: 'http://127.0.0.1:4999', setupCode: 'abc-123' });
    const onExit = vi.fn();
    server.onExit(onExit);
    await server.close();
    expect(sent).toEqual([{ type: 'stop' }]);
    expect(child.kill).toHaveBeenCalledTimes(1);
    expect(onExit).not.toHaveBeenCalled(); // asked to stop: not a crash
  });
});

describe('local server process (utility side)', () => {
  function parentPort() {
    const events = new EventEmitter();
    const messages: LocalServerMessage[] = [];
    const port: ParentPortLike = { postMessage: (m) => void messages.push(m), on: (e, l) => events.on(e, l) };
    return { port, messages, send: (data: unknown) => events.emit('message', { data }) };
  }
  const env = (settings: LocalServerOptions['settings'] = {}) => ({ [OPTIONS_ENV]: JSON.stringify(options('/data', { TENANTPILOT_LOG_LEVEL: 'silent', ...settings })) });

  it('starts the server on 127.0.0.1 with a free port on the embedded database, and reports its URL and setup code', async () => {
    const { port, messages } = parentPort();
    const startServer = vi.fn(async () => ({ url: 'http://127.0.0.1:5001', setupCode: 'code-1', close: vi.fn(async () => {}) }));
    await serveLocally({ parentPort: port, env: env({ TENANTPILOT_PRUNE_CRON: '0 4 * * *' }), exit: vi.fn(), onTerminate: vi.fn(), startServer });
    expect(startServer).toHaveBeenCalledWith(
      expect.objectContaining({ host: '127.0.0.1', database: { kind: 'pglite', dataDir: '/data' }, pruneCron: '0 4 * * *' }),
      expect.objectContaining({ port: 0 }),
    );
    expect(messages).toEqual([{ type: 'ready', url: 'http://127.0.0.1:5001', setupCode: 'code-1' }]);
  });

  it('on stop during a slow start, lets the start finish, closes the database, then exits', async () => {
    const { port, messages, send } = parentPort();
    const close = vi.fn(async () => {});
    let finish!: () => void;
    const startServer = vi.fn(() => new Promise<{ url: string; close: typeof close }>((r) => (finish = () => r({ url: 'http://127.0.0.1:5002', close }))));
    const exit = vi.fn();
    const serving = serveLocally({ parentPort: port, env: env(), exit, onTerminate: vi.fn(), startServer });
    await vi.waitFor(() => expect(startServer).toHaveBeenCalled());
    send({ type: 'stop' });
    expect(exit).not.toHaveBeenCalled();
    finish();
    await serving;
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0));
    expect(close).toHaveBeenCalledTimes(1);
    expect(messages).toEqual([]); // never announced as ready
  });

  it('reports a failed start in one line and exits 1', async () => {
    const { port, messages } = parentPort();
    const exit = vi.fn();
    const startServer = vi.fn(async () => Promise.reject(new Error('The folder /data is locked by process 7.')));
    await serveLocally({ parentPort: port, env: env(), exit, onTerminate: vi.fn(), startServer });
    expect(messages).toEqual([{ type: 'failed', message: 'The folder /data is locked by process 7.' }]);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('takes only the local-mode settings from an environment', () => {
    expect(
      pickLocalSettings({ DATABASE_URL: 'postgresql://x', PORT: 'abc', HOST: '0.0.0.0', TENANTPILOT_LOG_LEVEL: 'debug', TENANTPILOT_DATA_DIR: '/elsewhere', TENANTPILOT_PRUNE_CRON: '' }),
    ).toEqual({ TENANTPILOT_LOG_LEVEL: 'debug' });
  });
});
