import { describe, expect, it } from 'vitest';
import { clientAddressKey, isAddressOrRange, isLoopbackAddress, isLoopbackBindHost, isLoopbackHostHeader } from '../../server/net.ts';

describe('the address a client is throttled under', () => {
  it('is an IPv4 address as it is, also when it arrives IPv4-mapped', () => {
    expect(clientAddressKey('198.51.100.7')).toBe('198.51.100.7');
    expect(clientAddressKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(clientAddressKey('::FFFF:198.51.100.7')).toBe('198.51.100.7');
  });

  it('is the /64 prefix of an IPv6 address, however it is written', () => {
    const key = '2001:db8:1:2::/64';
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0000:0000:0000:0001', '2001:db8:1:2::1%eth0', '2001:db8:1:2:0:0:1.2.3.4']) {
      expect(clientAddressKey(ip), ip).toBe(key);
    }
    expect(clientAddressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('fe80::1')).toBe('fe80:0:0:0::/64');
  });
});

describe('loopback', () => {
  it('addresses: 127.0.0.0/8 and ::1, also IPv4-mapped; nothing else', () => {
    for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(ip), ip).toBe(true);
    for (const ip of ['128.0.0.1', '10.0.0.1', '::', '::2', '::ffff:10.0.0.1', '0.0.0.0', 'local', 'localhost']) expect(isLoopbackAddress(ip), ip).toBe(false);
  });

  it('listen hosts: localhost, 127.x, ::1 and [::1]; not 0.0.0.0 or :: or a name', () => {
    for (const host of ['localhost', '127.0.0.1', '::1', '[::1]']) expect(isLoopbackBindHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.0.2.1', 'tenantpilot.internal']) expect(isLoopbackBindHost(host), host).toBe(false);
  });

  it('Host headers: a loopback name with the port the request came in on (80 may be left out)', () => {
    expect(isLoopbackHostHeader('localhost:4310', 4310)).toBe(true);
    expect(isLoopbackHostHeader('127.0.0.1:4310', 4310)).toBe(true);
    expect(isLoopbackHostHeader('[::1]:4310', 4310)).toBe(true);
    expect(isLoopbackHostHeader('localhost', 80)).toBe(true);
    for (const host of ['localhost', 'localhost:4311', 'evil.example:4310', 'localhost.evil.example:4310', '127.0.0.1.nip.io:4310', '[::2]:4310', '', 'localhost:4310:1']) {
      expect(isLoopbackHostHeader(host, 4310), host).toBe(false);
    }
    expect(isLoopbackHostHeader(undefined, 4310)).toBe(false);
  });
});

describe('trusted proxy entries', () => {
  it('are addresses or CIDR ranges of either family', () => {
    for (const entry of ['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '::1', 'fd00::/8', '2001:db8::/128']) expect(isAddressOrRange(entry), entry).toBe(true);
    for (const entry of ['', 'proxy', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.256', '/8']) expect(isAddressOrRange(entry), entry).toBe(false);
  });
});
