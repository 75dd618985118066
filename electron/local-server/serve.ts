import type { RunningServer } from '../../server/app.ts';
import type { Config } from '../../server/config.ts';
import type { Logger } from '../../server/observability.ts';
import { createDesktopLogger } from '../logging.ts';
import { localServerOptions, OPTIONS_ENV, type LocalServerCommand, type LocalServerMessage } from './protocol.ts';

/** The part of Electron's `process.parentPort` used here. */
export type ParentPortLike = {
  postMessage(message: LocalServerMessage): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
};

export type ServeDeps = {
  parentPort: ParentPortLike;
  env: Record<string, string | undefined>;
  exit(code: number): void;
  /** Registers a handler for SIGTERM (what `UtilityProcess.kill()` sends on POSIX). */
  onTerminate(handler: () => void): void;
  /** Test seam: the server to start (the real one by default, loaded lazily). */
  startServer?: (config: Config, opts: { log: Logger; port: number }) => Promise<Pick<RunningServer, 'url' | 'close'> & { setupCode?: string | null }>;
};

/**
 * The desktop console's local server, inside an Electron utility process: the same server as
 * `tenantpilot serve`, on 127.0.0.1 with a free port and the embedded database in the app's data
 * folder. It reports `ready` (its URL and the first-run setup code) or `failed` (one line, e.g. that
 * another process holds the folder), and on `stop` — or SIGTERM — closes the server and the
 * database (releasing the folder) before it exits.
 */
export async function serveLocally(deps: ServeDeps): Promise<void> {
  const report = (message: LocalServerMessage) => deps.parentPort.postMessage(message);
  let log: Logger | undefined;
  let server: Awaited<ReturnType<NonNullable<ServeDeps['startServer']>>> | undefined;
  let started: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;

  const stop = () =>
    (stopping ??= (async () => {
      // A start in flight finishes first: never exit half-way through opening the database folder.
      await started.catch(() => undefined);
      let code = 0;
      try {
        await server?.close();
      } catch (err) {
        log?.error({ error: (err as Error).message }, 'local server did not close cleanly');
        code = 1;
      }
      deps.exit(code);
    })());
  // Listen before starting, so a quit during a slow start still closes what was opened.
  deps.parentPort.on('message', (event) => {
    if ((event.data as LocalServerCommand | undefined)?.type === 'stop') void stop();
  });
  deps.onTerminate(() => void stop());

  started = (async () => {
    const options = localServerOptions.parse(JSON.parse(deps.env[OPTIONS_ENV] ?? 'null'));
    const [{ loadConfig }, start] = await Promise.all([
      import('../../server/config.ts'),
      deps.startServer ?? import('../../server/app.ts').then((m) => m.startServer),
    ]);
    // Only the local-mode settings are read: a stray DATABASE_URL or PORT in the shell is not ours.
    const config = loadConfig(options.settings);
    log = createDesktopLogger({ level: config.logLevel, name: 'local-server', logsDir: options.logsDir }).log.child({ component: 'local-server' });
    // No metrics listener: nothing scrapes a desktop app, and its default port would collide with `serve`'s.
    server = await start({ ...config, host: '127.0.0.1', database: { kind: 'pglite', dataDir: options.dataDir }, metrics: null }, { log, port: 0 });
  })();

  try {
    await started;
    if (!stopping) report({ type: 'ready', url: server!.url, setupCode: server!.setupCode ?? null });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log?.error({ error: message }, 'local server failed to start');
    report({ type: 'failed', message });
    if (!stopping) deps.exit(1);
  }
}
