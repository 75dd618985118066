// @vitest-environment jsdom
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiResult, SummaryWindow, TelemetrySummary } from '../../../console/contract.ts';
import { KpiPanel } from '../../../renderer/src/kpi/KpiPanel.tsx';
import { deferred, FAMILY_LABELS, fail, fakeApi, ok, summaryOf } from './fakes.ts';
import './setup-dom.ts';

const card = (name: string) => screen.getByRole('region', { name });
const countIn = (name: string) => within(card(name)).getByTestId('kpi-count').textContent;

/** A summary call per window that stays in flight until the test answers it. */
function heldSummaries() {
  const pending = new Map<SummaryWindow, ReturnType<typeof deferred<ApiResult<TelemetrySummary>>>>();
  const summary = vi.fn(({ window }: { window: SummaryWindow }) => {
    const held = deferred<ApiResult<TelemetrySummary>>();
    pending.set(window, held);
    return held.promise;
  });
  return { summary, pending };
}

function renderPanel(api = fakeApi(), onUnauthorized = vi.fn()) {
  const user = userEvent.setup();
  render(<KpiPanel api={api} onUnauthorized={onUnauthorized} />);
  return { api, user, onUnauthorized };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('KPI panel', () => {
  it('shows skeletons, not numbers, while the first summary loads', async () => {
    const pending = deferred<ApiResult<TelemetrySummary>>();
    renderPanel(fakeApi({ summary: vi.fn(() => pending.promise) }));

    expect(screen.getByRole('status', { name: 'Loading usage summary' }).getAttribute('aria-busy')).toBe('true');
    expect(screen.queryAllByTestId('kpi-count')).toHaveLength(0);

    await act(async () => pending.resolve(ok(summaryOf('7d', { counts: [1, 0, 0, 0, 0] }))));
    expect(screen.queryByRole('status', { name: 'Loading usage summary' })).toBeNull();
  });

  it('shows the five families labelled as the spec names them, with counts, freshness, and active workspaces', async () => {
    renderPanel(fakeApi({ summary: vi.fn(async ({ window }) => ok(summaryOf(window, { counts: [4, 0, 12, 2, 1], activeWorkspaces: 3 }))) }));

    await screen.findByRole('region', { name: 'Onboarding checkpoints' });
    expect(screen.getByRole('region', { name: 'Product telemetry' })).toBeTruthy();
    const cards = screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent);
    expect(cards).toEqual([...FAMILY_LABELS, 'Active workspaces', 'Events per day, UTC']);
    expect(countIn('Onboarding checkpoints')).toBe('4');
    expect(countIn('Operations started')).toBe('12');
    expect(countIn('Active workspaces')).toBe('3');
    expect(within(card('Onboarding checkpoints')).getByText('last signal 3 h ago')).toBeTruthy();
    expect(within(card('Support diagnostics')).getByText('no signal in this window')).toBeTruthy();
    expect(screen.queryByText('No usage was recorded in this window')).toBeNull();
    expect(card('Events per day, UTC')).toBeTruthy();
  });

  it('tells each change against the previous window in words and sign, not colour alone, and how broad the use is', async () => {
    const s = summaryOf('7d', {
      counts: [12, 3, 10, 0, 5],
      previousCounts: [10, 4, 10, 0, 0],
      breadth: [3, 2, 7, 0, 1],
      activeWorkspaces: 7,
      previousActiveWorkspaces: 8,
      totalWorkspaces: 12,
    });
    renderPanel(fakeApi({ summary: vi.fn(async () => ok(s)) }));
    await screen.findByRole('region', { name: 'Onboarding checkpoints' });
    const change = (name: string) => within(card(name)).getByTestId('kpi-change');
    expect(change('Onboarding checkpoints').textContent).toBe('\u25B2 +20 % vs previous 7 days');
    expect(change('Onboarding checkpoints').dataset.direction).toBe('up');
    expect(change('Support diagnostics').textContent).toBe('\u25BC \u221225 % vs previous 7 days');
    expect(change('Operations started').textContent).toBe('\u25B6 no change vs previous 7 days');
    expect(change('Stored reports').textContent).toBe('\u25B6 no change vs previous 7 days');
    expect(change('Review packs requested').textContent).toBe('\u2605 new vs previous 7 days');
    expect(change('Active workspaces').textContent).toBe('\u25BC \u221213 % vs previous 7 days');
    const breadth = (name: string) => within(card(name)).getByTestId('kpi-breadth').textContent;
    expect(breadth('Operations started')).toBe('used by 7 of 12 workspaces');
    expect(breadth('Review packs requested')).toBe('used by 1 of 12 workspaces');
    expect(breadth('Active workspaces')).toBe('of 12 workspaces');
  });

  it('offers the chart\'s numbers as a table, for keyboard and screen reader users, marking the partial buckets', async () => {
    const now = Date.parse('2026-06-15T13:27:41.123Z');
    const s = summaryOf('7d', { counts: [4, 0, 12, 2, 1], now });
    const { user } = renderPanel(fakeApi({ summary: vi.fn(async () => ok(s)) }));
    const toggle = await screen.findByRole('button', { name: 'Show the numbers as a table' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('table')).toBeNull();
    await user.click(toggle);
    expect(screen.getByRole('button', { name: 'Hide the numbers' }).getAttribute('aria-expanded')).toBe('true');
    const rows = within(screen.getByRole('table')).getAllByTestId('trend-row');
    // 8 UTC days from 8 Jun (the window starts inside it) to 15 Jun (today, so far)
    expect(rows).toHaveLength(8);
    expect(within(rows[0]!).getByRole('rowheader').textContent).toBe('Mon 8 Jun (UTC) — partial (from 13:27 UTC)');
    expect(within(rows[7]!).getByRole('rowheader').textContent).toBe('Mon 15 Jun (UTC) — so far (until 13:27 UTC)');
    expect(within(rows[7]!).getAllByRole('cell').map((c) => c.textContent)).toEqual(['4', '0', '12', '2', '1']);
    expect(within(rows[3]!).getAllByRole('cell').map((c) => c.textContent)).toEqual(['0', '0', '0', '0', '0']);
    expect(screen.getByTestId('partial-legend').textContent).toContain("the current day, so far and the window's first day, in part");
  });

  it('shows the window it describes, from and to, in the user locale', async () => {
    const s = summaryOf('7d', { counts: [1, 0, 0, 0, 0] });
    renderPanel(fakeApi({ summary: vi.fn(async () => ok(s)) }));
    await screen.findByRole('region', { name: 'Onboarding checkpoints' });
    const fmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    expect(screen.getByTestId('window-range').textContent).toBe(`${fmt.format(new Date(s.from))} – ${fmt.format(new Date(s.to))}`);
  });

  it('says plainly that no usage was recorded when the window is empty, and never that all is well', async () => {
    renderPanel(fakeApi({ summary: vi.fn(async ({ window }) => ok(summaryOf(window))) }));

    const zero = await screen.findByText('No usage was recorded in this window');
    const alert = zero.closest('[role="alert"]') as HTMLElement;
    expect(alert.textContent).toMatch(/no sign that all is well/);
    for (const label of FAMILY_LABELS) {
      expect(countIn(label)).toBe('0');
      expect(within(card(label)).getByText('no signal in this window')).toBeTruthy();
    }
    expect(countIn('Active workspaces')).toBe('0');
  });

  it('shows an error with a retry, and the retry loads the summary', async () => {
    const summary = vi
      .fn<ReturnType<typeof fakeApi>['summary']>()
      .mockResolvedValueOnce(fail('unreachable', 'Cannot reach the TenantPilot API. Check that the server is running, then try again.'))
      .mockImplementation(async ({ window }) => ok(summaryOf(window, { counts: [5, 0, 0, 0, 0] })));
    const { user } = renderPanel(fakeApi({ summary }));

    expect(await screen.findByText('The usage summary could not be loaded')).toBeTruthy();
    expect(screen.getByText(/Cannot reach the TenantPilot API/)).toBeTruthy();
    expect(screen.queryAllByTestId('kpi-count')).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(countIn('Onboarding checkpoints')).toBe('5'));
    expect(screen.queryByText('The usage summary could not be loaded')).toBeNull();
  });

  it('refreshes every minute and says how long ago it was updated', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let count = 1;
    const summary = vi.fn(async ({ window }: { window: SummaryWindow }) => ok(summaryOf(window, { counts: [count, 0, 0, 0, 0] })));
    renderPanel(fakeApi({ summary }));
    await screen.findByRole('region', { name: 'Onboarding checkpoints' });
    expect(screen.getByTestId('updated-ago').textContent).toBe('updated 0 s ago');

    await act(async () => vi.advanceTimersByTimeAsync(30_000));
    expect(screen.getByTestId('updated-ago').textContent).toMatch(/^updated 3\d s ago$/);
    expect(summary).toHaveBeenCalledTimes(1);

    count = 7;
    await act(async () => vi.advanceTimersByTimeAsync(30_000));
    expect(summary).toHaveBeenCalledTimes(2);
    await waitFor(() => expect(countIn('Onboarding checkpoints')).toBe('7'));
    expect(screen.getByTestId('updated-ago').textContent).toMatch(/^updated \d s ago$/);
  });

  it('does not present old numbers as current when a refresh fails', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const summary = vi
      .fn<ReturnType<typeof fakeApi>['summary']>()
      .mockImplementationOnce(async ({ window }) => ok(summaryOf(window, { counts: [9, 9, 9, 9, 9] })))
      .mockResolvedValue(fail('unreachable', 'Cannot reach the TenantPilot API. Check that the server is running, then try again.'));
    renderPanel(fakeApi({ summary }));
    await waitFor(() => expect(countIn('Onboarding checkpoints')).toBe('9'));

    await act(async () => vi.advanceTimersByTimeAsync(60_000));

    expect(await screen.findByText('The usage summary could not be loaded')).toBeTruthy();
    expect(screen.queryAllByTestId('kpi-count')).toHaveLength(0);
    expect(screen.queryByText('9')).toBeNull();
    expect(screen.getByText(/Last successful update 1 min ago/)).toBeTruthy();
    expect(screen.getByText(/not\s+shown because they may no longer be current/)).toBeTruthy();
    expect(screen.getByTestId('updated-ago').textContent).toBe('not updated');
  });

  it('switches windows: asks for the new one, shows skeletons meanwhile, and remembers the choice', async () => {
    const { summary, pending } = heldSummaries();
    const { user } = renderPanel(fakeApi({ summary }));
    expect(summary).toHaveBeenLastCalledWith({ window: '7d' }); // the default
    await act(async () => pending.get('7d')!.resolve(ok(summaryOf('7d', { counts: [7, 0, 0, 0, 0] }))));
    expect(countIn('Onboarding checkpoints')).toBe('7');
    expect(screen.getByRole('button', { name: '7d' }).getAttribute('aria-pressed')).toBe('true');

    await user.click(screen.getByRole('button', { name: '30d' }));
    expect(summary).toHaveBeenLastCalledWith({ window: '30d' });
    expect(screen.getByRole('status', { name: 'Loading usage summary' })).toBeTruthy();
    expect(screen.queryAllByTestId('kpi-count')).toHaveLength(0);
    expect(localStorage.getItem('tenantpilot.console.window')).toBe('30d');

    await act(async () => pending.get('30d')!.resolve(ok(summaryOf('30d', { counts: [30, 0, 0, 0, 0] }))));
    expect(countIn('Onboarding checkpoints')).toBe('30');
    expect(screen.getByRole('button', { name: '30d' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('drops a late answer for the window the operator already left', async () => {
    const { summary, pending } = heldSummaries();
    const { user } = renderPanel(fakeApi({ summary }));
    await user.click(screen.getByRole('button', { name: '24h' }));
    await act(async () => pending.get('24h')!.resolve(ok(summaryOf('24h', { counts: [24, 0, 0, 0, 0] }))));
    await act(async () => pending.get('7d')!.resolve(ok(summaryOf('7d', { counts: [7, 0, 0, 0, 0] }))));

    expect(countIn('Onboarding checkpoints')).toBe('24');
    expect(card('Events per hour, UTC')).toBeTruthy();
  });

  it('opens on the remembered window', async () => {
    localStorage.setItem('tenantpilot.console.window', '90d');
    const { api } = renderPanel();
    await screen.findByRole('region', { name: 'Onboarding checkpoints' });
    expect(api.summary).toHaveBeenCalledWith({ window: '90d' });
    expect(screen.getByRole('button', { name: '90d' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('draws no chart when the API sends no trend', async () => {
    renderPanel(fakeApi({ summary: vi.fn(async ({ window }) => ok(summaryOf(window, { counts: [4, 0, 0, 0, 0], trend: false }))) }));
    await screen.findByRole('region', { name: 'Onboarding checkpoints' });
    expect(countIn('Onboarding checkpoints')).toBe('4');
    expect(screen.queryByRole('region', { name: /^Events per/ })).toBeNull();
  });

  it('reports an expired session to the app', async () => {
    const onUnauthorized = vi.fn();
    renderPanel(fakeApi({ summary: vi.fn(async () => fail('unauthorized', 'Session expired or revoked: sign in again')) }), onUnauthorized);
    await waitFor(() => expect(onUnauthorized).toHaveBeenCalledTimes(1));
  });
});

describe('KPI panel freshness', () => {
  it("measures 'last signal' on the server's clock, not the console's", async () => {
    // The server's clock is 2 h behind this computer's: its last signal was 5 min before its "now".
    const serverNow = Date.now() - 2 * 3_600_000;
    const s = summaryOf('7d', { counts: [1, 0, 0, 0, 0], lastAgoMs: [5 * 60_000], now: serverNow });
    renderPanel(fakeApi({ summary: vi.fn(async () => ok(s)) }));
    expect(await within(await screen.findByRole('region', { name: 'Onboarding checkpoints' })).findByText('last signal 5 min ago')).toBeTruthy();
  });
});
