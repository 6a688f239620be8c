import { isIP } from 'node:net';
import { AgentrtError, ConfigError } from '@agentrt/core';

/**
 * IPv4 ranges no MCP server URL may reach unless explicitly allowed: "this network", private,
 * CGNAT, loopback, link-local (cloud metadata), protocol assignments, documentation, benchmarking,
 * 6to4 relay, multicast, reserved and broadcast.
 */
const BLOCKED_V4: readonly [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];

/**
 * IPv6 is judged by an allowlist: only global unicast (`2000::/3`) is public, minus these blocks
 * (IETF protocol assignments incl. Teredo, documentation, 6to4, ORCHID, the new documentation
 * prefix). Everything else — `::`, `::1`, unique-local `fc00::/7`, link-local `fe80::/10`,
 * site-local, multicast, NAT64 `64:ff9b::/96`, discard `100::/64` — is outside `2000::/3`.
 * IPv4-mapped addresses (`::ffff:a.b.c.d`) are judged as the IPv4 address they carry.
 */
const BLOCKED_V6_IN_GLOBAL: readonly [string, number][] = [['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['3fff::', 20]];

/** Names that mean this machine or a cloud metadata service, whatever a resolver says. */
const BLOCKED_NAMES = [/^localhost$/, /\.localhost$/, /^ip6-localhost$/, /^ip6-loopback$/, /^metadata$/, /\.internal$/, /^instance-data$/, /^metadata\.azure\.com$/, /\.local$/];

interface Range {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
}

const urlBlocked = (message: string) => new AgentrtError('url_blocked', message);

/** IPv4 dotted quad → 32-bit value; undefined unless exactly four decimal octets. */
function parseV4(address: string): bigint | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

/** IPv6 text (zone id dropped, embedded IPv4 allowed) → 128-bit value. */
function parseV6(input: string): bigint | undefined {
  let address = input.replace(/^\[|\]$/g, '');
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  if (isIP(address) !== 6) return undefined;
  let groups: string[];
  const tail = address.match(/(\d{1,3}(?:\.\d{1,3}){3})$/);
  if (tail) {
    const v4 = parseV4(tail[1]!);
    if (v4 === undefined) return undefined;
    address = `${address.slice(0, -tail[1]!.length)}${((v4 >> 16n) & 0xffffn).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length === 2) {
    const head = halves[0] ? halves[0].split(':') : [];
    const rest = halves[1] ? halves[1].split(':') : [];
    groups = [...head, ...new Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  } else {
    groups = address.split(':');
  }
  if (groups.length !== 8) return undefined;
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group || '0', 16)), 0n);
}

const inRange = (value: bigint, range: Range) => {
  const width = range.family === 4 ? 32 : 128;
  const shift = BigInt(width - range.bits);
  return value >> shift === range.base >> shift;
};

const v4Ranges: readonly Range[] = BLOCKED_V4.map(([base, bits]) => ({ family: 4, base: parseV4(base)!, bits }));
const v6Blocked: readonly Range[] = BLOCKED_V6_IN_GLOBAL.map(([base, bits]) => ({ family: 6, base: parseV6(base)!, bits }));
const GLOBAL_UNICAST: Range = { family: 6, base: parseV6('2000::')!, bits: 3 };
const MAPPED_V4: Range = { family: 6, base: parseV6('::ffff:0:0')!, bits: 96 };

/** An address as the policy sees it: IPv4-mapped IPv6 becomes the IPv4 it carries. */
function normalize(address: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseV4(address);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseV6(address);
  if (v6 === undefined) return undefined;
  if (inRange(v6, MAPPED_V4)) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

/**
 * Decides which addresses an MCP server URL may connect to (no server-side request forgery
 * through a server URL): public unicast only, unless the address is inside one of the CIDRs
 * given in `allowPrivateAddresses` (e.g. `['127.0.0.1/32']` for a server on loopback).
 * Implemented with plain integer ranges (Node 20's `net.BlockList` matches IPv4 against IPv6
 * rules such as `::ffff:0:0/96` and refuses every public IPv4).
 */
export class AddressPolicy {
  private readonly allowed: readonly Range[];

  /** `allowPrivateAddresses`: IPs or CIDRs (`10.0.0.0/8`, `::1/128`); throws `config_invalid` naming the bad entry. */
  constructor(allowPrivateAddresses: readonly string[] = [], field = 'allowPrivateAddresses') {
    this.allowed = allowPrivateAddresses.map((cidr, index) => {
      const [network = '', bitsText, extra] = String(cidr).split('/');
      const family = isIP(network);
      const bits = bitsText === undefined ? (family === 4 ? 32 : 128) : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
      if (!family || extra !== undefined || !(bits >= 0 && bits <= (family === 4 ? 32 : 128))) {
        throw new ConfigError(`${field}.${index}`, `"${cidr}" is not an IP address or CIDR`);
      }
      const base = family === 4 ? parseV4(network) : parseV6(network);
      return { family: family as 4 | 6, base: base!, bits };
    });
  }

  /** True when a connection to this IP address is allowed. Anything that is not an IP is refused. */
  allows(address: string): boolean {
    const ip = normalize(address);
    if (!ip) return false;
    if (this.allowed.some((range) => range.family === ip.family && inRange(ip.value, range))) return true;
    if (ip.family === 4) return !v4Ranges.some((range) => inRange(ip.value, range));
    return inRange(ip.value, GLOBAL_UNICAST) && !v6Blocked.some((range) => inRange(ip.value, range));
  }

  /** Throws `url_blocked` unless `allows(address)`. */
  check(address: string): void {
    if (!this.allows(address)) throw urlBlocked(`${address} is a private, loopback, link-local, metadata or reserved address (allow it with allowPrivateAddresses)`);
  }

  /**
   * Throws `url_blocked` for names that always mean a local or metadata host. With an explicit
   * private allowlist the name is judged by the addresses it resolves to instead.
   */
  checkName(hostname: string): void {
    if (this.allowed.length > 0) return;
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (BLOCKED_NAMES.some((pattern) => pattern.test(name))) throw urlBlocked(`host "${hostname}" is a local or metadata name`);
  }
}
