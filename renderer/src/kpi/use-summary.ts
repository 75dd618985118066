import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, ConsoleApi, SummaryWindow, TelemetrySummary } from '../../../console/contract.ts';

export const REFRESH_MS = 60_000;

export type SummaryState =
  /** Nothing to show yet for this window. */
  | { status: 'loading' }
  | { status: 'ready'; data: TelemetrySummary; fetchedAt: number }
  /** The last attempt failed. Earlier numbers are not kept: they would pass for current ones. */
  | { status: 'error'; error: ApiError; lastSuccessAt?: number };

/**
 * The summary for one window, refreshed every minute. Switching windows or retrying starts from
 * `loading`; a background refresh keeps the shown numbers until it answers. A response that arrives
 * after a newer request was made is dropped, so a slow answer for 7d never lands under 30d.
 */
export function useSummary(api: ConsoleApi, timeWindow: SummaryWindow, opts: { onUnauthorized: () => void; refreshMs?: number }) {
  const [state, setState] = useState<SummaryState>({ status: 'loading' });
  const latest = useRef(0);
  const lastSuccessAt = useRef<number | undefined>(undefined);
  const onUnauthorized = useRef(opts.onUnauthorized);
  onUnauthorized.current = opts.onUnauthorized;

  const load = useCallback(
    async (mode: 'reload' | 'refresh') => {
      const request = ++latest.current;
      if (mode === 'reload') setState({ status: 'loading' });
      const result = await api.summary({ window: timeWindow });
      if (request !== latest.current) return;
      if (result.ok) {
        lastSuccessAt.current = Date.now();
        setState({ status: 'ready', data: result.data, fetchedAt: lastSuccessAt.current });
        return;
      }
      if (result.error.kind === 'unauthorized') onUnauthorized.current();
      setState({ status: 'error', error: result.error, lastSuccessAt: lastSuccessAt.current });
    },
    [api, timeWindow],
  );

  const refreshMs = opts.refreshMs ?? REFRESH_MS;
  useEffect(() => {
    void load('reload');
    const timer = setInterval(() => void load('refresh'), refreshMs);
    return () => {
      clearInterval(timer);
      latest.current++; // answers to this window's requests are no longer wanted
      lastSuccessAt.current = undefined;
    };
  }, [load, refreshMs]);

  const retry = useCallback(() => void load('reload'), [load]);
  return { state, retry };
}
