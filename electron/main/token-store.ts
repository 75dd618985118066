import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { TokenHolder } from '../../console/session-client.ts';

/** The part of Electron's `safeStorage` this store uses (passed in, so tests need no Electron). */
export type SafeStorageLike = {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means a hard-coded key, i.e. no real protection. */
  getSelectedStorageBackend?(): string;
};

type Stored = { connection: string; token: string };

export type TokenStore = {
  /** Whether tokens survive a restart (OS-backed encryption available). */
  persistent(): boolean;
  /** The token slot for one connection ('local', or the remote API origin). */
  holder(connection: string): TokenHolder;
};

/**
 * The console's bearer token, held by the main process only. Persisted to `file` encrypted with
 * safeStorage when the OS offers real encryption; otherwise kept in memory (signing in again after a
 * restart beats a token readable on disk). A token is tied to the connection it was issued for, so it
 * is never sent to another server.
 */
export function createTokenStore(opts: { file: string; safeStorage: SafeStorageLike; log: Pick<Logger, 'warn'> }): TokenStore {
  const { file, safeStorage, log } = opts;
  const persistent = () =>
    safeStorage.isEncryptionAvailable() && safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
  let current: Stored | undefined;
  let loaded = false;

  const load = () => {
    if (loaded) return;
    loaded = true;
    if (!persistent()) return;
    let encrypted: Buffer;
    try {
      encrypted = readFileSync(file);
    } catch {
      return; // nothing stored
    }
    try {
      const value = JSON.parse(safeStorage.decryptString(encrypted)) as Partial<Stored>;
      if (typeof value.connection === 'string' && typeof value.token === 'string') current = { connection: value.connection, token: value.token };
    } catch {
      log.warn('stored session could not be decrypted; signing in again');
      rmSync(file, { force: true });
    }
  };

  const save = () => {
    if (!current) return rmSync(file, { force: true });
    if (!persistent()) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, safeStorage.encryptString(JSON.stringify(current)), { mode: 0o600 });
  };

  return {
    persistent,
    holder(connection) {
      return {
        get() {
          load();
          return current?.connection === connection ? current.token : undefined;
        },
        set(token) {
          loaded = true;
          current = { connection, token };
          save();
        },
        clear() {
          load();
          if (current?.connection !== connection) return;
          current = undefined;
          save();
        },
      };
    },
  };
}
