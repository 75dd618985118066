import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ApiServer, DEMO_PASSWORD, env, ROOT } from '../support/servers.ts';
import { KNOWN_USAGE } from './kpi-usage.ts';

/**
 * The founder's panel in Chromium against `tenantpilot serve` with known usage — made through the
 * real source actions at controlled times (kpi-usage.ts) in 12 demo workspaces — for every window:
 * exact counts, change against the previous window ("+50 %", "new", "no change"), breadth ("used by
 * 3 of 12 workspaces"), the chart's numbers as a table, and the partial current bucket drawn dashed
 * and labelled "so far". Screenshots at 1280×800 go to test-results/.
 */
test.describe.configure({ mode: 'serial' });

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WINDOWS = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY } as const;
type Window = keyof typeof WINDOWS;
const PREVIOUS = { '24h': 'previous 24 hours', '7d': 'previous 7 days', '30d': 'previous 30 days', '90d': 'previous 90 days' };
const FAMILIES = [
  ['onboarding.checkpoint_completed', 'Onboarding checkpoints'],
  ['support.diagnostics_opened', 'Support diagnostics'],
  ['operation.started', 'Operations started'],
  ['stored_report.created', 'Stored reports'],
  ['review_pack.generation_requested', 'Review packs requested'],
] as const;
const WORKSPACES = 12;

let api: ApiServer;
let dataDir: string;
let page: Page;
/** The "now" the known usage is placed before. */
let anchor: number;

const card = (name: string) => page.getByRole('region', { name, exact: true });
const occurred = (hoursAgo: number) => anchor - hoursAgo * HOUR;

/** What the panel must show for [from, to): counted from KNOWN_USAGE, independently of the product. */
function expected(window: Window, from: number, to: number) {
  const length = to - from;
  const within = (a: number, b: number) => KNOWN_USAGE.filter((x) => occurred(x.hoursAgo) >= a && occurred(x.hoursAgo) < b);
  const now = within(from, to);
  const before = within(from - length, from);
  const unit = window === '24h' ? HOUR : DAY;
  const first = Math.floor(from / unit) * unit;
  const buckets = Math.ceil((to - first) / unit);
  const families = FAMILIES.map(([event, label]) => {
    const mine = now.filter((x) => x.event === event);
    const trend = new Array<number>(buckets).fill(0);
    for (const x of mine) trend[Math.floor((occurred(x.hoursAgo) - first) / unit)]!++;
    return { label, count: mine.length, previous: before.filter((x) => x.event === event).length, breadth: new Set(mine.map((x) => x.workspace)).size, trend };
  });
  return { families, active: new Set(now.map((x) => x.workspace)).size, previousActive: new Set(before.map((x) => x.workspace)).size, buckets };
}

function changeText(count: number, previous: number, window: Window) {
  const versus = `vs ${PREVIOUS[window]}`;
  if (count === previous) return `no change ${versus}`;
  if (previous === 0) return `new ${versus}`;
  const pct = Math.round((Math.abs(count - previous) / previous) * 100);
  return `${count > previous ? '+' : '\u2212'}${pct} % ${versus}`;
}

async function signIn() {
  await page.goto(env.webUrl);
  await page.getByLabel('E-mail').fill('operator@tenantpilot.test');
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('region', { name: 'Product telemetry' })).toBeVisible();
  // the first summary on a busy machine can take a while
  await expect(page.getByTestId('updated-ago')).toHaveText(/^updated/, { timeout: 60_000 });
}

/** Clicks a window and returns the summary the server answered with. */
async function choose(window: Window) {
  const answered = page.waitForResponse((r) => r.url().includes('/trpc/system.telemetry.summary') && decodeURIComponent(r.url()).includes(`"window":"${window}"`));
  await page.getByRole('button', { name: window, exact: true }).click();
  const body = (await (await answered).json()) as { result: { data: { from: string; to: string } } };
  await expect(page.getByRole('button', { name: window, exact: true })).toHaveAttribute('aria-pressed', 'true');
  return { from: Date.parse(body.result.data.from), to: Date.parse(body.result.data.to) };
}

