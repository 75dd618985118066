import { closeSync, constants, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

/**
 * One owner process per embedded-database folder. PGlite is a single-process database: two processes
 * on one folder corrupt it. The owner holds an OS file lock on `<folder>/tenantpilot.lock` — an
 * open-file-description lock (fcntl F_OFD_SETLK) on Linux, flock on macOS, LockFileEx on Windows, via
 * fs-native-extensions' prebuilt N-API addon — so the kernel drops it the moment the owner dies
 * (SIGKILL, crash, power loss) and the next start takes over at once. Nothing is judged stale by age:
 * PGlite runs queries on the event loop, so an owner busy for minutes must keep its folder.
 */
export const LOCK_FILE = 'tenantpilot.lock';

/**
 * The byte range locked, past the owner's pid text at the start of the file: Windows locks are
 * mandatory, and a process that is refused must still read who the owner is.
 */
const RANGE = { offset: 1 << 20, length: 1 } as const;

/** A refused open: the message is the one line a command prints. */
export class FolderInUseError extends Error {
  override name = 'FolderInUseError';
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number | undefined,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by ${ownerPid ? `process ${ownerPid}` : 'another process'} (one process at a time may open it): ` +
        'stop that process first (e.g. the running `tenantpilot serve` or the desktop app), or set DATABASE_URL to use PostgreSQL',
    );
  }
}

export type FolderLock = { readonly dataDir: string; release(): void };

type NativeLocks = {
  tryLock(fd: number, offset: number, length: number, opts?: { shared?: boolean }): boolean;
  unlock(fd: number, offset: number, length: number): void;
};
let native: NativeLocks | undefined;

/** The addon, loaded on first use (a PostgreSQL deployment never loads it). */
function locks(dataDir: string): NativeLocks {
  try {
    native ??= createRequire(import.meta.url)('fs-native-extensions') as NativeLocks;
    return native;
  } catch (err) {
    throw new Error(
      `cannot lock the embedded database in ${dataDir}: the file-lock module fs-native-extensions does not load here (${(err as Error).message.split('\n')[0]}); set DATABASE_URL to use PostgreSQL`,
    );
  }
}

/** Takes the lock, or says why not; refusals are thrown by the caller. */
function tryLock(api: NativeLocks, fd: number): boolean {
  try {
    return api.tryLock(fd, RANGE.offset, RANGE.length);
  } catch (err) {
    // Held elsewhere: EAGAIN (returned as false by the addon) or, depending on the OS, EACCES/EBUSY.
    if (['EACCES', 'EAGAIN', 'EBUSY'].includes((err as NodeJS.ErrnoException).code ?? '')) return false;
    throw err;
  }
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes this process the owner of `dataDir` (created if missing) until `release()` or exit. Throws
 * FolderInUseError, having changed nothing, when another open holds it — another process, or
 * this one through another open.
 */
export function lockDataFolder(dataDir: string): FolderLock {
  const dir = resolve(dataDir);
  const api = locks(dir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  // Read-write, created when missing, never truncated by the open itself.
  const fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o644);
  let granted = false;
  try {
    granted = tryLock(api, fd);
  } finally {
    if (!granted) closeSync(fd);
  }
  if (!granted) throw new FolderInUseError(dir, ownerOf(file));
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`, 0);
  let released = false;
  return {
    dataDir: dir,
    release() {
      if (released) return;
      released = true;
      try {
        ftruncateSync(fd, 0);
        api.unlock(fd, RANGE.offset, RANGE.length);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/**
 * Throws FolderInUseError when another process owns `dataDir`, without taking the lock or creating
 * anything: for commands that ask for input before they open the database.
 */
export function assertDataFolderFree(dataDir: string): void {
  const dir = resolve(dataDir);
  const file = join(dir, LOCK_FILE);
  if (!existsSync(file)) return;
  const api = locks(dir);
  const fd = openSync(file, constants.O_RDWR);
  try {
    if (!tryLock(api, fd)) throw new FolderInUseError(dir, ownerOf(file));
    api.unlock(fd, RANGE.offset, RANGE.length);
  } finally {
    closeSync(fd);
  }
}
