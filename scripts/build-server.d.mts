// Types of scripts/build-server.mjs, for the TypeScript test and bench setups that call it.
export function sourceHash(): string;
export function isServerBuildCurrent(hash?: string): boolean;
export function buildServer(opts?: { types?: boolean }): Promise<void>;
export function buildClientTypes(): void;
/** Rebuilds dist/server when it is missing or was built from other sources; true when it rebuilt. */
export function ensureServerBuilt(): Promise<boolean>;
