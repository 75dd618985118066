import { describe, expect, it } from 'vitest';
import { describeBreadth, describeChange } from '../../../renderer/src/kpi/change.ts';
import { trendBuckets } from '../../../renderer/src/kpi/trend-data.ts';

describe('the change against the previous window', () => {
  it.each([
    [118, 100, '7d', 'up', '+18 % vs previous 7 days'],
    [75, 100, '30d', 'down', '\u221225 % vs previous 30 days'],
    [5, 0, '24h', 'new', 'new vs previous 24 hours'],
    [0, 0, '90d', 'same', 'no change vs previous 90 days'],
    [42, 42, '7d', 'same', 'no change vs previous 7 days'],
    [1001, 1000, '7d', 'up', '+<1 % vs previous 7 days'],
    [0, 9, '7d', 'down', '\u2212100 % vs previous 7 days'],
    [2, 3, '7d', 'down', '\u221233 % vs previous 7 days'],
  ] as const)('%i after %i (%s) is %s: "%s"', (count, previous, window, direction, text) => {
    expect(describeChange(count, previous, window)).toEqual({ direction, text });
  });

  it('says how broad the use is in counts', () => {
    expect(describeBreadth(7, 12)).toBe('used by 7 of 12 workspaces');
    expect(describeBreadth(0, 1)).toBe('used by 0 of 1 workspace');
  });
});

describe('the trend buckets', () => {
  it('marks the first bucket partial when the window starts inside it, and the current one "so far"', () => {
    const b = trendBuckets({ from: '2026-06-14T13:27:00.000Z', to: '2026-06-15T13:27:00.000Z', trendBucket: 'hour' }, 25);
    expect(b[0]).toEqual({ start: new Date('2026-06-14T13:00:00.000Z'), partial: 'start' });
    expect(b[1]!.partial).toBeNull();
    expect(b[24]).toEqual({ start: new Date('2026-06-15T13:00:00.000Z'), partial: 'end' });
  });

  it('marks nothing when the window is aligned to the buckets', () => {
    const b = trendBuckets({ from: '2026-06-08T00:00:00.000Z', to: '2026-06-15T00:00:00.000Z', trendBucket: 'day' }, 7);
    expect(b.map((x) => x.partial)).toEqual([null, null, null, null, null, null, null]);
  });
});
