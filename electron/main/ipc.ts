import { CHANNELS, type BootstrapInput, type Connection, type ConnectionControl, type ConsoleApi, type LoginInput, type SummaryInput } from '../../console/contract.ts';
import type { Logger } from '../../server/observability.ts';

/** The part of ipcMain used here, with the sender's frame URL (to refuse frames that are not the app). */
export type IpcMainLike = {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => Promise<unknown>): void;
};

/**
 * Serves the preload bridge: one channel per ConsoleApi/ConnectionControl method (CHANNELS keeps
 * preload and main in step). Main makes the HTTP call; the renderer only ever gets results.
 */
export function registerBridge(
  ipc: IpcMainLike,
  target: { api: ConsoleApi; connection: ConnectionControl },
  opts: { isTrustedFrame: (url: string) => boolean; log: Pick<Logger, 'warn'> },
) {
  const { api, connection } = target;
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {
    [CHANNELS.api.authStatus]: () => api.authStatus(),
    // Inputs are forwarded as they came: the server validates every procedure input strictly.
    [CHANNELS.api.login]: (input) => api.login(input as LoginInput),
    [CHANNELS.api.bootstrap]: (input) => api.bootstrap(input as BootstrapInput),
    [CHANNELS.api.me]: () => api.me(),
    [CHANNELS.api.logout]: () => api.logout(),
    [CHANNELS.api.summary]: (input) => api.summary(input as SummaryInput),
    [CHANNELS.connection.get]: () => connection.get(),
    [CHANNELS.connection.useRemote]: (input) => connection.useRemote(String(input)),
    [CHANNELS.connection.useLocal]: () => connection.useLocal(),
    [CHANNELS.connection.retry]: () => connection.retry(),
  };
  for (const [channel, handler] of Object.entries(handlers)) {
    ipc.handle(channel, async (event, input) => {
      const url = event.senderFrame?.url ?? '';
      if (!opts.isTrustedFrame(url)) {
        opts.log.warn({ channel, url }, 'refused an IPC call from a frame outside the app');
        throw new Error('Refused: not the console');
      }
      return handler(input);
    });
  }
}

/** Tells the window about every connection change (the preload turns it into `connection.onChange`). */
export function forwardConnectionChanges(connection: ConnectionControl, send: (channel: string, connection: Connection) => void) {
  return connection.onChange((next) => send(CHANNELS.events.connectionChanged, next));
}
