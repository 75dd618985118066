import type { Logger } from 'pino';
import { CHANNELS, type BootstrapInput, type ConnectionControl, type ConsoleApi, type LoginInput, type SummaryInput } from '../../renderer/src/api/contract.ts';

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
