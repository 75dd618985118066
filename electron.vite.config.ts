import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

/**
 * `npm run build` → out/main/index.js (the main process), out/main/local-server.js (the embedded API
 * server, run by main in an Electron utility process; both bundle the project's TypeScript, while
 * npm dependencies such as Prisma, PGlite, Fastify and pino stay external and ship in
 * node_modules), out/preload/index.cjs (CommonJS, because the window is sandboxed) and
 * out/renderer (minified).
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: { index: resolve('electron/main/index.ts'), 'local-server': resolve('electron/local-server/index.ts') },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        input: { index: resolve('electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('renderer'),
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      minify: true,
      // One ~0.8 MB bundle (MUI + charts) loaded from disk: splitting it would gain nothing here.
      chunkSizeWarningLimit: 1024,
      rolldownOptions: { input: resolve('renderer/index.html') },
    },
  },
});
