import type { Logger } from '../../server/observability.ts';

/** The parts of Electron's `app` the console's lifecycle uses. */
export type AppLike = {
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  on(event: 'second-instance' | 'window-all-closed', listener: () => void): unknown;
  on(event: 'will-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  quit(): void;
  exit(code: number): void;
};

export type Lifecycle = {
  /** Ends the app because it cannot work: logs and shows the reason, stops the server, exits 1. */
  fail(reason: unknown): Promise<void>;
};

/**
 * One console per user (the embedded database has one owner), and never a process without a window:
 * a second launch focuses the first; any failure while starting — thrown in `start`, or reported
 * later through `fail` (the page did not load) — is logged and shown, then the app exits, so no
 * hidden process keeps the single-instance lock. On quit the local server is stopped first, so it
 * closes its database and releases the folder.
 */
export function runLifecycle(deps: {
  app: AppLike;
  /** Everything after `ready`: the window, the bridge, the local server. */
  start(lifecycle: Lifecycle): Promise<void>;
  /** Brings the window forward (a second launch). */
  focus(): void;
  /** Stops the local server (on quit, and before exiting on a failure). */
  stop(): Promise<void>;
  /** Shows the reason to the person who launched the app (an error box). */
  showError(message: string): void;
  log: Pick<Logger, 'fatal' | 'error'>;
}): Lifecycle | undefined {
  const { app, log } = deps;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return undefined;
  }

  let stopped = false;
  const stop = () =>
    deps.stop().catch((err: unknown) => log.error({ error: err instanceof Error ? err.message : String(err) }, 'local server did not close cleanly'));

  let failing: Promise<void> | undefined;
  const lifecycle: Lifecycle = {
    fail: (reason) =>
      (failing ??= (async () => {
        const message = reason instanceof Error ? reason.message : String(reason);
        log.fatal({ error: message }, 'console failed to start');
        deps.showError(message);
        await stop();
        stopped = true;
        app.exit(1);
      })()),
  };

  app.on('second-instance', () => deps.focus());
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void stop().finally(() => {
      stopped = true;
      app.quit();
    });
  });
  app
    .whenReady()
    .then(() => deps.start(lifecycle))
    .catch((err: unknown) => lifecycle.fail(err));
  return lifecycle;
}
