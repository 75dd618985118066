import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The one-time code that proves a first-operator bootstrap comes from someone who can read this
 * server's output (Jupyter's token, Grafana's first-run password). It lives in this process's memory
 * only: made at start while no system user exists, printed once by `serve`, handed by the desktop app
 * to its own embedded server, gone once an operator exists. Another process — a restart, another
 * replica — has its own code; a code is valid only in the process that made it.
 */
export type SetupCode = {
  /** The live code, or null once an operator exists (or if none was ever made). */
  current(): string | null;
  /** Constant-time check of a candidate against the live code; false when there is none. */
  matches(candidate: string): boolean;
  /** Ends the code (an operator exists now). */
  consume(): void;
};

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function createSetupCode(code: string | null = randomBytes(24).toString('base64url')): SetupCode {
  let live = code;
  return {
    current: () => live,
    matches(candidate) {
      // Digests have equal lengths, so the comparison time says nothing about the code's length.
      return live !== null && timingSafeEqual(digest(candidate), digest(live));
    },
    consume() {
      live = null;
    },
  };
}

/** For a server that has an operator already: no code, every bootstrap refused. */
export const NO_SETUP_CODE: SetupCode = createSetupCode(null);
