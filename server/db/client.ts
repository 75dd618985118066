import { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { lockDataFolder, type FolderLock } from './folder-lock.ts';
import { initializeFromTemplate } from './template.ts';
import type { PrismaClient } from './generated/client.ts';

export type * from './generated/client.ts';

/**
 * Prisma's client and its PGlite adapter, loaded on first need rather than with this module: a
 * starting server begins opening PGlite first and loads Prisma (a large module) meanwhile.
 */
let prismaClient: Promise<typeof import('./generated/client.ts')> | undefined;
const loadPrisma = () => (prismaClient ??= import('./generated/client.ts'));
const loadPglitePrisma = () => Promise.all([loadPrisma(), import('pglite-prisma-adapter')]);

/** A Prisma client or an interactive-transaction handle: what repositories and services take. */
export type Db = PrismaClient;
export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/**
 * Runs multi-statement SQL outside Prisma (migrations) and holds session-level advisory locks.
 * PGlite is one in-process connection; PostgreSQL gets one dedicated pooled connection per call.
 */
export type SqlSession = {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
};

/**
 * A statement of the hot path (the five source actions, session lookup): a fixed name and text, so
 * PostgreSQL parses and plans it once per connection and every later call only binds and executes.
 */
export type Statement = { readonly name: string; readonly text: string };

/** Names a statement; the name must be unique in the process (pg caches statements per connection by name). */
export function statement(name: string, text: string): Statement {
  return { name, text };
}

/** Runs statements: on a transaction's connection, or on any pooled one. */
export type SqlRunner = {
  query<T = Record<string, unknown>>(statement: Statement, params: readonly unknown[]): Promise<T[]>;
};

/** A plain-SQL transaction, or a Prisma one (tools and tests that write through Prisma): statements run on either. */
export function sqlRunner(tx: SqlRunner | Tx): SqlRunner {
  if ('$queryRawUnsafe' in tx) return { query: <T,>(s: Statement, params: readonly unknown[]) => tx.$queryRawUnsafe<T[]>(s.text, ...params) };
  return tx;
}

export type Database = {
  kind: 'pglite' | 'postgres';
  prisma: PrismaClient;
  /** One statement on any connection (autocommit). */
  query<T = Record<string, unknown>>(statement: Statement, params: readonly unknown[]): Promise<T[]>;
  /**
   * BEGIN, `fn`, COMMIT on one connection (ROLLBACK when `fn` throws) — plain SQL, no query compiler:
   * the transaction the five source actions run in (server/domain/tenant-action.ts).
   */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Runs `fn` on one connection (session state such as advisory locks stays on it). */
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export async function openDatabase(database: Config['database']): Promise<Database> {
  return database.kind === 'pglite' ? openPglite(database.dataDir) : openPostgres(database.url, { poolSize: database.poolSize });
}

/**
 * An embedded database in `dataDir`, or in memory when `dataDir` is `memory://`. A folder is opened
 * only by the process holding its lock (./folder-lock.ts), taken before PGlite touches the folder
 * and released by close() (or by the OS when the process dies); a folder owned elsewhere throws
 * FolderInUseError. Pass `lock` when the caller already holds it. A new folder starts from the
 * install-time template when one fits (./template.ts), else PGlite runs initdb.
 */
export async function openPglite(dataDir: string, opts: { lock?: FolderLock } = {}): Promise<Database> {
  if (dataDir.startsWith('memory://')) return wrapPglite(await PGlite.create(dataDir));
  void loadPglitePrisma().catch(() => undefined); // while PGlite starts
  const lock = opts.lock ?? lockDataFolder(dataDir);
  let pglite: PGlite | undefined;
  try {
    await initializeFromTemplate(lock.dataDir);
    pglite = new PGlite(lock.dataDir);
    await pglite.waitReady;
    return await wrapPglite(pglite, { onClosed: () => lock.release() });
  } catch (err) {
    await pglite?.close().catch(() => undefined);
    lock.release();
    throw err;
  }
}

/** A Database over an already started PGlite (e.g. one restored from a data-directory dump). */
export async function wrapPglite(pglite: PGlite, opts: { onClosed?: () => void } = {}): Promise<Database> {
  const [{ PrismaClient }, { PrismaPGlite }] = await loadPglitePrisma();
  // pglite-prisma-adapter is typed against an older @prisma/driver-adapter-utils; the runtime
  // contract is the same (verified by the whole test suite running on it).
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) as unknown as SqlDriverAdapterFactory });
  // PGlite has a single connection; serialize raw sessions against each other (Prisma's own
  // transactions are serialized by the adapter).
  let queue: Promise<unknown> = Promise.resolve();
  const session: SqlSession = {
    exec: async (sql) => void (await pglite.exec(sql)),
    query: async <T,>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
  };
  // PGlite has no named statements; in-process, parsing costs no round trip. Its query() and
  // transaction() share one mutex with each other and with Prisma's adapter, so they never interleave.
  return {
    kind: 'pglite',
    prisma,
    query: async <T,>(s: Statement, params: readonly unknown[]) => (await pglite.query<T>(s.text, [...params])).rows,
    transaction: <T,>(fn: (tx: SqlRunner) => Promise<T>) =>
      pglite.transaction((tx) => fn({ query: async <R,>(s: Statement, params: readonly unknown[]) => (await tx.query<R>(s.text, [...params])).rows })),
    withSession<T>(fn: (s: SqlSession) => Promise<T>) {
      const run = queue.then(() => fn(session));
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        opts.onClosed?.();
      }
    },
  };
}

