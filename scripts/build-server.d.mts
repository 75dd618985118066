// Types of scripts/build-server.mjs, for the TypeScript test and bench setups that call it.
export function sourceHash(): string;
export function isServerBuildCurrent(hash?: string): boolean;
export function buildServer(opts?: { types?: boolean }): Promise<void>;
export function buildClientTypes(): void;
/** dist/db-template/<name>.tar for the current PGlite and migrations; resolves to its path. */
export function buildDbTemplate(): Promise<string>;
/**
 * Rebuilds dist/server when it is missing or was built from other sources (true when it rebuilt);
 * with `template`, also makes the database template when it is missing for the current migrations.
 */
export function ensureServerBuilt(opts?: { template?: boolean }): Promise<boolean>;
