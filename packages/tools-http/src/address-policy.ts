import { BlockList, isIP } from 'node:net';
import { AgentrtError } from '@agentrt/core';

/** Ranges no agent may reach unless explicitly allowed: private, loopback, link-local, CGNAT, multicast, reserved, and IPv6 forms that embed IPv4. */
const BLOCKED_V4: readonly [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];
const BLOCKED_V6: readonly [string, number][] = [
  ['::', 128], ['::1', 128], ['::ffff:0:0', 96], ['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 32],
  ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
];

/** Host names that mean "this machine" or a cloud metadata service, whatever they resolve to. */
const BLOCKED_NAMES = [/^localhost$/, /\.localhost$/, /^metadata$/, /^metadata\.google\.internal$/, /\.internal$/, /^instance-data$/, /^metadata\.azure\.com$/, /\.local$/, /^ip6-localhost$/, /^ip6-loopback$/];

const blocked = new BlockList();
for (const [network, prefix] of BLOCKED_V4) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of BLOCKED_V6) blocked.addSubnet(network, prefix, 'ipv6');

const urlBlocked = (message: string) => new AgentrtError('url_blocked', message);

/** Checks resolved addresses against the blocked ranges and an explicit allowlist of private CIDRs. */
export class AddressPolicy {
  private readonly allowed = new BlockList();
  private readonly anyAllowed: boolean;

  constructor(allowPrivate: readonly string[] = []) {
    for (const cidr of allowPrivate) {
      const [network, bits] = cidr.split('/');
      const family = isIP(network ?? '');
      if (!family) throw new AgentrtError('config_invalid', `allowPrivateAddresses: "${cidr}" is not an IP or CIDR`);
      this.allowed.addSubnet(network!, Number(bits ?? (family === 4 ? 32 : 128)), family === 4 ? 'ipv4' : 'ipv6');
    }
    this.anyAllowed = allowPrivate.length > 0;
  }

  /** Throws `url_blocked` unless the address is public or explicitly allowed. */
  check(address: string): void {
    const family = isIP(address);
    if (!family) throw urlBlocked(`"${address}" is not an IP address`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (this.anyAllowed && this.allowed.check(address, type)) return;
    if (blocked.check(address, type)) throw urlBlocked(`${address} is a private, loopback, link-local, metadata or reserved address`);
  }

  /** Throws `url_blocked` for names that always mean a local or metadata host. */
  checkName(hostname: string): void {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (BLOCKED_NAMES.some((re) => re.test(name))) throw urlBlocked(`host "${hostname}" is a local or metadata name`);
  }
}