/** The cheapest statement: for health checks and for telling whether a connection still works. */
export const PING = statement('ping', 'SELECT 1');

export async function openPostgres(url: string, opts: { poolSize?: number } = {}): Promise<Database> {
  // Loaded here, not at the top: the embedded database never needs them (they cost ~0.25 s of start-up).
  const [{ default: pg }, { PrismaPg }, { PrismaClient }] = await Promise.all([import('pg'), import('@prisma/adapter-pg'), loadPrisma()]);
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  releaseDeadClients(pool);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const runner = (client: pg.Pool | pg.PoolClient): SqlRunner => ({
    query: async <R,>(s: Statement, params: readonly unknown[]) =>
      (await client.query({ name: s.name, text: s.text, values: params as unknown[] })).rows as R[],
  });
  const poolRunner = runner(pool);
  return {
    kind: 'postgres',
    prisma,
    query: (s, params) => poolRunner.query(s, params),
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(runner(client));
        // COMMIT of a transaction an error aborted answers ROLLBACK instead of failing: never report that as done.
        const commit = await client.query('COMMIT');
        if (commit.command === 'ROLLBACK') throw new Error('transaction was aborted and rolled back');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackFailed: Error) => (broken = rollbackFailed));
        throw err;
      } finally {
        // A connection that cannot even roll back is not handed to the next caller.
        client.release(broken);
      }
    },
    async withSession<T>(fn: (s: SqlSession) => Promise<T>) {
      const client = await pool.connect();
      try {
        return await fn({
          exec: async (sql) => void (await client.query(sql)),
          query: async <R,>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
        });
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * pg-pool keeps a client whose connection died while checked out (its backend terminated mid-
 * transaction, a network cut) until its user releases it. Prisma's adapter does not when the
 * ROLLBACK after the failure fails too, so every dropped connection would hold one pool slot for
 * good — the pool runs dry after `max` drops — and pool.end() would never return. Release such a
 * client as soon as its connection ends (later releases become no-ops).
 */
function releaseDeadClients(pool: pg.Pool) {
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_err, client) => checkedOut.delete(client));
  pool.on('connect', (client) => {
    // A checked-out client whose connection dies emits 'error' as well as failing its query: the
    // query's caller handles the failure; unheard, the event would crash the process.
    client.on('error', () => undefined);
    client.on('end', () => {
      if (!checkedOut.has(client)) return;
      const release = client.release;
      client.release = () => undefined;
      release(new Error('connection ended while checked out'));
    });
  });
}
