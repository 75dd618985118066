import pg from 'pg';

/** The PostgreSQL server the bench runs against (databases are created and dropped on it). */
export const benchServerUrl = () => process.env.BENCH_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test';

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: benchServerUrl() });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database `name` on the bench server; returns its URL. */
export async function createDatabase(name: string): Promise<string> {
  if (!/^tp_bench[a-z0-9_]*$/.test(name)) throw new Error(`refusing to create ${name}: bench databases are tp_bench*`);
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(benchServerUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(name: string) {
  if (!/^tp_bench[a-z0-9_]*$/.test(name)) throw new Error(`refusing to drop ${name}`);
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

export async function serverFacts() {
  const r = await admin(`SELECT version() AS version, current_setting('shared_buffers') AS shared_buffers,
    current_setting('work_mem') AS work_mem, current_setting('max_parallel_workers_per_gather') AS parallel_workers,
    current_setting('synchronous_commit') AS synchronous_commit`);
  return r.rows[0] as Record<string, string>;
}
