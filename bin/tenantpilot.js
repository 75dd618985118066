#!/usr/bin/env node
// The `tenantpilot` command: runs the built server in dist/server (made by `npm install`, or
// `npm run build:server` after changing server code). Development runs the sources with tsx instead.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/server/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('tenantpilot: the server is not built (dist/server/cli.js is missing): run `npm run build:server`');
  process.exit(1);
}
const { main } = await import(cli.href);
await main();
