import { AddressPolicy } from '@agentrt/tools-mcp';
import { describe, expect, it } from 'vitest';

describe('AddressPolicy', () => {
  const policy = new AddressPolicy();

  it('allows public IPv4 and IPv6 addresses (and IPv4-mapped public ones)', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '140.82.112.3', '100.63.255.255', '100.128.0.1', '172.15.255.255', '172.32.0.1', '192.169.0.1', '223.255.255.255',
      '2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001:81b::200e', '2600::1', '::ffff:8.8.8.8', '::ffff:808:808']) {
      expect(policy.allows(address), address).toBe(true);
    }
  });

  it('refuses private, loopback, link-local, metadata, reserved and multicast addresses in every form (B-30)', () => {
    for (const address of ['127.0.0.1', '127.255.255.254', '0.0.0.0', '0.1.2.3', '10.0.0.1', '10.255.255.255', '100.64.0.1', '100.127.255.255', '169.254.169.254', '172.16.0.1', '172.31.255.255',
      '192.0.0.8', '192.0.2.1', '192.88.99.1', '192.168.1.1', '198.18.0.1', '198.51.100.7', '203.0.113.9', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255',
      '::', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b:1::1', '100::1', 'fc00::1', 'fd00::1', 'fe80::1', 'fe80::1%eth0', '[fe80::1]',
      'fec0::1', 'ff02::1', '2001::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:db8::1', '2002:7f00:1::1', '3fff::1', '1::1', '4000::1']) {
      expect(policy.allows(address), address).toBe(false);
    }
    expect(() => policy.check('169.254.169.254')).toThrow(expect.objectContaining({ code: 'url_blocked' }));
  });

  it('refuses anything that is not an IP address', () => {
    for (const value of ['', 'localhost', 'example.com', '127.1', '2130706433', '0x7f000001', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.02.03.004x', ':::1', '1::2::3']) {
      expect(policy.allows(value), value).toBe(false);
    }
  });

  it('allows exactly the explicitly allowed ranges', () => {
    const loopback = new AddressPolicy(['127.0.0.1/32', '::1']);
    expect(loopback.allows('127.0.0.1')).toBe(true);
    expect(loopback.allows('::ffff:127.0.0.1')).toBe(true);
    expect(loopback.allows('::1')).toBe(true);
    expect(loopback.allows('127.0.0.2')).toBe(false);
    expect(loopback.allows('10.0.0.1')).toBe(false);
    expect(loopback.allows('8.8.8.8')).toBe(true);
    const lan = new AddressPolicy(['10.0.0.0/8', 'fd00::/8']);
    expect(lan.allows('10.200.3.4')).toBe(true);
    expect(lan.allows('11.0.0.1')).toBe(true);
    expect(lan.allows('fd12::1')).toBe(true);
    expect(lan.allows('fc00::1')).toBe(false);
  });

  it('rejects bad allowlist entries naming the entry', () => {
    for (const bad of ['nope', '10.0.0.0/33', '::1/129', '10.0.0.0/8/1', '10.0.0.0/x', '10.0.0/8']) {
      expect(() => new AddressPolicy(['127.0.0.1', bad])).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'allowPrivateAddresses.1' }));
    }
  });

  it('refuses local and metadata host names unless a private allowlist is given', () => {
    for (const name of ['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'metadata.google.internal', 'metadata', 'instance-data', 'printer.local', 'ip6-localhost']) {
      expect(() => policy.checkName(name), name).toThrow(expect.objectContaining({ code: 'url_blocked' }));
    }
    expect(() => policy.checkName('example.com')).not.toThrow();
    expect(() => new AddressPolicy(['127.0.0.1/32']).checkName('localhost')).not.toThrow();
  });
});
