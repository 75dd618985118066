/**
 * `npm run screenshots`: the README's pictures of the panel, made from seed:demo's data (its default
 * plan: --seed 243, 1,500 actions over 90 days) in Debian's Chromium at 1280×800 — the populated 30-day
 * view and the zero state. Writes docs/screenshots/kpi-populated.png and kpi-zero-state.png; nothing
 * else writes there (e2e runs keep their screenshots under test-results/).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { ApiServer, DEMO_PASSWORD, freePort, ROOT, startConsoleWeb } from './support/servers.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function shoot(apiServer: ApiServer, file: string, window: string) {
  const web = await startConsoleWeb(await freePort(), apiServer.url);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page: Page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(web.url);
    await page.getByLabel('E-mail').fill('operator@tenantpilot.test');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: window, exact: true }).click();
    await page.getByTestId('updated-ago').filter({ hasText: /^updated/ }).waitFor({ timeout: 120_000 });
    await page.waitForTimeout(1_000); // the chart's entry animation
    await page.screenshot({ path: join(ROOT, 'docs/screenshots', file) });
    console.log(`wrote docs/screenshots/${file}`);
  } finally {
    await browser.close();
    await web.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tp-screenshots-'));
try {
  const api = new ApiServer(await freePort(), join(dir, 'data'));
  await api.seed({ events: 0 });
  await api.start();
  await shoot(api, 'kpi-zero-state.png', '7d');
  await api.stop();
  console.log('seeding the demo (1,500 actions over 90 days: a few minutes)…');
  await api.seed({ events: 1500, days: 90 });
  await api.start();
  await shoot(api, 'kpi-populated.png', '30d');
  await api.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
