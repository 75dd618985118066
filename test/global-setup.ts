import { ensureServerBuilt } from '../scripts/build-server.mjs';

/**
 * Tests that spawn `bin/tenantpilot.js` run the build in dist/server: rebuild it first when the server
 * sources changed since it was made, so no test ever runs a stale build.
 */
export default async function setup() {
  if (await ensureServerBuilt()) console.log('dist/server was rebuilt: the server sources had changed since the last build');
}
