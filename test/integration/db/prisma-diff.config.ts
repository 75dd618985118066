import { defineConfig } from 'prisma/config';

/**
 * Prisma CLI settings for `prisma migrate diff --from-empty --to-schema-datamodel`, used by
 * schema-matches.test.ts. A datamodel-to-datamodel diff reads no database, but the JS engine still
 * connects its adapter once to ask for the server version; this adapter answers that one question
 * and refuses everything else, so the diff needs neither a database nor PGlite's slow start.
 */
const refuse = async () => {
  throw new Error('prisma-diff.config.ts: no database behind this adapter');
};
const connection = {
  provider: 'postgres',
  adapterName: 'tenantpilot-offline-diff',
  getConnectionInfo: () => ({ supportsRelationJoins: true }),
  async queryRaw(query: { sql: string }) {
    if (!/version\(\)/.test(query.sql)) return refuse();
    return {
      columnNames: ['exists', 'version', 'numeric_version'],
      columnTypes: [5 /* Boolean */, 7 /* Text */, 0 /* Int32 */],
      rows: [[true, 'PostgreSQL 17.5', 170005]],
    };
  },
  executeRaw: refuse,
  executeScript: refuse,
  startTransaction: refuse,
  dispose: async () => undefined,
};

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: '../../../prisma/schema.prisma',
  adapter: async () =>
    ({ provider: 'postgres', adapterName: connection.adapterName, connect: async () => connection, connectToShadowDb: async () => connection }) as never,
});
