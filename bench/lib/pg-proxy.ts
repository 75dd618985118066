import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';

/** Startup-phase request codes whose answer is one untyped byte ('S' or 'N') instead of a message. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/**
 * Counts ReadyForQuery ('Z') messages in one connection's backend stream. PostgreSQL sends exactly one
 * after the startup and one per completed round trip (a simple Query, or everything up to a Sync), so
 * the count is the number of round trips the client waited for. Messages are framed as 1 type byte +
 * a 4-byte big-endian length that counts itself; chunks can split a message anywhere, header included.
 */
export class BackendCounter {
  readyForQuery = 0;
  /** untyped one-byte answers still expected (to SSLRequest / GSSENCRequest) */
  pendingRawBytes = 0;
  private header = Buffer.alloc(5);
  private headerFill = 0;
  private skip = 0;

  feed(chunk: Buffer) {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      if (this.headerFill === 0 && this.pendingRawBytes > 0) {
        this.pendingRawBytes--;
        i++;
        continue;
      }
      const n = Math.min(5 - this.headerFill, chunk.length - i);
      chunk.copy(this.header, this.headerFill, i, i + n);
      this.headerFill += n;
      i += n;
      if (this.headerFill < 5) return;
      this.headerFill = 0;
      if (this.header[0] === 0x5a /* 'Z' */) this.readyForQuery++;
      const length = this.header.readInt32BE(1);
      if (length < 4) throw new Error(`pg-proxy: malformed backend message (type ${this.header[0]}, length ${length})`);
      this.skip = length - 4;
    }
  }
}

/**
 * Watches the frontend's startup phase (untyped messages: 4-byte length + 4-byte code), only to know
 * when the backend answers an SSL or GSS encryption request with a single byte. Stops at StartupMessage.
 */
class FrontendStartup {
  private buf = Buffer.alloc(0);
  done = false;
  constructor(private onRawAnswerExpected: () => void) {}

  feed(chunk: Buffer) {
    if (this.done) return;
    this.buf = Buffer.concat([this.buf, chunk]);
    while (!this.done && this.buf.length >= 8) {
      const length = this.buf.readInt32BE(0);
      const code = this.buf.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        this.onRawAnswerExpected();
        this.buf = this.buf.subarray(length);
      } else {
        this.done = true; // StartupMessage or CancelRequest: typed messages from here on
      }
    }
  }
}

export type PgProxy = {
  /** the same URL with host and port replaced by the proxy's */
  url: string;
  /** ReadyForQuery messages seen so far, over every connection */
  roundTrips(): number;
  close(): Promise<void>;
};

/** A TCP proxy in front of the PostgreSQL server of `targetUrl` that counts round trips. */
export async function startPgProxy(targetUrl: string): Promise<PgProxy> {
  const target = new URL(targetUrl);
  const counters = new Set<BackendCounter>();
  let closedCount = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = connect({ host: target.hostname, port: Number(target.port || 5432) });
    upstream.setNoDelay(true);
    const counter = new BackendCounter();
    const startup = new FrontendStartup(() => counter.pendingRawBytes++);
    counters.add(counter);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      startup.feed(chunk);
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      counter.feed(chunk);
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    const end = () => {
      if (counters.delete(counter)) closedCount += counter.readyForQuery;
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    roundTrips: () => closedCount + [...counters].reduce((sum, c) => sum + c.readyForQuery, 0),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

/**
 * Checks the counter on a known sequence through the proxy, so a miscount cannot pass silently:
 * startup 1, simple query 1, a two-statement simple query 1, BEGIN 1, a named statement prepared
 * (Parse+Bind+Execute+Sync) 1 and reused 1, a result spanning many TCP chunks 1, COMMIT 1.
 */
export async function checkPgProxy(proxy: PgProxy) {
  const before = proxy.roundTrips();
  const client = new pg.Client({ connectionString: proxy.url });
  await client.connect();
  try {
    await client.query('SELECT 1');
    await client.query('SELECT 1; SELECT 2');
    await client.query('BEGIN');
    const named = { name: 'pg_proxy_check', text: 'SELECT $1::int + 1 AS n', values: [1] };
    await client.query(named);
    await client.query({ ...named, values: [2] });
    const big = await client.query("SELECT repeat('x', 1000) AS s FROM generate_series(1, 2000)");
    if (big.rows.length !== 2000) throw new Error('pg-proxy check: a large result came back incomplete');
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  const counted = proxy.roundTrips() - before;
  if (counted !== 8) throw new Error(`pg-proxy check: counted ${counted} round trips on a known sequence of 8`);
}
