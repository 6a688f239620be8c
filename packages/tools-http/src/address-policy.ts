import { isIP } from 'node:net';
import { AgentrtError, ConfigError } from '@agentrt/core';

/** An IP address in canonical text form, with the family derived from the address itself. */
export interface CheckedAddress {
  /** Canonical form: dotted quad for IPv4, lower-case compressed for IPv6 (no zone id). */
  readonly address: string;
  readonly family: 4 | 6;
}

type V4Range = readonly [network: number, prefix: number];
type V6Range = readonly [network: bigint, prefix: number];

/**
 * IPv4 ranges no agent may reach unless explicitly allowed (IANA special-purpose registry):
 * "this network", private, CGNAT, loopback, link-local, IETF protocol assignments,
 * documentation, 6to4 relay anycast, benchmarking, multicast, reserved and broadcast.
 */
const BLOCKED_V4_TEXT: readonly string[] = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24',
  '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
];

/**
 * IPv6 inside global unicast (2000::/3) that is nevertheless not a public destination:
 * documentation (2001:db8::/32, 3fff::/20), benchmarking (2001:2::/48), ORCHID (2001:10::/28).
 * Everything outside 2000::/3 is refused unless it embeds an IPv4 address (see `embeddedV4`).
 */
const BLOCKED_V6_TEXT: readonly string[] = ['2001:db8::/32', '3fff::/20', '2001:2::/48', '2001:10::/28'];

/** Host names that mean "this machine", the local network or a cloud metadata service, whatever they resolve to. */
const BLOCKED_NAMES = [
  /^localhost$/, /\.localhost$/, /^localhost6$/, /^ip6-localhost$/, /^ip6-loopback$/,
  /^metadata$/, /^metadata\.google\.internal$/, /\.internal$/, /^instance-data$/, /^metadata\.azure\.com$/,
  /\.local$/, /^home\.arpa$/, /\.home\.arpa$/,
];

const urlBlocked = (message: string) => new AgentrtError('url_blocked', message);

/** Parses a dotted-quad IPv4 address (as `isIP` accepts it) to an unsigned 32-bit number. */
function v4ToNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function numberToV4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses an IPv6 address (as `isIP` accepts it, zone id removed) to a 128-bit integer. */
function v6ToBigInt(address: string): bigint {
  let text = address.toLowerCase();
  // A trailing dotted quad stands for the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = v4ToNumber(dotted[1]!);
    text = `${text.slice(0, -dotted[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function bigIntToV6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // Compress the longest run of two or more zero groups (RFC 5952).
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) { best = i; bestLength = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}

const inV4 = (n: number, [network, prefix]: V4Range) => prefix === 0 || (n >>> (32 - prefix)) === (network >>> (32 - prefix));
const inV6 = (n: bigint, [network, prefix]: V6Range) => prefix === 0 || (n >> BigInt(128 - prefix)) === (network >> BigInt(128 - prefix));

function parseCidr(text: string): { family: 4; range: V4Range } | { family: 6; range: V6Range } | undefined {
  const slash = text.indexOf('/');
  const network = slash < 0 ? text : text.slice(0, slash);
  const bitsText = slash < 0 ? undefined : text.slice(slash + 1);
  const family = isIP(network);
  if (family === 0 || network.includes('%')) return undefined;
  const max = family === 4 ? 32 : 128;
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return undefined;
  const prefix = bitsText === undefined ? max : Number(bitsText);
  if (prefix > max) return undefined;
  return family === 4 ? { family: 4, range: [v4ToNumber(network), prefix] } : { family: 6, range: [v6ToBigInt(network), prefix] };
}

const BLOCKED_V4: readonly V4Range[] = BLOCKED_V4_TEXT.map((cidr) => (parseCidr(cidr) as { range: V4Range }).range);
const BLOCKED_V6: readonly V6Range[] = BLOCKED_V6_TEXT.map((cidr) => (parseCidr(cidr) as { range: V6Range }).range);
const range6 = (cidr: string) => (parseCidr(cidr) as { range: V6Range }).range;
const GLOBAL_UNICAST = range6('2000::/3');
const MAPPED = range6('::ffff:0:0/96');
const TRANSLATED = range6('::ffff:0:0:0/96');
const COMPATIBLE = range6('::/96');
const NAT64 = range6('64:ff9b::/96');
const NAT64_LOCAL = range6('64:ff9b:1::/48');
const SIX_TO_FOUR = range6('2002::/16');
const TEREDO = range6('2001::/32');

/**
 * The IPv4 addresses an IPv6 address stands for, when it is a transition form: IPv4-mapped
 * (`::ffff:a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, which
 * includes `::` and `::1`), NAT64 (`64:ff9b::a.b.c.d`), 6to4 (`2002:AABB:CCDD::`) and Teredo
 * (server and obfuscated client). `undefined` when it embeds none.
 */
function embeddedV4(n: bigint): number[] | undefined {
  const low = Number(n & 0xffffffffn);
  if (inV6(n, MAPPED) || inV6(n, TRANSLATED) || inV6(n, COMPATIBLE) || inV6(n, NAT64)) return [low];
  if (inV6(n, SIX_TO_FOUR)) return [Number((n >> 80n) & 0xffffffffn)];
  if (inV6(n, TEREDO)) return [Number((n >> 64n) & 0xffffffffn), (~low) >>> 0];
  return undefined;
}

