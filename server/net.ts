import { isIP, isIPv4, isIPv6 } from 'node:net';

/** `::ffff:192.0.2.1` → `192.0.2.1`: an IPv4 client seen through a dual-stack socket is that IPv4 client. */
export function unmapIPv4(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip;
}

/** The eight 16-bit groups of an IPv6 address (zone index dropped), or undefined if it is not one. */
function ipv6Groups(ip: string): number[] | undefined {
  const address = ip.split('%')[0]!;
  if (!isIPv6(address)) return undefined;
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is two groups.
  const withoutV4 = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((n) => n.toString(16)).join(':'),
  );
  const [head, tail] = withoutV4.split('::') as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The key one client is throttled under: an IPv4 address as it is; an IPv6 address by its /64 prefix,
 * since one subscriber usually holds a whole /64 and could otherwise take a fresh key per request.
 */
export function clientAddressKey(ip: string): string {
  const address = unmapIPv4(ip);
  if (isIPv4(address)) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** 127.0.0.0/8 and ::1 (also as IPv4-mapped IPv6). */
export function isLoopbackAddress(ip: string): boolean {
  const address = unmapIPv4(ip);
  if (isIPv4(address)) return address.startsWith('127.');
  const groups = ipv6Groups(address);
  return !!groups && groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
}

/** A listen address that only this machine can reach. */
export function isLoopbackBindHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host.replace(/^\[|\]$/g, ''));
}

/**
 * Whether a Host header names this machine on `port`: `localhost`, a 127.x address or `[::1]`, with
 * the port the request came in on (a browser always sends it, unless it is 80).
 */
export function isLoopbackHostHeader(host: string | undefined, port: number | undefined): boolean {
  const match = host === undefined ? null : /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.toLowerCase());
  if (!match) return false;
  const [, name, hostPort] = match as unknown as [string, string, string | undefined];
  if ((hostPort === undefined ? 80 : Number(hostPort)) !== port) return false;
  return name === 'localhost' || (isIP(name.replace(/^\[|\]$/g, '')) !== 0 && isLoopbackAddress(name.replace(/^\[|\]$/g, '')));
}

/** An address or a CIDR range (`10.0.0.0/8`, `fd00::/8`), as Fastify's trustProxy takes them. */
export function isAddressOrRange(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
