import { join } from 'node:path';
import type { Logger } from 'pino';
import type { LocalServer } from './connection.ts';

/**
 * Local mode: the API server in this process, on 127.0.0.1 with a free port, with the embedded
 * database in `<userData>/data`. Other settings (retention, prune schedule, log level) come from the
 * environment as for `tenantpilot serve`. The server code is loaded on first use, so remote mode never
 * loads it and the window opens without waiting for it.
 */
export async function startLocalServer(opts: { userDataDir: string; log: Logger; env?: NodeJS.ProcessEnv }): Promise<LocalServer> {
  const [{ startServer }, { loadConfig }] = await Promise.all([import('../../server/app.ts'), import('../../server/config.ts')]);
  const config = loadConfig(opts.env ?? process.env);
  const server = await startServer(
    // No metrics listener: nothing scrapes a desktop app, and its default port would collide with `serve`'s.
    { ...config, host: '127.0.0.1', database: { kind: 'pglite', dataDir: join(opts.userDataDir, 'data') }, metrics: null },
    { port: 0, log: opts.log.child({ component: 'local-server' }) },
  );
  return { url: server.url, close: () => server.close() };
}
