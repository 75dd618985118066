import { readFileSync } from 'node:fs';
import { request, type Agent } from 'node:http';

/** POST a tRPC call as plain JSON over a keep-alive agent; resolves with the status and the raw body. */
export function post(agent: Agent, url: URL, path: string, body: unknown, token?: string): Promise<{ status: number; body: string }> {
  const data = JSON.stringify(body);
  return new Promise((ok, fail) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: `/trpc/${path}`,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(data);
  });
}

/** utime + stime of a process in ms (clock ticks of 10 ms), or NaN without /proc. */
export function cpuMs(pid: number | string | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}
