#!/usr/bin/env node
// The `tenantpilot` command: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../server/cli.ts');
await main();
