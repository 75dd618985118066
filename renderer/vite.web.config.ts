import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * `npm run console:web`: the console's renderer in a browser, against a running API server. The dev
 * server proxies /trpc and /healthz to TENANTPILOT_API_URL, so the page stays same-origin and its CSP
 * can stay `connect-src 'self'`. (React's dev-only refresh preamble is the one inline script; Vite puts
 * it at the top of <head>, before index.html's CSP meta tag takes effect, and the policy governs the rest.)
 */
const root = dirname(fileURLToPath(import.meta.url));

function apiTarget(): string {
  const raw = process.env.TENANTPILOT_API_URL || 'http://127.0.0.1:4310';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`Invalid configuration: TENANTPILOT_API_URL must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Invalid configuration: TENANTPILOT_API_URL must be an http(s) URL, got "${raw}"`);
  }
  return url.origin;
}

/** Says where the API calls go, next to vite's own "Local: http://…" line. */
const announceTarget = (target: string): Plugin => ({
  name: 'tenantpilot:announce-api',
  configureServer(server) {
    server.httpServer?.once('listening', () => server.config.logger.info(`  TenantPilot API: /trpc and /healthz are proxied to ${target}`));
  },
});

export default defineConfig(() => {
  const target = apiTarget();
  return {
    root,
    plugins: [react(), announceTarget(target)],
    server: {
      host: '127.0.0.1',
      port: 5173,
      proxy: { '/trpc': { target, changeOrigin: true }, '/healthz': { target, changeOrigin: true } },
    },
    // Pre-bundled up front, so a first visit does not stop to re-optimize and reload the page.
    optimizeDeps: {
      include: ['react', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime', '@mui/material', '@mui/x-charts/SparkLineChart', '@trpc/client'],
    },
    build: { outDir: `${root}/../out/web`, emptyOutDir: true },
  };
});