/**
 * Normalizes an IP address given as text: IPv4 in any form the WHATWG URL parser accepts
 * (dotted, decimal `134744072`, hex `0x8080808`, octal `010.010.010.010`, short `8.8.2056`)
 * and IPv6 with or without brackets, compressed or not, with an embedded dotted quad, or with
 * a zone id (dropped). The family is derived from the address, never taken from a resolver.
 * Returns `undefined` for anything that is not an IP address.
 */
export function normalizeAddress(input: unknown): CheckedAddress | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > 100) return undefined;
  let text = input.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0 && text.includes(':')) text = text.slice(0, zone);
  const family = isIP(text);
  if (family === 6) return { address: bigIntToV6(v6ToBigInt(text)), family: 6 };
  if (family === 4) return { address: numberToV4(v4ToNumber(text)), family: 4 };
  if (text.includes(':') || !/^[0-9a-fA-FxX.]+$/.test(text)) return undefined;
  // Non-canonical IPv4 (decimal, hex, octal, short): what a URL host of that text means.
  try {
    const host = new URL(`http://${text}/`).hostname;
    return isIP(host) === 4 ? { address: host, family: 4 } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decides which IP addresses a tool may connect to. Public unicast addresses pass; private,
 * loopback, link-local, CGNAT, multicast, documentation and reserved ranges are refused.
 * IPv4 and IPv6 are checked each in their own family (an IPv4 address is never matched
 * against an IPv6 rule); an IPv6 address that embeds IPv4 (mapped, translated, compatible,
 * NAT64, 6to4, Teredo) passes only when every embedded IPv4 address passes. Private ranges
 * can be allowed explicitly with CIDRs (`allowPrivate`).
 */
export class AddressPolicy {
  private readonly allowedV4: readonly V4Range[];
  private readonly allowedV6: readonly V6Range[];

  /** @param allowPrivate IPs or CIDRs (`10.0.0.0/8`, `fd00::/8`, `127.0.0.2`) allowed although private. Throws `config_invalid` for a malformed entry. */
  constructor(allowPrivate: readonly string[] = []) {
    const v4: V4Range[] = [];
    const v6: V6Range[] = [];
    for (const cidr of allowPrivate) {
      const parsed = typeof cidr === 'string' ? parseCidr(cidr.trim()) : undefined;
      if (!parsed) throw new ConfigError('allowPrivateAddresses', `"${String(cidr)}" is not an IP address or CIDR (e.g. "10.0.0.0/8", "fd00::/8")`);
      if (parsed.family === 4) v4.push(parsed.range);
      else v6.push(parsed.range);
    }
    this.allowedV4 = v4;
    this.allowedV6 = v6;
  }

  /** True when the address (in any form `normalizeAddress` accepts) may be connected to. */
  allows(address: string): boolean {
    const checked = normalizeAddress(address);
    return checked !== undefined && this.verdict(checked) === undefined;
  }

  /**
   * Returns the canonical address to connect to, or throws `url_blocked` when it is not an IP
   * address or not public (and not explicitly allowed). Connect to the returned address, not to
   * the input text.
   */
  check(address: string): CheckedAddress {
    const checked = normalizeAddress(address);
    if (!checked) throw urlBlocked(`"${String(address).slice(0, 100)}" is not an IP address`);
    const why = this.verdict(checked);
    if (why) throw urlBlocked(`${checked.address} ${why}`);
    return checked;
  }

  /** Throws `url_blocked` for names that always mean a local or metadata host. */
  checkName(hostname: string): void {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (BLOCKED_NAMES.some((re) => re.test(name))) throw urlBlocked(`host "${hostname}" is a local or metadata name`);
  }

  /** Why the address is refused, or undefined when it passes. */
  private verdict(checked: CheckedAddress): string | undefined {
    if (checked.family === 4) return this.v4Verdict(v4ToNumber(checked.address));
    const n = v6ToBigInt(checked.address);
    if (this.allowedV6.some((range) => inV6(n, range))) return undefined;
    if (n <= 1n) return 'is the IPv6 unspecified or loopback address';
    if (inV6(n, NAT64_LOCAL)) return 'is in the local-use NAT64 prefix 64:ff9b:1::/48';
    const embedded = embeddedV4(n);
    if (embedded) {
      for (const v4 of embedded) {
        const why = this.v4Verdict(v4);
        if (why) return `embeds ${numberToV4(v4)}, which ${why}`;
      }
      return undefined;
    }
    if (!inV6(n, GLOBAL_UNICAST)) return 'is not a global unicast address (loopback, unspecified, unique-local, link-local, multicast or reserved)';
    if (BLOCKED_V6.some((range) => inV6(n, range))) return 'is a documentation, benchmarking or reserved address';
    return undefined;
  }

  private v4Verdict(n: number): string | undefined {
    if (this.allowedV4.some((range) => inV4(n, range))) return undefined;
    if (BLOCKED_V4.some((range) => inV4(n, range))) return 'is a private, loopback, link-local, metadata or reserved address';
    return undefined;
  }
}
