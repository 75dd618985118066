/** The parts of WebContents `watchPage` listens to. */
export type PageEventsLike = {
  on(
    event: 'did-fail-load',
    listener: (event: unknown, errorCode: number, errorDescription: string, validatedURL: string, isMainFrame: boolean) => void,
  ): unknown;
  on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string; exitCode: number }) => void): unknown;
  reload(): void;
};

/** Chromium's net::ERR_ABORTED: a load replaced by another one (e.g. a reload), not a failure. */
const ERR_ABORTED = -3;
/** A renderer that keeps crashing is not reloaded forever. */
const MAX_RELOADS = 3;

/**
 * A window that shows nothing is a failure: the console page not loading (its files missing, a
 * protocol error) is reported through `fail`; a crashed page is reloaded, a few times at most.
 */
export function watchPage(contents: PageEventsLike, fail: (reason: string) => void, log: { warn(obj: object, msg: string): void }) {
  contents.on('did-fail-load', (_event, errorCode, errorDescription, url, isMainFrame) => {
    if (!isMainFrame || errorCode === ERR_ABORTED) return;
    fail(`The console page did not load: ${errorDescription} (${errorCode}) for ${url}`);
  });
  let reloads = 0;
  contents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit') return;
    reloads += 1;
    if (reloads > MAX_RELOADS) return fail(`The console page crashed ${reloads} times (last: ${details.reason}, exit code ${details.exitCode}).`);
    log.warn({ reason: details.reason, exitCode: details.exitCode }, 'console page crashed; reloading');
    contents.reload();
  });
}
