import { join } from 'node:path';
import roll from 'pino-roll';
import { createLogger, type Logger } from '../server/observability.ts';

/** Each log file is rotated at this size, and this many older files are kept: at most 4 × 5 MB per process. */
export const LOG_FILE_SIZE = '5m';
export const LOG_FILES_KEPT = 3;

type Destination = { write(line: string): unknown };

/**
 * Where a desktop process logs. A packaged app has no usable stdout (on Windows a GUI process has no
 * fd 1 at all, and pino's first write would throw EBADF), so it logs to `<logsDir>/<name>.N.log`,
 * size-bounded and rotated; a development run logs to the terminal it was started from.
 * The logger is usable at once: lines written before the file is open are kept and written to it
 * when it is; `opened` settles when that has happened (or the file could not be opened).
 */
export function createDesktopLogger(opts: { level: string; name: string; logsDir?: string; fileSize?: string }): {
  log: Logger;
  opened: Promise<void>;
} {
  if (!opts.logsDir) return { log: createLogger(opts.level), opened: Promise.resolve() };
  const early: string[] = [];
  let target: Destination | undefined;
  const sink: Destination = { write: (line) => (target ? target.write(line) : early.push(line)) };
  const opened = roll({
    file: join(opts.logsDir, opts.name),
    extension: '.log',
    size: opts.fileSize ?? LOG_FILE_SIZE,
    limit: { count: LOG_FILES_KEPT, removeOtherLogFiles: true },
    mkdir: true,
    // Synchronous writes: the line that explains a fatal error is on disk before the process exits.
    sync: true,
  }).then(
    (file) => {
      for (const line of early.splice(0)) file.write(line);
      target = file;
    },
    () => {
      // No writable logs folder: log nowhere rather than to a stdout that may not exist.
      early.length = 0;
      target = { write: () => true };
    },
  );
  return { log: createLogger(opts.level, sink), opened };
}
