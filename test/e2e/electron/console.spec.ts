import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { electronLaunch } from '../../../electron/binary.ts';
import { createTenantPilotClient } from '../../../server/client.ts';
import { electronBinary, hasElectronBinary, noElectronReason } from '../support/electron.ts';
import { ApiServer, DEMO_PASSWORD, freePort, ROOT } from '../support/servers.ts';

/**
 * The desktop console itself: built with electron-vite, launched with the installed Electron (the
 * unpackaged binary: Playwright drives it through --inspect, which the packaged app's fuses turn off).
 * Where no binary can be installed (as on machines that cannot download it), the suite is skipped and
 * says why. On Linux it needs a display: `.ci/run` runs it under xvfb-run.
 */
test.skip(!hasElectronBinary(), `Electron binary not installed (node_modules/electron/dist missing): ${noElectronReason}`);
test.describe.configure({ mode: 'serial' });

let userData: string;
let app: ElectronApplication;
let page: Page;

const executablePath = electronBinary.found ? electronBinary.path : undefined;
const count = (name: string) => page.getByRole('region', { name }).getByTestId('kpi-count');
const LOCAL_SERVER = 'TenantPilot local server';

async function launch() {
  const { noSandbox, env } = electronLaunch({
    ...process.env,
    // Not local mode's: a stray DATABASE_URL or a non-numeric PORT in the shell must not stop it.
    DATABASE_URL: 'postgresql://nowhere.invalid/tenantpilot',
    PORT: 'not-a-port',
    TENANTPILOT_CONSOLE_USER_DATA: userData,
    TENANTPILOT_LOG_LEVEL: 'warn',
  });
  // Playwright adds --no-sandbox on Linux unless chromiumSandbox is set: keep the sandbox unless Electron requires otherwise.
  app = await electron.launch({ executablePath, args: [ROOT], env, chromiumSandbox: !noSandbox });
  page = await app.firstWindow();
}

async function signIn(email: string, password: string) {
  await page.getByLabel('E-mail').fill(email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The local server's utility process, as Electron lists it. */
const localServerPid = () =>
  app.evaluate(({ app: electronApp }, name) => electronApp.getAppMetrics().find((m) => m.type === 'Utility' && m.name === name)?.pid, LOCAL_SERVER);

test.beforeAll(async () => {
  if (!executablePath) return;
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`electron-vite build failed:\n${build.stderr}`);
  userData = mkdtempSync(join(tmpdir(), 'tp-electron-e2e-'));
  await launch();
});

test.afterAll(async () => {
  await app?.close();
  rmSync(userData, { recursive: true, force: true });
});

test('first run: the window opens while the local server starts, then offers "Create the first operator"', async () => {
  // A new embedded database takes seconds to create: the window does not wait for it.
  await expect(page.getByRole('status')).toHaveText('Starting the local server…');
  await expect(page.getByTestId('connection')).toHaveText('Local server');
  await expect(page.getByRole('heading', { name: 'Create the first operator' })).toBeVisible({ timeout: 60_000 });
  // Local mode passes the server's setup code itself: the form does not ask for it.
  await expect(page.getByLabel(/Setup code/)).toHaveCount(0);
  await page.getByLabel('E-mail').fill('first@tenantpilot.test');
  await page.getByLabel('Display name').fill('First Operator');
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('first operator password');
  await page.getByLabel('Confirm password').fill('first operator password');
  await page.getByRole('button', { name: 'Create operator' }).click();
  await expect(page.getByText('No usage was recorded in this window')).toBeVisible();
});

test('the local server runs in its own utility process, not in the main process', async () => {
  const pid = await localServerPid();
  expect(pid).toEqual(expect.any(Number));
  expect(pid).not.toBe(app.process().pid);
});

test('the page is isolated: no Node, no token, only the typed bridge', async () => {
  const probe = await page.evaluate(() => ({
    require: typeof (globalThis as { require?: unknown }).require,
    process: typeof (globalThis as { process?: unknown }).process,
    bridge: Object.keys(window.tenantpilot ?? {}).sort(),
    storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    opened: window.open('https://example.com/') === null,
  }));
  expect(probe).toEqual({ require: 'undefined', process: 'undefined', bridge: ['api', 'connection'], storage: expect.not.stringMatching(/token|sys_/i), opened: true });
  expect(app.windows()).toHaveLength(1);
});

test('sign out, a wrong password, then sign in again', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByText('You are signed out.')).toBeVisible();
  await signIn('first@tenantpilot.test', 'not the password');
  await expect(page.getByRole('alert')).toHaveText('Invalid e-mail or password');
  await signIn('first@tenantpilot.test', 'first operator password');
  await expect(page.getByRole('region', { name: 'Product telemetry' })).toBeVisible();
});

