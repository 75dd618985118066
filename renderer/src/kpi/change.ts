import type { SummaryWindow } from '../../../console/contract.ts';

/** "previous 7 days": what a change is measured against (the window of the same length before). */
export const PREVIOUS_LABEL: Record<SummaryWindow, string> = {
  '24h': 'previous 24 hours',
  '7d': 'previous 7 days',
  '30d': 'previous 30 days',
  '90d': 'previous 90 days',
};

export type Change = { direction: 'up' | 'down' | 'same' | 'new'; text: string };

/**
 * The change of a count against the previous window, in words and with a sign, so colour is never
 * the only signal: "+18 % vs previous 7 days", "−25 % …", "new vs …" (nothing before), "no change vs …".
 */
export function describeChange(count: number, previous: number, window: SummaryWindow): Change {
  const versus = `vs ${PREVIOUS_LABEL[window]}`;
  if (count === previous) return { direction: 'same', text: `no change ${versus}` };
  if (previous === 0) return { direction: 'new', text: `new ${versus}` };
  const pct = ((count - previous) / previous) * 100;
  const magnitude = Math.abs(pct) < 1 ? '<1' : Math.round(Math.abs(pct)).toLocaleString();
  return pct > 0 ? { direction: 'up', text: `+${magnitude} % ${versus}` } : { direction: 'down', text: `\u2212${magnitude} % ${versus}` };
}

/** "used by 7 of 12 workspaces": breadth, as counts only. */
export const describeBreadth = (active: number, total: number) => `used by ${active.toLocaleString()} of ${total.toLocaleString()} workspace${total === 1 ? '' : 's'}`;
