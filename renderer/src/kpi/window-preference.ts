import type { SummaryWindow } from '../../../console/contract.ts';

/** The selector's choices, in order, with their labels (typed: a window the API drops fails to compile). */
export const WINDOW_LABELS = { '24h': '24h', '7d': '7d', '30d': '30d', '90d': '90d' } as const satisfies Record<SummaryWindow, string>;
export const WINDOWS = Object.keys(WINDOW_LABELS) as SummaryWindow[];
export const DEFAULT_WINDOW: SummaryWindow = '7d';

const KEY = 'tenantpilot.console.window';

/** The remembered window (a non-secret preference, so localStorage is fine). */
export function readWindowPreference(storage: Pick<Storage, 'getItem'> = localStorage): SummaryWindow {
  const value = storage.getItem(KEY);
  return (WINDOWS as string[]).includes(value ?? '') ? (value as SummaryWindow) : DEFAULT_WINDOW;
}

export function writeWindowPreference(window: SummaryWindow, storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(KEY, window);
}
