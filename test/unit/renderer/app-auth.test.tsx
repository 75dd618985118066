// @vitest-environment jsdom
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Connection, ConnectionControl } from '../../../console/contract.ts';
import { App, SESSION_ENDED } from '../../../renderer/src/app/App.tsx';
import { fail, fakeApi, ok, OPERATOR } from './fakes.ts';
import './setup-dom.ts';

const UNREACHABLE = 'Cannot reach the TenantPilot API. Check that the server is running, then try again.';

function renderApp(api = fakeApi(), connection?: ConnectionControl) {
  const user = userEvent.setup();
  render(<App platform={{ kind: connection ? 'desktop' : 'web', api, connection }} />);
  return { api, user };
}

async function signIn(user: ReturnType<typeof userEvent.setup>, email = 'operator@tenantpilot.test', password = 'a password') {
  await user.type(await screen.findByLabelText(/E-mail/), email);
  await user.type(screen.getByLabelText(/^Password/), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('sign-in', () => {
  it('signs in and shows the usage panel', async () => {
    const { api, user } = renderApp();
    await signIn(user, 'Operator@TenantPilot.test', 'correct horse');
    expect(api.login).toHaveBeenCalledWith({ email: 'Operator@TenantPilot.test', password: 'correct horse' });
    expect(await screen.findByRole('region', { name: 'Product telemetry' })).toBeTruthy();
    expect(screen.getByText(OPERATOR.displayName)).toBeTruthy();
  });

  it('shows wrong credentials inline and clears the password', async () => {
    const { user } = renderApp(fakeApi({ login: vi.fn(async () => fail('unauthorized', 'Invalid e-mail or password')) }));
    await signIn(user);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Invalid e-mail or password');
    expect((screen.getByLabelText(/^Password/) as HTMLInputElement).value).toBe('');
    expect(screen.queryByRole('region', { name: 'Product telemetry' })).toBeNull();
  });

  it('shows throttling with the server message', async () => {
    const { user } = renderApp(fakeApi({ login: vi.fn(async () => fail('throttled', 'Too many failed sign-ins: try again in 15 min')) }));
    await signIn(user);
    expect((await screen.findByRole('alert')).textContent).toBe('Too many failed sign-ins: try again in 15 min');
  });

  it('says when the server cannot be reached, on sign-in and on start', async () => {
    const { user } = renderApp(
      fakeApi({ authStatus: vi.fn(async () => fail('unreachable', UNREACHABLE)), login: vi.fn(async () => fail('unreachable', UNREACHABLE)) }),
    );
    expect((await screen.findByRole('alert')).textContent).toContain(UNREACHABLE);
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
    await signIn(user);
    await waitFor(() => expect(screen.getAllByRole('alert').map((a) => a.textContent)).toEqual([expect.stringContaining(UNREACHABLE), UNREACHABLE]));
  });

  it('resumes a session the main process still holds', async () => {
    const { api } = renderApp(fakeApi({ me: vi.fn(async () => ok(OPERATOR)) }));
    expect(await screen.findByRole('region', { name: 'Product telemetry' })).toBeTruthy();
    expect(api.login).not.toHaveBeenCalled();
  });

  it('returns to sign-in, saying why, when the session expires', async () => {
    // The client forgets a token the server refused, so the next `me` finds no session.
    const me = vi.fn().mockResolvedValueOnce(ok(OPERATOR)).mockResolvedValue(fail('unauthorized', 'Not signed in'));
    renderApp(fakeApi({ me, summary: vi.fn(async () => fail('unauthorized', 'Session expired or revoked: sign in again')) }));
    expect(await screen.findByText(SESSION_ENDED)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
  });
});

describe('sign-out', () => {
  it('revokes the session on the server and returns to sign-in', async () => {
    const me = vi.fn().mockResolvedValueOnce(ok(OPERATOR)).mockResolvedValue(fail('unauthorized', 'Not signed in'));
    const { api, user } = renderApp(fakeApi({ me }));
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(api.logout).toHaveBeenCalledTimes(1);
    expect(await screen.findByText('You are signed out.')).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Product telemetry' })).toBeNull();
  });

  it('still signs out locally when the server cannot be told, and says so', async () => {
    const me = vi.fn().mockResolvedValueOnce(ok(OPERATOR)).mockResolvedValue(fail('unauthorized', 'Not signed in'));
    const { user } = renderApp(fakeApi({ me, logout: vi.fn(async () => fail('unreachable', UNREACHABLE)) }));
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByText(/Signed out on this computer; the server was not told/)).toBeTruthy();
  });
});

describe('first operator', () => {
  const bootstrapApp = (overrides = {}, connection?: ConnectionControl) =>
    renderApp(fakeApi({ authStatus: vi.fn(async () => ok({ bootstrapAvailable: true })), ...overrides }), connection);
  const INPUT = { email: 'first@tenantpilot.test', displayName: 'First Operator', password: 'a long enough password' };

  async function fill(user: ReturnType<typeof userEvent.setup>, opts: { confirm?: string; setupCode?: string } = {}) {
    if (opts.setupCode !== undefined) await user.type(await screen.findByLabelText(/Setup code/), opts.setupCode);
    await user.type(await screen.findByLabelText(/E-mail/), INPUT.email);
    await user.type(screen.getByLabelText(/Display name/), INPUT.displayName);
    await user.type(screen.getByLabelText(/^Password/), INPUT.password);
    await user.type(screen.getByLabelText(/Confirm password/), opts.confirm ?? INPUT.password);
  }

  afterEach(() => window.history.replaceState(null, '', '/'));

  it('is offered when the server has no operator, asks for the setup code the server printed, and signs the new operator in', async () => {
    const { api, user } = bootstrapApp();
    expect(await screen.findByRole('heading', { name: 'Create the first operator' })).toBeTruthy();
    await fill(user);
    // Without the code the form cannot be sent.
    expect((screen.getByRole('button', { name: 'Create operator' }) as HTMLButtonElement).disabled).toBe(true);
    await user.type(screen.getByLabelText(/Setup code/), 'code-from-the-terminal');
    await user.click(screen.getByRole('button', { name: 'Create operator' }));
    expect(api.bootstrap).toHaveBeenCalledWith({ ...INPUT, setupCode: 'code-from-the-terminal' });
    expect(await screen.findByRole('region', { name: 'Product telemetry' })).toBeTruthy();
  });

  it('takes the setup code from a #setup= link, and removes it from the address bar', async () => {
    window.history.replaceState(null, '', '/?x=1#setup=code-from-the-link');
    const { api, user } = bootstrapApp();
    expect(((await screen.findByLabelText(/Setup code/)) as HTMLInputElement).value).toBe('code-from-the-link');
    expect(window.location.hash).toBe('');
    expect(window.location.search).toBe('?x=1');
    await fill(user);
    await user.click(screen.getByRole('button', { name: 'Create operator' }));
    expect(api.bootstrap).toHaveBeenCalledWith({ ...INPUT, setupCode: 'code-from-the-link' });
  });

  it('does not ask for a setup code in the desktop app’s local mode (its main process adds the code)', async () => {
    const connection: ConnectionControl = {
      get: vi.fn(async () => ({ mode: 'local', status: 'ready' }) as const),
      onChange: () => () => undefined,
      useRemote: vi.fn(),
      useLocal: vi.fn(),
      retry: vi.fn(),
    };
    const { api, user } = bootstrapApp({}, connection);
    await screen.findByRole('heading', { name: 'Create the first operator' });
    expect(screen.queryByLabelText(/Setup code/)).toBeNull();
    await fill(user);
    await user.click(screen.getByRole('button', { name: 'Create operator' }));
    expect(api.bootstrap).toHaveBeenCalledWith(INPUT);
  });

  it('is not offered when an operator exists', async () => {
    renderApp();
    expect(await screen.findByRole('heading', { name: 'Sign in to TenantPilot Console' })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Create the first operator' })).toBeNull();
  });

  it('will not submit mismatched passwords', async () => {
    const { api, user } = bootstrapApp();
    await fill(user, { confirm: 'something else entirely', setupCode: 'code' });
    expect(screen.getByText('The passwords do not match')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Create operator' }) as HTMLButtonElement).disabled).toBe(true);
    expect(api.bootstrap).not.toHaveBeenCalled();
  });

  it.each([
    ['invalid', 'Invalid input — password: must be at least 12 characters'],
    ['forbidden', 'Invalid or expired setup code: use the one this server printed at start'],
  ] as const)("shows the server's refusal inline (%s)", async (kind, message) => {
    const { user } = bootstrapApp({ bootstrap: vi.fn(async () => fail(kind, message)) });
    await fill(user, { setupCode: 'a wrong code' });
    await user.click(screen.getByRole('button', { name: 'Create operator' }));
    expect((await screen.findByRole('alert')).textContent).toBe(message);
  });
});

describe('connection settings (desktop)', () => {
  /** A desktop connection control whose changes the test announces, like main does over IPC. */
  function control(initial: Connection, useRemote = vi.fn<ConnectionControl['useRemote']>()) {
    let current = initial;
    const listeners = new Set<(c: Connection) => void>();
    const announce = (next: Connection) => {
      current = next;
      act(() => listeners.forEach((l) => l(next)));
    };
    return {
      announce,
      get: vi.fn(async () => current),
      onChange: (listener: (c: Connection) => void) => {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      useRemote: useRemote.mockImplementation(async (apiUrl) => {
        if (apiUrl.includes('down')) return fail('unreachable', `Nothing answered at ${apiUrl} (checked ${apiUrl}/healthz).`);
        current = { mode: 'remote', apiUrl, status: 'ready' };
        return ok(current);
      }),
      useLocal: vi.fn(async () => ok((current = { mode: 'local', status: 'ready' }))),
      retry: vi.fn(async () => (current = { mode: 'local', status: 'starting' })),
    };
  }

  it('points the console at a remote API only after its health check passes', async () => {
    const connection = control({ mode: 'local', status: 'ready' });
    const { user } = renderApp(fakeApi(), connection);
    expect((await screen.findByTestId('connection')).textContent).toBe('Local server');
    await user.click(screen.getByRole('button', { name: 'Connection settings' }));
    const dialog = screen.getByRole('dialog', { name: 'Connection' });
    await user.click(within(dialog).getByLabelText(/Remote/));
    await user.type(within(dialog).getByLabelText(/API URL/), 'http://down.example:4310');
    await user.click(within(dialog).getByRole('button', { name: 'Save and reconnect' }));
    expect((await within(dialog).findByRole('alert')).textContent).toMatch(/Nothing answered at http:\/\/down.example:4310/);

    await user.clear(within(dialog).getByLabelText(/API URL/));
    await user.type(within(dialog).getByLabelText(/API URL/), 'https://tenantpilot.example.com');
    await user.click(within(dialog).getByRole('button', { name: 'Save and reconnect' }));
    await waitFor(() => expect(screen.getByTestId('connection').textContent).toBe('tenantpilot.example.com'));
    expect(connection.useRemote).toHaveBeenLastCalledWith('https://tenantpilot.example.com');
    expect(await screen.findByText('Connection changed: sign in to the new server.')).toBeTruthy();
  });

  it('opens at once while the local server starts, then goes on when it is ready', async () => {
    const connection = control({ mode: 'local', status: 'starting' });
    const { api } = renderApp(fakeApi(), connection);
    expect((await screen.findByText('Starting the local server…')).closest('[role="status"]')).toBeTruthy();
    expect(api.authStatus).not.toHaveBeenCalled();
    connection.announce({ mode: 'local', status: 'ready' });
    expect(await screen.findByRole('heading', { name: 'Sign in to TenantPilot Console' })).toBeTruthy();
  });

  it('says why the local server could not start, and tries again on request', async () => {
    const connection = control({ mode: 'local', status: 'failed', detail: 'The database folder is in use by process 4242.' });
    const { user } = renderApp(fakeApi(), connection);
    expect((await screen.findByRole('alert')).textContent).toContain('The local server is not running: The database folder is in use by process 4242.');
    expect(screen.getByRole('button', { name: 'Connection settings' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(connection.retry).toHaveBeenCalledTimes(1);
    connection.announce({ mode: 'local', status: 'starting' });
    expect((await screen.findByText('Starting the local server…')).closest('[role="status"]')).toBeTruthy();
    connection.announce({ mode: 'local', status: 'ready' });
    expect(await screen.findByRole('heading', { name: 'Sign in to TenantPilot Console' })).toBeTruthy();
  });

  it('shows a local server that stops while signed in as a failed connection, and returns to the panel after a retry', async () => {
    const connection = control({ mode: 'local', status: 'ready' });
    const { user } = renderApp(fakeApi({ me: vi.fn(async () => ok(OPERATOR)) }), connection);
    expect(await screen.findByRole('region', { name: 'Product telemetry' })).toBeTruthy();
    connection.announce({ mode: 'local', status: 'failed', detail: 'The local server stopped unexpectedly (exit code 9).' });
    expect((await screen.findByRole('alert')).textContent).toContain('stopped unexpectedly (exit code 9)');
    expect(screen.queryByRole('region', { name: 'Product telemetry' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    connection.announce({ mode: 'local', status: 'ready' });
    expect(await screen.findByRole('region', { name: 'Product telemetry' })).toBeTruthy();
  });

  it('is not offered in the browser', async () => {
    renderApp();
    await screen.findByRole('heading', { name: 'Sign in to TenantPilot Console' });
    expect(screen.queryByRole('button', { name: 'Connection settings' })).toBeNull();
  });
});
