import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createDesktopLogger, LOG_FILES_KEPT } from '../../../electron/logging.ts';
import { runLifecycle, type AppLike } from '../../../electron/main/lifecycle.ts';
import { useUserDataDir } from '../../../electron/main/paths.ts';
import { watchPage, type PageEventsLike } from '../../../electron/main/window.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-lifecycle-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Electron's `app` as far as the lifecycle uses it: events the test fires, and what the app was told. */
function fakeApp(opts: { lock?: boolean } = {}) {
  const events = new EventEmitter();
  let ready!: () => void;
  const app = {
    requestSingleInstanceLock: vi.fn(() => opts.lock ?? true),
    whenReady: vi.fn(() => new Promise<void>((r) => (ready = r))),
    on: (event: string, listener: (...args: any[]) => void) => events.on(event, listener),
    quit: vi.fn(() => {
      const event = { defaultPrevented: false, preventDefault: () => void (event.defaultPrevented = true) };
      events.emit('will-quit', event);
    }),
    exit: vi.fn(),
  };
  return { app: app as typeof app & AppLike, ready: () => ready(), emit: (event: string) => events.emit(event) };
}

function lifecycle(opts: { lock?: boolean; start?: () => Promise<void> } = {}) {
  const fake = fakeApp(opts);
  const deps = {
    app: fake.app,
    start: vi.fn(opts.start ?? (async () => {})),
    focus: vi.fn(),
    stop: vi.fn(async () => {}),
    showError: vi.fn(),
    log: { fatal: vi.fn(), error: vi.fn() },
  };
  const handle = runLifecycle(deps);
  return { ...fake, deps, handle };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('console lifecycle', () => {
  it('a second launch quits at once and leaves the first one running', () => {
    const { app, deps, handle } = lifecycle({ lock: false });
    expect(handle).toBeUndefined();
    expect(app.quit).toHaveBeenCalledTimes(1);
    expect(app.whenReady).not.toHaveBeenCalled();
    expect(deps.start).not.toHaveBeenCalled();
  });

  it('focuses the running console when launched again', () => {
    const { deps, emit } = lifecycle();
    emit('second-instance');
    expect(deps.focus).toHaveBeenCalledTimes(1);
  });

  it('an error thrown while starting is logged and shown, the server is stopped, and the process exits (no hidden process keeps the lock)', async () => {
    const { app, deps, ready } = lifecycle({ start: async () => Promise.reject(new Error('preload script missing')) });
    ready();
    await settle();
    await settle();
    expect(deps.log.fatal).toHaveBeenCalledWith({ error: 'preload script missing' }, 'console failed to start');
    expect(deps.showError).toHaveBeenCalledWith('preload script missing');
    expect(deps.stop).toHaveBeenCalledTimes(1);
    expect(app.exit).toHaveBeenCalledWith(1);
  });

  it('a failure reported later (the page did not load) ends the app the same way, once', async () => {
    const { app, deps, handle, ready } = lifecycle();
    ready();
    await settle();
    await Promise.all([handle!.fail('The console page did not load'), handle!.fail('again')]);
    expect(deps.showError).toHaveBeenCalledTimes(1);
    expect(app.exit).toHaveBeenCalledTimes(1);
  });

  it('on quit, stops the local server before letting the app go', async () => {
    let finishStop!: () => void;
    const { app, deps } = lifecycle();
    deps.stop.mockImplementation(() => new Promise<void>((r) => (finishStop = r)));
    app.quit();
    expect(deps.stop).toHaveBeenCalledTimes(1);
    expect(app.quit).toHaveBeenCalledTimes(1);
    finishStop();
    await settle();
    // quit again, and this time the app is let go (will-quit not prevented, stop not repeated)
    expect(app.quit).toHaveBeenCalledTimes(2);
    expect(deps.stop).toHaveBeenCalledTimes(1);
  });

  it('quits when the window is closed', () => {
    const { app, emit } = lifecycle();
    emit('window-all-closed');
    expect(app.quit).toHaveBeenCalled();
  });
});

describe('console page', () => {
  function page() {
    const events = new EventEmitter();
    const contents = { on: (e: string, l: (...a: any[]) => void) => events.on(e, l), reload: vi.fn() } as unknown as PageEventsLike & { reload: ReturnType<typeof vi.fn> };
    const fail = vi.fn();
    watchPage(contents, fail, { warn: vi.fn() });
    return { contents, fail, emit: (e: string, ...args: unknown[]) => events.emit(e, ...args) };
  }

  it('a main-frame load failure ends the app with the reason; aborted loads and subframes do not', () => {
    const { fail, emit } = page();
    emit('did-fail-load', {}, -3, 'ERR_ABORTED', 'app://console/index.html', true);
    emit('did-fail-load', {}, -6, 'ERR_FILE_NOT_FOUND', 'app://console/frame.html', false);
    expect(fail).not.toHaveBeenCalled();
    emit('did-fail-load', {}, -6, 'ERR_FILE_NOT_FOUND', 'app://console/index.html', true);
    expect(fail).toHaveBeenCalledWith('The console page did not load: ERR_FILE_NOT_FOUND (-6) for app://console/index.html');
  });

  it('a crashed page is reloaded, a few times at most', () => {
    const { contents, fail, emit } = page();
    for (let i = 0; i < 3; i++) emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
    expect(contents.reload).toHaveBeenCalledTimes(3);
    expect(fail).not.toHaveBeenCalled();
    emit('render-process-gone', {}, { reason: 'oom', exitCode: 5 });
    expect(fail).toHaveBeenCalledWith(expect.stringContaining('crashed 4 times'));
  });
});

describe('userData folder', () => {
  it('is created before Electron is told to use it (setPath throws for a missing folder)', () => {
    const dir = join(tempDir(), 'nested', 'user-data');
    const setPath = vi.fn((_name: 'userData', path: string) => {
      if (!existsSync(path)) throw new Error(`Failed to set path: ${path} does not exist`);
    });
    useUserDataDir({ setPath }, dir);
    expect(setPath).toHaveBeenCalledWith('userData', dir);
    useUserDataDir({ setPath }, undefined);
    expect(setPath).toHaveBeenCalledTimes(1);
  });
});

describe('desktop log files', () => {
  it('a packaged app logs to a file under its logs folder, including lines written before the file opened', async () => {
    const logsDir = join(tempDir(), 'logs');
    const { log, opened } = createDesktopLogger({ level: 'info', name: 'console', logsDir });
    log.info({ password: 'hunter2' }, 'written before the file opened');
    await opened;
    for (let i = 0; i < 200; i++) log.info({ i }, 'line');
    const files = readdirSync(logsDir);
    expect(files).toEqual(['console.1.log']);
    const text = readFileSync(join(logsDir, 'console.1.log'), 'utf8');
    expect(text).toContain('written before the file opened');
    expect(text).not.toContain('hunter2');
    expect(text.trim().split('\n')).toHaveLength(201);
  });

  it('keeps at most a few rotated files of bounded size', async () => {
    const logsDir = join(tempDir(), 'logs');
    const { log, opened } = createDesktopLogger({ level: 'info', name: 'console', logsDir, fileSize: '16k' });
    await opened;
    for (let i = 0; i < 3_000; i++) {
      log.info({ i, pad: 'x'.repeat(40) }, 'line');
      if (i % 250 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 50));
    const files = readdirSync(logsDir);
    expect(files.length).toBeGreaterThan(1);
    expect(files.length).toBeLessThanOrEqual(LOG_FILES_KEPT + 1);
    for (const file of files) expect(statSync(join(logsDir, file)).size).toBeLessThan(32 * 1024);
  });
});