/** tsx test/e2e/web/kpi-usage.ts: the known usage, into the stopped server's embedded database. */
function recordKnownUsage(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'test/e2e/web/kpi-usage.ts'), join(dataDir, 'data'), new Date(anchor).toISOString()], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kpi-usage.ts failed (${code}): ${output}`))));
  });
}

test.beforeAll(async ({ browser }) => {
  dataDir = mkdtempSync(join(tmpdir(), 'tp-e2e-kpi-'));
  api = new ApiServer(env.apiPort, join(dataDir, 'data'));
  await api.seed({ events: 0 }); // the demo identities: 12 workspaces, an empty ledger
  await api.start();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
});

test.afterAll(async () => {
  await page?.close();
  await api?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('with no usage yet, every card says 0, "no change", "used by 0 of 12 workspaces"', async ({}, testInfo) => {
  await signIn();
  await expect(page.getByText('No usage was recorded in this window')).toBeVisible();
  for (const [, label] of FAMILIES) {
    await expect(card(label).getByTestId('kpi-count')).toHaveText('0');
    await expect(card(label).getByTestId('kpi-change')).toHaveText(/no change vs previous 7 days$/);
    await expect(card(label).getByTestId('kpi-breadth')).toHaveText(`used by 0 of ${WORKSPACES} workspaces`);
  }
  await expect(card('Active workspaces').getByTestId('kpi-breadth')).toHaveText(`of ${WORKSPACES} workspaces`);
  await expect(card('Events per day, UTC')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('kpi-zero-state.png') });
});

test('with known usage, every window shows exact counts, changes, breadth and the chart\'s numbers', async ({}, testInfo) => {
  test.setTimeout(480_000);
  await api.stop();
  anchor = Date.now();
  await recordKnownUsage();
  await api.start();
  await signIn();

  for (const window of ['24h', '7d', '30d', '90d'] as const) {
    const { from, to } = await choose(window);
    expect(to - from).toBe(WINDOWS[window]);
    const e = expected(window, from, to);
    for (const f of e.families) {
      await expect(card(f.label).getByTestId('kpi-count'), `${window} ${f.label}`).toHaveText(String(f.count));
      await expect(card(f.label).getByTestId('kpi-change'), `${window} ${f.label}`).toHaveText(new RegExp(`${changeText(f.count, f.previous, window).replace(/[+%]/g, '\\$&')}$`));
      await expect(card(f.label).getByTestId('kpi-breadth'), `${window} ${f.label}`).toHaveText(`used by ${f.breadth} of ${WORKSPACES} workspaces`);
    }
    await expect(card('Active workspaces').getByTestId('kpi-count')).toHaveText(String(e.active));
    await expect(card('Active workspaces').getByTestId('kpi-change')).toHaveText(new RegExp(`${changeText(e.active, e.previousActive, window).replace(/[+%]/g, '\\$&')}$`));

    // the chart's numbers, as the table offers them
    const unit = window === '24h' ? 'hour' : 'day';
    const chart = card(`Events per ${unit}, UTC`);
    await chart.getByRole('button', { name: 'Show the numbers as a table' }).click();
    const rows = chart.getByTestId('trend-row');
    await expect(rows).toHaveCount(e.buckets);
    const table = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
    expect(table.map((r) => r.slice(1).map(Number)), window).toEqual(e.buckets ? [...Array(e.buckets).keys()].map((i) => e.families.map((f) => f.trend[i])) : []);
    // the current bucket is still filling up: marked in the table, dashed in the chart
    expect(table.at(-1)![0]).toMatch(/ — so far \(until \d\d:\d\d UTC\)$/);
    expect(table.slice(1, -1).every((r) => !/so far|partial/.test(r[0]!))).toBe(true);
    await expect(chart.getByTestId('partial-legend')).toContainText(`the current ${unit}, so far`);
    const dashed = chart.locator('.MuiLineChart-line[data-series$="-partial"]');
    await expect(dashed).toHaveCount(5);
    expect(await dashed.first().evaluate((el) => getComputedStyle(el).strokeDasharray)).toMatch(/^5(px)?,? 4(px)?$/);
    await chart.getByRole('button', { name: 'Hide the numbers' }).click();
  }

  // 7d, as the issue words it
  await choose('7d');
  await expect(card('Operations started').getByTestId('kpi-change')).toHaveText(/\+50 % vs previous 7 days$/);
  await expect(card('Operations started').getByTestId('kpi-breadth')).toHaveText('used by 3 of 12 workspaces');
  await expect(card('Support diagnostics').getByTestId('kpi-change')).toHaveText(/\u221275 % vs previous 7 days$/);
  await expect(card('Review packs requested').getByTestId('kpi-change')).toHaveText(/new vs previous 7 days$/);
  await expect(card('Stored reports').getByTestId('kpi-change')).toHaveText(/no change vs previous 7 days$/);
  await expect(card('Onboarding checkpoints').getByTestId('kpi-change')).toHaveText(/no change vs previous 7 days$/);

  // hovering the current day tells its date and that it is "so far"
  // the right end of Operations started's dashed segment is the current day's point
  const segment = card('Events per day, UTC').locator('.MuiLineChart-line[data-series="f2-partial"]');
  const box = (await segment.boundingBox())!;
  await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
  const tooltip = page.getByRole('tooltip');
  await expect(tooltip).toContainText(/Day from \w{3} \d{1,2} \w{3} \(UTC\)/);
  await expect(tooltip).toContainText('Operations started');
  await expect(tooltip).toContainText(/so far \(until \d\d:\d\d UTC\)/);
  await page.screenshot({ path: testInfo.outputPath('kpi-populated-tooltip.png') });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: testInfo.outputPath('kpi-populated.png') });
});