test('a local server that dies is shown as a failed connection with a retry, which brings the panel back', async () => {
  const pid = await localServerPid();
  process.kill(pid!, 'SIGKILL');
  await expect(page.getByRole('alert')).toContainText('The local server is not running: The local server stopped unexpectedly');
  await page.getByRole('button', { name: 'Try again' }).click();
  // The session survives (it lives in the database and in the main process).
  await expect(page.getByRole('region', { name: 'Product telemetry' })).toBeVisible({ timeout: 60_000 });
});

test('remote mode: https only (plain http just for this computer), a checked API URL, real actions, the API going away and coming back', async () => {
  const api = new ApiServer(await freePort(), join(userData, 'remote-db'));
  await api.seed({ events: 0 });
  await api.start();
  try {
    await page.getByRole('button', { name: 'Connection settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connection' });
    await dialog.getByLabel(/Remote/).check();
    await dialog.getByLabel('API URL').fill('http://tenantpilot.example.com');
    await dialog.getByRole('button', { name: 'Save and reconnect' }).click();
    await expect(dialog.getByRole('alert')).toContainText('A remote API must use https://');
    await dialog.getByLabel('API URL').fill('http://127.0.0.1:1');
    await dialog.getByRole('button', { name: 'Save and reconnect' }).click();
    await expect(dialog.getByRole('alert')).toContainText('Nothing answered at http://127.0.0.1:1');
    await dialog.getByLabel('API URL').fill(api.url);
    await dialog.getByRole('button', { name: 'Save and reconnect' }).click();
    await expect(page.getByTestId('connection')).toHaveText(`127.0.0.1:${api.port}`);

    await signIn('operator@tenantpilot.test', DEMO_PASSWORD);
    await expect(page.getByText('No usage was recorded in this window')).toBeVisible();

    const { token } = await createTenantPilotClient({ url: api.url }).auth.login.mutate({ email: 'owner@contoso.test', password: DEMO_PASSWORD });
    const owner = createTenantPilotClient({ url: api.url, token });
    const tenantId = (await owner.auth.me.query()).memberships[0]!.tenants[0]!.id;
    await owner.operations.start.mutate({ tenantId, type: 'inventory.sync' });
    await owner.reports.create.mutate({ tenantId, reportType: 'entra_admin_roles' });

    for (const window of ['24h', '7d', '30d', '90d']) {
      await page.getByRole('button', { name: window, exact: true }).click();
      await expect(count('Operations started')).toHaveText('1');
      await expect(count('Stored reports')).toHaveText('1');
    }

    await api.stop();
    await page.getByRole('button', { name: '7d', exact: true }).click();
    await expect(page.getByText('The usage summary could not be loaded')).toBeVisible();
    await expect(page.getByTestId('kpi-count')).toHaveCount(0);
    await api.start();
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect(count('Operations started')).toHaveText('1');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByText('You are signed out.')).toBeVisible();
  } finally {
    await api.stop();
  }
});

test('quitting releases the database folder: `tenantpilot serve` can open it, and the console then says who holds it', async () => {
  // Back to the local server, then quit: the utility process closes the database on the way out.
  await page.getByRole('button', { name: 'Connection settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Connection' });
  await dialog.getByLabel(/Local/).check();
  await dialog.getByRole('button', { name: 'Save and reconnect' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible({ timeout: 60_000 });
  await app.close();

  const serve = new ApiServer(await freePort(), join(userData, 'data'));
  await serve.start(); // opens (and locks) the folder the console just released
  try {
    await launch();
    await expect(page.getByRole('alert')).toContainText('The local server is not running:');
    await expect(page.getByRole('alert')).toContainText(join(userData, 'data'));
  } finally {
    await serve.stop();
  }
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible({ timeout: 60_000 });
});
