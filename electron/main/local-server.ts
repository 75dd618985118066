import { join } from 'node:path';
import type { Logger } from 'pino';
import { startServer } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import type { LocalServer } from './connection.ts';

/**
 * Local mode: the API server in this process, on 127.0.0.1 with a free port, with the embedded
 * database in `<userData>/data`. Other settings (retention, prune schedule, log level) come from the
 * environment as for `tenantpilot serve`.
 */
export async function startLocalServer(opts: { userDataDir: string; log: Logger; env?: NodeJS.ProcessEnv }): Promise<LocalServer> {
  const config = loadConfig(opts.env ?? process.env);
  const server = await startServer(
    { ...config, host: '127.0.0.1', database: { kind: 'pglite', dataDir: join(opts.userDataDir, 'data') } },
    { port: 0, log: opts.log.child({ component: 'local-server' }) },
  );
  return { url: server.url, close: () => server.close() };
}
