import { ensureServerBuilt } from '../../scripts/build-server.mjs';
import { hasElectronBinary, noElectronReason } from './support/electron.ts';
import { freePort, startConsoleWeb } from './support/servers.ts';

/**
 * One console:web dev server for the run, proxying to a port the web suite's API server will use
 * (each suite starts, stops and restarts that server itself). Ports reach the workers through env.
 */
export default async function globalSetup() {
  // The suites start `bin/tenantpilot.js`, which runs dist/server: never a build older than the sources.
  if (await ensureServerBuilt()) console.log('dist/server was rebuilt: the server sources had changed since the last build');
  // The list reporter shows skipped tests without their reason; say it once up front.
  if (!hasElectronBinary()) console.log(`electron project: skipped, Electron binary not installed (${noElectronReason})`);
  const apiPort = await freePort();
  const web = await startConsoleWeb(await freePort(), `http://127.0.0.1:${apiPort}`);
  process.env.TP_E2E_API_PORT = String(apiPort);
  process.env.TP_E2E_WEB_URL = web.url;
  return () => web.stop();
}
