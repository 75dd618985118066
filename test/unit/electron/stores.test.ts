import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSettingsStore, DEFAULT_SETTINGS } from '../../../electron/main/settings-store.ts';
import { createTokenStore, type SafeStorageLike } from '../../../electron/main/token-store.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-console-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const log = () => ({ warn: vi.fn() });

/** A reversible stand-in for safeStorage (prefix + base64), so tests can tell cipher from plain text. */
function fakeSafeStorage(opts: { available?: boolean; backend?: string } = {}): SafeStorageLike {
  return {
    isEncryptionAvailable: () => opts.available ?? true,
    encryptString: (plain) => Buffer.from(`enc:${Buffer.from(plain).toString('base64')}`),
    decryptString: (buf) => {
      const text = buf.toString();
      if (!text.startsWith('enc:')) throw new Error('cannot decrypt');
      return Buffer.from(text.slice(4), 'base64').toString();
    },
    getSelectedStorageBackend: opts.backend ? () => opts.backend! : undefined,
  };
}

describe('settings store', () => {
  it('starts in local mode and remembers a remote API URL', () => {
    const file = join(tempDir(), 'nested', 'settings.json');
    const store = createSettingsStore(file, log());
    expect(store.read()).toEqual(DEFAULT_SETTINGS);
    store.write({ mode: 'remote', apiUrl: 'https://tenantpilot.example.com' });
    expect(createSettingsStore(file, log()).read()).toEqual({ mode: 'remote', apiUrl: 'https://tenantpilot.example.com' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ mode: 'remote', apiUrl: 'https://tenantpilot.example.com' });
  });

  it('falls back to local mode, with a warning, when the file is damaged', () => {
    const file = join(tempDir(), 'settings.json');
    writeFileSync(file, '{"mode":"remote","apiUrl":42');
    const warnings = log();
    expect(createSettingsStore(file, warnings).read()).toEqual({ mode: 'local' });
    expect(warnings.warn).toHaveBeenCalledTimes(1);
  });

  it('refuses to write settings that would not read back', () => {
    const store = createSettingsStore(join(tempDir(), 'settings.json'), log());
    expect(() => store.write({ mode: 'remote', apiUrl: 'not a url' })).toThrow();
    expect(() => store.write({ mode: 'remote', apiUrl: 'http://tenantpilot.example.com' })).toThrow();
  });

  it('does not follow an edited file to plain http on another machine (back to local, with a warning); loopback http is fine', () => {
    const file = join(tempDir(), 'settings.json');
    writeFileSync(file, JSON.stringify({ mode: 'remote', apiUrl: 'http://tenantpilot.example.com' }));
    const warnings = log();
    expect(createSettingsStore(file, warnings).read()).toEqual({ mode: 'local' });
    expect(warnings.warn).toHaveBeenCalledTimes(1);
    writeFileSync(file, JSON.stringify({ mode: 'remote', apiUrl: 'http://127.0.0.1:4310' }));
    expect(createSettingsStore(file, log()).read()).toEqual({ mode: 'remote', apiUrl: 'http://127.0.0.1:4310' });
  });
});

describe('token store', () => {
  it('persists the token encrypted, readable by the next start', () => {
    const file = join(tempDir(), 'session.bin');
    const safeStorage = fakeSafeStorage();
    createTokenStore({ file, safeStorage, log: log() }).holder('local').set('sys_secret_token');

    expect(readFileSync(file, 'utf8')).not.toContain('sys_secret_token');
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(createTokenStore({ file, safeStorage, log: log() }).holder('local').get()).toBe('sys_secret_token');
  });

  it('keeps the token in memory only when the OS offers no encryption', () => {
    const file = join(tempDir(), 'session.bin');
    for (const safeStorage of [fakeSafeStorage({ available: false }), fakeSafeStorage({ backend: 'basic_text' })]) {
      const store = createTokenStore({ file, safeStorage, log: log() });
      expect(store.persistent()).toBe(false);
      store.holder('local').set('sys_memory_only');
      expect(store.holder('local').get()).toBe('sys_memory_only');
      expect(() => statSync(file)).toThrow();
      expect(createTokenStore({ file, safeStorage, log: log() }).holder('local').get()).toBeUndefined();
    }
  });

  it('never hands one server the token issued by another', () => {
    const store = createTokenStore({ file: join(tempDir(), 'session.bin'), safeStorage: fakeSafeStorage(), log: log() });
    store.holder('remote:https://a.example').set('sys_for_a');
    expect(store.holder('remote:https://b.example').get()).toBeUndefined();
    expect(store.holder('local').get()).toBeUndefined();
    store.holder('remote:https://b.example').clear(); // not b's token: untouched
    expect(store.holder('remote:https://a.example').get()).toBe('sys_for_a');
  });

  it('deletes the file on sign-out', () => {
    const file = join(tempDir(), 'session.bin');
    const holder = createTokenStore({ file, safeStorage: fakeSafeStorage(), log: log() }).holder('local');
    holder.set('sys_x');
    holder.clear();
    expect(holder.get()).toBeUndefined();
    expect(() => statSync(file)).toThrow();
  });

  it('drops a stored token it cannot decrypt (e.g. copied from another machine)', () => {
    const file = join(tempDir(), 'session.bin');
    writeFileSync(file, 'garbage');
    const warnings = log();
    expect(createTokenStore({ file, safeStorage: fakeSafeStorage(), log: warnings }).holder('local').get()).toBeUndefined();
    expect(warnings.warn).toHaveBeenCalledTimes(1);
    expect(() => statSync(file)).toThrow();
  });
});
