import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { defineConfig } from 'prisma/config';

// Prisma CLI settings: JS engines only, so no Rust binary is downloaded or shipped. The CLI is used
// for `generate` and for authoring migrations (`npm run migration:new`); an in-memory PGlite serves as
// its adapter. The server applies migrations itself (server/db/migrate.ts).
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  // typed against an older @prisma/driver-adapter-utils; same runtime contract
  adapter: async () => new PrismaPGlite(new PGlite()) as unknown as SqlMigrationAwareDriverAdapterFactory,
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
