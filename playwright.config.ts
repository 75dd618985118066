import { defineConfig } from '@playwright/test';

/**
 * `npm run test:e2e`. web: the console in Debian's Chromium against a live API server on a real
 * (embedded) database. electron: the desktop console itself, where an Electron binary is installed
 * (skipped with the reason otherwise). One worker: the suites drive shared servers in order.
 */
export default defineConfig({
  testDir: 'test/e2e',
  // Generous: servers start, stop and seed inside tests, and shared CI machines can be slow.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  outputDir: 'test-results',
  globalSetup: './test/e2e/global-setup.ts',
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: [
    {
      name: 'web',
      testDir: 'test/e2e/web',
      use: {
        browserName: 'chromium',
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
    { name: 'electron', testDir: 'test/e2e/electron' },
  ],
});
