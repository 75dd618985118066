import { serveLocally } from './serve.ts';

/**
 * Entry of the local server's Electron utility process (its own electron-vite entry: out/main/local-server.js).
 * `process.parentPort` is Electron's channel to the main process; nothing here imports `electron`.
 */
void serveLocally({
  parentPort: process.parentPort,
  env: process.env,
  exit: (code) => process.exit(code),
  onTerminate: (handler) => process.once('SIGTERM', handler),
});
