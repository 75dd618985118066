import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { createTenantPilotClient } from '../../../server/client.ts';
import { ApiServer, DEMO_PASSWORD, env } from '../support/servers.ts';

/**
 * The console in Chromium (`npm run console:web`) against `tenantpilot serve` on a fresh embedded
 * database, as an operator meets it: first run, sign-in, the panel per window, real actions showing
 * up, the API going away and coming back, sign-out. Serial: each step builds on the last.
 */
test.describe.configure({ mode: 'serial' });

const FAMILIES = ['Onboarding checkpoints', 'Support diagnostics', 'Operations started', 'Stored reports', 'Review packs requested'];
const OPERATOR = 'operator@tenantpilot.test';

let api: ApiServer;
let dataDir: string;
/** The demo database, seeded while the first-run test uses a fresh one. */
let demo: { server: ApiServer; seeded: Promise<string> };
let page: Page;
/** The bearer token the page last sent (web mode keeps it in page memory; the test reads the wire). */
let lastAuthorization: string | undefined;

const card = (name: string) => page.getByRole('region', { name });
const count = (name: string) => card(name).getByTestId('kpi-count');
const summaryResponse = (window?: string) =>
  page.waitForResponse((r) => r.url().includes('/trpc/system.telemetry.summary') && (!window || decodeURIComponent(r.url()).includes(`"window":"${window}"`)));

