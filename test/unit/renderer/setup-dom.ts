import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

/**
 * jsdom lacks ResizeObserver, which MUI X Charts uses to size a sparkline; a no-op one is enough
 * (the chart then draws at its given height and zero width, which the tests never look at).
 */
class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= NoopResizeObserver as unknown as typeof ResizeObserver;

afterEach(() => {
  cleanup();
  localStorage.clear();
});
