// `tenantpilot` from the build in BENCH_SERVE_DIST instead of dist/ (see spawnServe in ./server.ts).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const { main } = await import(pathToFileURL(resolve(process.env.BENCH_SERVE_DIST, 'server/cli.js')).href);
await main();