async function signIn(email: string, password: string) {
  await page.getByLabel('E-mail').fill(email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The panel refreshes every minute; move the page's clock instead of waiting for it. */
async function nextRefresh() {
  const answered = summaryResponse();
  await page.clock.fastForward('01:01');
  await answered;
}

test.beforeAll(async ({ browser }) => {
  dataDir = mkdtempSync(join(tmpdir(), 'tp-e2e-'));
  // The first-run test needs a server with no operator at all; the rest use the demo identities
  // (operator@tenantpilot.test, owner@contoso.test, …) with an empty ledger, prepared meanwhile.
  api = new ApiServer(env.apiPort, join(dataDir, 'first-run'));
  const demoServer = new ApiServer(env.apiPort, join(dataDir, 'demo'));
  demo = { server: demoServer, seeded: demoServer.seed({ events: 0 }) };
  await api.start();
  page = await browser.newPage();
  page.on('request', (request) => {
    const authorization = request.headers().authorization;
    if (authorization) lastAuthorization = authorization;
  });
  await page.clock.install();
});

test.afterAll(async () => {
  await page?.close();
  await api?.stop();
  await demo?.seeded.catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

test('first run on an empty server offers "Create the first operator", refuses a wrong setup code, and signs the new operator in with the printed one', async () => {
  const setupCode = api.setupCode;
  expect(setupCode, 'serve prints a one-time setup code while no operator exists').toMatch(/^[\w-]{32}$/);

  // A console link carries the code in its fragment (never sent to a server); this one is wrong.
  await page.goto(`${env.webUrl}/#setup=not-the-printed-code`);
  await expect(page.getByRole('heading', { name: 'Create the first operator' })).toBeVisible();
  await expect(page.getByLabel('Setup code')).toHaveValue('not-the-printed-code');
  expect(new URL(page.url()).hash).toBe('');
  await page.getByLabel('E-mail').fill('first@tenantpilot.test');
  await page.getByLabel('Display name').fill('First Operator');
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('first operator password');
  await page.getByLabel('Confirm password').fill('first operator password');
  await page.getByRole('button', { name: 'Create operator' }).click();
  await expect(page.getByRole('alert')).toHaveText('Invalid or expired setup code: use the one this server printed at start');
  await expect(page.getByRole('region', { name: 'Product telemetry' })).toHaveCount(0);

  await page.getByLabel('Setup code').fill(setupCode!);
  await page.getByRole('button', { name: 'Create operator' }).click();
  await expect(page.getByRole('region', { name: 'Product telemetry' })).toBeVisible();
  await expect(page.getByText('First Operator')).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  // An operator exists now: sign-in, never a second bootstrap.
  await expect(page.getByRole('heading', { name: 'Sign in to TenantPilot Console' })).toBeVisible();
});

test('wrong credentials are refused inline', async () => {
  // Same port, the demo database: identities only, so the ledger is empty.
  await api.stop();
  await demo.seeded;
  api = demo.server;
  await api.start();

  await page.goto(env.webUrl);
  await signIn(OPERATOR, 'not the password');
  await expect(page.getByRole('alert')).toHaveText('Invalid e-mail or password');
  await expect(page.getByRole('region', { name: 'Product telemetry' })).toHaveCount(0);
});

test('an operator signs in and an empty window says that no usage was recorded', async ({}, testInfo) => {
  await signIn(OPERATOR, DEMO_PASSWORD);
  await expect(page.getByText('Platform Operator')).toBeVisible();
  await expect(page.getByText('No usage was recorded in this window')).toBeVisible();
  await expect(page.getByText(/no sign that\s+all is well/)).toBeVisible();
  for (const family of FAMILIES) {
    await expect(count(family)).toHaveText('0');
    await expect(card(family).getByText('no signal in this window')).toBeVisible();
  }
  await expect(count('Active workspaces')).toHaveText('0');
  await page.screenshot({ path: testInfo.outputPath('kpi-zero-state.png'), fullPage: true });
});

test('real source actions by a tenant admin show up on the next refresh', async () => {
  const admin = createTenantPilotClient({ url: api.url });
  const { token } = await admin.auth.login.mutate({ email: 'owner@contoso.test', password: DEMO_PASSWORD });
  const owner = createTenantPilotClient({ url: api.url, token });
  const me = await owner.auth.me.query();
  const contoso = me.memberships.find((m) => m.workspace.slug === 'contoso')!;
  const tenantId = contoso.tenants.find((t) => t.slug === 'contoso-prod')!.id;

  const draft = await owner.onboarding.createDraft.mutate({ workspaceId: contoso.workspace.id });
  await owner.onboarding.linkTenant.mutate({ onboardingSessionId: draft.id, tenantId });
  await owner.onboarding.completeCheckpoint.mutate({ onboardingSessionId: draft.id, checkpoint: 'connection_verified' });
  await owner.onboarding.completeCheckpoint.mutate({ onboardingSessionId: draft.id, checkpoint: 'permissions_granted' });
  await owner.support.openDiagnostics.mutate({ tenantId, entryPoint: 'tenant_dashboard' });
  await owner.operations.start.mutate({ tenantId, type: 'inventory.sync' });
  await owner.operations.start.mutate({ tenantId, type: 'policy.backup' });
  await owner.operations.start.mutate({ tenantId, type: 'compliance.scan' });
  await owner.reports.create.mutate({ tenantId, reportType: 'permission_posture' });
  await owner.reviewPacks.requestGeneration.mutate({ tenantId });

  await nextRefresh();
  await expect(page.getByText('No usage was recorded in this window')).toHaveCount(0);
  await expect(count('Onboarding checkpoints')).toHaveText('2');
  await expect(count('Support diagnostics')).toHaveText('1');
  await expect(count('Operations started')).toHaveText('3');
  await expect(count('Stored reports')).toHaveText('1');
  await expect(count('Review packs requested')).toHaveText('1');
  await expect(count('Active workspaces')).toHaveText('1');
  await expect(card('Operations started').getByText(/^last signal \d+ (s|min) ago$/)).toBeVisible();
  await expect(page.getByTestId('updated-ago')).toHaveText(/^updated \d+ s ago$/);
});

test('each window asks the server for that window and shows its range', async () => {
  const ranges = new Set<string>();
  for (const window of ['24h', '7d', '30d', '90d']) {
    const answered = summaryResponse(window);
    await page.getByRole('button', { name: window, exact: true }).click();
    const body = (await (await answered).json()) as { result: { data: { window: string; from: string; to: string } } };
    expect(body.result.data.window).toBe(window);
    await expect(page.getByRole('button', { name: window, exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(count('Operations started')).toHaveText('3');
    const range = await page.getByTestId('window-range').textContent();
    expect(range).toMatch(/ – /);
    ranges.add(range!);
    const days = (Date.parse(body.result.data.to) - Date.parse(body.result.data.from)) / 86_400_000;
    expect(days).toBe({ '24h': 1, '7d': 7, '30d': 30, '90d': 90 }[window]);
  }
  expect(ranges.size).toBe(4);
});

test('when the API goes away the panel shows an error instead of old numbers, and recovers when it returns', async ({}, testInfo) => {
  await page.getByRole('button', { name: '30d', exact: true }).click();
  await expect(count('Operations started')).toHaveText('3');

  await api.stop();
  await nextRefresh();
  await expect(page.getByText('The usage summary could not be loaded')).toBeVisible();
  await expect(page.getByText(/Cannot reach the TenantPilot API/)).toBeVisible();
  await expect(page.getByText(/Those numbers are not\s+shown because they may no longer be current/)).toBeVisible();
  await expect(page.getByTestId('kpi-count')).toHaveCount(0);
  await expect(page.getByTestId('updated-ago')).toHaveText('not updated');

  // While it is down, a month of demo activity lands in its database (through the real source actions).
  await api.seed({ events: 100, days: 30 });
  await api.start();
  const answered = summaryResponse('30d');
  await page.getByRole('button', { name: 'Retry' }).click();
  await answered;
  await expect(page.getByText('The usage summary could not be loaded')).toHaveCount(0);
  // the demo plan's first 100 actions come from 9 of the 12 demo workspaces
  await expect(count('Active workspaces')).toHaveText('9');
  const operations = Number(await count('Operations started').textContent());
  expect(operations).toBeGreaterThan(3);
  await expect(page.getByRole('region', { name: 'Events per day, UTC' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('kpi-populated.png'), fullPage: true });
});

test('the chosen window is remembered (the session is not: web mode keeps the token in memory)', async () => {
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in to TenantPilot Console' })).toBeVisible();
  await signIn(OPERATOR, DEMO_PASSWORD);
  await expect(page.getByRole('button', { name: '30d', exact: true })).toHaveAttribute('aria-pressed', 'true');
  expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.toMatch(/sys_|token/i);
});

test('sign out revokes the session on the server', async () => {
  const token = lastAuthorization?.replace(/^Bearer /, '');
  expect(token).toBeTruthy();
  const sameToken = createTenantPilotClient({ url: api.url, token });
  await expect(sameToken.system.auth.me.query()).resolves.toMatchObject({ email: OPERATOR });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByText('You are signed out.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Sign in to TenantPilot Console' })).toBeVisible();

  await expect(sameToken.system.telemetry.summary.query({ window: '7d' })).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
});
