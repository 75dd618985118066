import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Logger } from 'pino';
import { normalizeApiUrl } from './api-url.ts';

/**
 * The console's remembered choice of server, in settings.json under the app's userData folder. A
 * remote address must pass the same rules as when it was entered (https unless loopback), so an
 * edited or older file cannot point the console at plain http elsewhere.
 */
const settingsSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('local') }),
  z.object({ mode: z.literal('remote'), apiUrl: z.string().refine((url) => normalizeApiUrl(url).ok, 'not an allowed API address') }),
]);
export type ConsoleSettings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: ConsoleSettings = { mode: 'local' };

export type SettingsStore = { read(): ConsoleSettings; write(settings: ConsoleSettings): void };

export function createSettingsStore(file: string, log: Pick<Logger, 'warn'>): SettingsStore {
  return {
    read() {
      let raw: string;
      try {
        raw = readFileSync(file, 'utf8');
      } catch {
        return DEFAULT_SETTINGS; // first run
      }
      try {
        return settingsSchema.parse(JSON.parse(raw));
      } catch {
        log.warn({ file }, 'settings file unreadable; using the local server');
        return DEFAULT_SETTINGS;
      }
    },
    write(settings) {
      const valid = settingsSchema.parse(settings);
      mkdirSync(dirname(file), { recursive: true });
      // Write-then-rename: a crash mid-write leaves the old file, never half a file.
      const temp = `${file}.tmp`;
      writeFileSync(temp, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
      renameSync(temp, file);
    },
  };
}
