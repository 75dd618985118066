import type { Logger } from '../../server/observability.ts';
import { OPTIONS_ENV, type LocalServerCommand, type LocalServerMessage, type LocalServerOptions } from '../local-server/protocol.ts';

/** The part of Electron's `UtilityProcess` used here. */
export type UtilityProcessLike = {
  postMessage(message: LocalServerCommand): void;
  kill(): boolean;
  on(event: 'message', listener: (message: LocalServerMessage) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
};

/** `utilityProcess.fork`, passed in so this module never imports `electron`. */
export type Fork = (
  modulePath: string,
  args: string[],
  options: { env: Record<string, string>; stdio: 'inherit' | 'ignore'; serviceName: string },
) => UtilityProcessLike;

export type LocalServer = {
  url: string;
  /** The first-run setup code the server printed, while its database has no operator. */
  setupCode: string | null;
  /** Asks the server to close its database and exit; kills it if it has not exited within the timeout. */
  close(): Promise<void>;
  /** Called once if the server process ends without being asked to (a crash, or killed). */
  onExit(listener: (reason: string) => void): void;
};

/** Shown in the OS task manager and in `app.getAppMetrics()`. */
export const LOCAL_SERVER_SERVICE_NAME = 'TenantPilot local server';

/**
 * Starts the embedded API server in an Electron utility process (never on the main thread, so a
 * slow query or prune cannot freeze the window) and resolves once it listens. Rejects with the
 * server's own one-line reason (e.g. the database folder is locked by another process) or with how
 * the process ended before it was ready.
 */
export function startLocalServer(deps: {
  fork: Fork;
  /** out/main/local-server.js */
  entry: string;
  options: LocalServerOptions;
  migrationsDir: string;
  /** Where a new database folder's pre-initialized template is (initdb when none fits). */
  dbTemplateDir: string;
  /** Packaged: the utility process has no terminal to write to. */
  quiet: boolean;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  stopTimeoutMs?: number;
}): Promise<LocalServer> {
  const child = deps.fork(deps.entry, [], {
    // Only what the server needs: its options, where the migrations and the database template are;
    // none of the shell's DATABASE_URL, PORT, HOST or NODE_OPTIONS.
    env: {
      [OPTIONS_ENV]: JSON.stringify(deps.options),
      TENANTPILOT_MIGRATIONS_DIR: deps.migrationsDir,
      TENANTPILOT_DB_TEMPLATE_DIR: deps.dbTemplateDir,
    },
    stdio: deps.quiet ? 'ignore' : 'inherit',
    serviceName: LOCAL_SERVER_SERVICE_NAME,
  });

  let ready = false;
  let closing: Promise<void> | undefined;
  let failure: string | undefined;
  const exitListeners: ((reason: string) => void)[] = [];
  const exited = new Promise<number>((resolve) => child.on('exit', resolve));

  return new Promise<LocalServer>((resolve, reject) => {
    child.on('message', (message) => {
      if (message.type === 'failed') failure = message.message;
      if (message.type !== 'ready' || ready) return;
      ready = true;
      deps.log.info({ url: message.url }, 'local server ready');
      resolve({
        url: message.url,
        setupCode: message.setupCode,
        close: () =>
          (closing ??= (async () => {
            child.postMessage({ type: 'stop' });
            const timeout = new Promise<'timeout'>((r) => setTimeout(r, deps.stopTimeoutMs ?? 10_000, 'timeout').unref?.());
            if ((await Promise.race([exited, timeout])) === 'timeout') {
              deps.log.warn('local server did not stop in time; killing it');
              child.kill();
              await exited;
            }
          })()),
        onExit: (listener) => void exitListeners.push(listener),
      });
    });
    void exited.then((code) => {
      if (!ready) return reject(new Error(failure ?? `The local server stopped before it was ready (exit code ${code}).`));
      if (closing) return;
      const reason = `The local server stopped unexpectedly (exit code ${code}).`;
      deps.log.error({ code }, 'local server exited');
      for (const listener of exitListeners) listener(reason);
    });
  });
}
