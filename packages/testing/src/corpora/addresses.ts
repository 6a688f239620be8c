/**
 * Public IP addresses an HTTP tool must allow (the positive side of RELIABILITY.md B-30): IPv4
 * at the edges of every blocked range, and IPv6 in every written form — full, compressed,
 * upper-case, bracketed, with an embedded dotted quad, and transition forms (IPv4-mapped,
 * NAT64, 6to4, Teredo) that embed a public IPv4 address. `canonical` is the normalized text
 * (dotted quad; lower-case RFC 5952 IPv6).
 */
export const PUBLIC_ADDRESSES: readonly { readonly address: string; readonly canonical: string }[] = [
  { address: '8.8.8.8', canonical: '8.8.8.8' },
  { address: '1.1.1.1', canonical: '1.1.1.1' },
  { address: '9.9.9.9', canonical: '9.9.9.9' },
  { address: '93.184.216.34', canonical: '93.184.216.34' },
  { address: '1.0.0.0', canonical: '1.0.0.0' },
  { address: '9.255.255.255', canonical: '9.255.255.255' },
  { address: '11.0.0.0', canonical: '11.0.0.0' },
  { address: '100.63.255.255', canonical: '100.63.255.255' },
  { address: '100.128.0.0', canonical: '100.128.0.0' },
  { address: '126.255.255.255', canonical: '126.255.255.255' },
  { address: '128.0.0.0', canonical: '128.0.0.0' },
  { address: '169.253.255.255', canonical: '169.253.255.255' },
  { address: '169.255.0.0', canonical: '169.255.0.0' },
  { address: '172.15.255.255', canonical: '172.15.255.255' },
  { address: '172.32.0.0', canonical: '172.32.0.0' },
  { address: '192.0.1.1', canonical: '192.0.1.1' },
  { address: '192.167.255.255', canonical: '192.167.255.255' },
  { address: '192.169.0.0', canonical: '192.169.0.0' },
  { address: '198.17.255.255', canonical: '198.17.255.255' },
  { address: '198.20.0.0', canonical: '198.20.0.0' },
  { address: '223.255.255.255', canonical: '223.255.255.255' },
  { address: '2001:4860:4860::8888', canonical: '2001:4860:4860::8888' },
  { address: '2606:4700:4700::1111', canonical: '2606:4700:4700::1111' },
  { address: '2620:fe::fe', canonical: '2620:fe::fe' },
  { address: '2a00:1450:4001:830::200e', canonical: '2a00:1450:4001:830::200e' },
  { address: '2001:4860:4860:0:0:0:0:8888', canonical: '2001:4860:4860::8888' },
  { address: '2001:4860:4860:0000:0000:0000:0000:8888', canonical: '2001:4860:4860::8888' },
  { address: '2001:4860:4860::8888'.toUpperCase(), canonical: '2001:4860:4860::8888' },
  { address: '[2001:4860:4860::8888]', canonical: '2001:4860:4860::8888' },
  { address: '2c0f:fb50:4002::1', canonical: '2c0f:fb50:4002::1' },
  { address: '::ffff:8.8.8.8', canonical: '::ffff:808:808' },
  { address: '::ffff:808:808', canonical: '::ffff:808:808' },
  { address: '::FFFF:8.8.8.8', canonical: '::ffff:808:808' },
  { address: '0:0:0:0:0:ffff:0808:0808', canonical: '::ffff:808:808' },
  { address: '64:ff9b::8.8.8.8', canonical: '64:ff9b::808:808' },
  { address: '64:ff9b::101:101', canonical: '64:ff9b::101:101' },
  { address: '2002:808:808::1', canonical: '2002:808:808::1' },
  { address: '2001:0:4136:e378:8000:63bf:f7f7:f7f7', canonical: '2001:0:4136:e378:8000:63bf:f7f7:f7f7' },
];

/**
 * URLs with public literal hosts, in every form the WHATWG URL parser accepts — decimal, hex,
 * octal, short and trailing-dot IPv4; compressed, full, upper-case and mapped IPv6 — with the
 * address a tool must pin the connection to. A tool's pre-connection check must allow them all
 * (no connection is needed to assert this).
 */
export const PUBLIC_URLS: readonly { readonly url: string; readonly address: string }[] = [
  { url: 'https://8.8.8.8/', address: '8.8.8.8' },
  { url: 'https://134744072/', address: '8.8.8.8' },
  { url: 'https://0x8080808/', address: '8.8.8.8' },
  { url: 'https://0x08080808/', address: '8.8.8.8' },
  { url: 'https://0X08080808/', address: '8.8.8.8' },
  { url: 'https://0x08.0x08.0x08.0x08/', address: '8.8.8.8' },
  { url: 'https://010.010.010.010/', address: '8.8.8.8' },
  { url: 'https://0010.0010.0010.0010/', address: '8.8.8.8' },
  { url: 'https://8.8.2056/', address: '8.8.8.8' },
  { url: 'https://8.526344/', address: '8.8.8.8' },
  { url: 'https://8.8.8.8./', address: '8.8.8.8' },
  { url: 'https://1.1/', address: '1.0.0.1' },
  { url: 'https://16843009/', address: '1.1.1.1' },
  { url: 'https://0x01010101:8443/path?q=1', address: '1.1.1.1' },
  { url: 'https://1.1.1.1/', address: '1.1.1.1' },
  { url: 'https://[2001:4860:4860::8888]/', address: '2001:4860:4860::8888' },
  { url: 'https://[2001:4860:4860:0:0:0:0:8888]/', address: '2001:4860:4860::8888' },
  { url: 'https://[2001:4860:4860:0000:0000:0000:0000:8888]:8443/', address: '2001:4860:4860::8888' },
  { url: 'https://[2A00:1450:4001:830::200E]/', address: '2a00:1450:4001:830::200e' },
  { url: 'https://[2606:4700:4700::1111]/', address: '2606:4700:4700::1111' },
  { url: 'https://[::ffff:8.8.8.8]/', address: '::ffff:808:808' },
  { url: 'https://[::ffff:808:808]/', address: '::ffff:808:808' },
  { url: 'https://[64:ff9b::8.8.8.8]/', address: '64:ff9b::808:808' },
  { url: 'https://[2002:808:808::1]/', address: '2002:808:808::1' },
];

/**
 * Addresses a tool must refuse, as a resolver might return them or a caller might pass them:
 * every IPv4 special-purpose range (including non-canonical spellings of loopback and
 * metadata addresses) and IPv6 loopback, unspecified, unique-local, link-local (with a zone),
 * multicast, documentation and discard addresses, plus every transition form (mapped,
 * translated, compatible, NAT64, local-use NAT64, 6to4, Teredo server or client) that embeds
 * a private IPv4 address.
 */
export const BLOCKED_ADDRESSES: readonly string[] = [
  '127.0.0.1', '127.255.255.254', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.0.1', '192.168.255.255',
  '100.64.0.1', '100.127.255.255', '169.254.169.254', '169.254.0.1', '0.0.0.0', '0.255.255.255', '192.0.0.170', '192.0.2.1',
  '192.88.99.1', '198.18.0.1', '198.19.255.255', '198.51.100.7', '203.0.113.9', '224.0.0.251', '239.255.255.250', '240.0.0.1',
  '255.255.255.255', '100.100.100.200',
  '2130706433', '0x7f000001', '017700000001', '127.1', '0177.0.0.1', '0x7f.1', '10.1', '0xa9fea9fe', '2852039166',
  '::', '::1', '0:0:0:0:0:0:0:1', '[::1]', '::2',
  '::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:127.0.0.1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::ffff:10.0.0.1', '::ffff:0.0.0.0',
  '::ffff:0:127.0.0.1', '::ffff:0:7f00:1', '::127.0.0.1', '::10.0.0.1', '::a9fe:a9fe',
  '64:ff9b::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '64:ff9b::a00:1', '64:ff9b:1::808:808', '64:ff9b:1::a00:1',
  '2002:7f00:1::', '2002:a9fe:a9fe::1', '2002:c0a8:101::', '2002:a00:1:1::1',
  '2001:0:4136:e378:8000:63bf:80ff:fffe', '2001:0:a00:1::f7f7:f7f7', '2001:0:4136:e378:8000:63bf:5601:56fe',
  'fc00::1', 'fd00::1', 'fd00:ec2::254', 'fe80::1', 'fe80::1%eth0', 'fe80::a9fe:a9fe', 'febf::1', 'fec0::1', 'ff02::1', 'ff05::1:3', 'ff0e::1',
  '100::1', '2001:db8::1', '2001:db8:ffff::1', '3fff::1', '2001:2::1', '2001:10::1', '4000::1', '1::1', 'e000::1',
];

/**
 * Resolver answers an HTTP tool must survive without crashing the process or connecting
 * anywhere: a wrong, missing or non-numeric `family`, addresses that are not IP text,
 * malformed lists, and private addresses hiding behind a public one or a mapped form. Each
 * must end the call with a typed error (`url_blocked` or `http_unreachable`).
 */
export const HOSTILE_RESOLVER_ANSWERS: readonly { readonly name: string; readonly answer: unknown }[] = [
  { name: 'loopback labelled IPv6', answer: [{ address: '127.0.0.1', family: 6 }] },
  { name: 'loopback without a family', answer: [{ address: '127.0.0.1' }] },
  { name: 'IPv6 loopback labelled IPv4', answer: [{ address: '::1', family: 4 }] },
  { name: 'family as text', answer: [{ address: '127.0.0.1', family: 'IPv4' }] },
  { name: 'family 0', answer: [{ address: '127.0.0.1', family: 0 }] },
  { name: 'decimal loopback', answer: [{ address: '2130706433', family: 4 }] },
  { name: 'address as a number', answer: [{ address: 2130706433, family: 4 }] },
  { name: 'a host name as the address', answer: [{ address: 'localhost', family: 4 }] },
  { name: 'empty address', answer: [{ address: '', family: 4 }] },
  { name: 'address with a port', answer: [{ address: '127.0.0.1:80', family: 4 }] },
  { name: 'bracketed IPv6 loopback', answer: [{ address: '[::1]', family: 6 }] },
  { name: 'mapped loopback', answer: [{ address: '::ffff:127.0.0.1', family: 6 }] },
  { name: 'mapped loopback labelled IPv4', answer: [{ address: '::ffff:127.0.0.1', family: 4 }] },
  { name: 'link-local with a zone', answer: [{ address: 'fe80::1%lo', family: 6 }] },
  { name: 'public then private', answer: [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }] },
  { name: 'null entry', answer: [null] },
  { name: 'a bare string entry', answer: ['127.0.0.1'] },
  { name: 'an object, not a list', answer: { address: '127.0.0.1', family: 4 } },
  { name: 'undefined', answer: undefined },
  { name: 'an empty list', answer: [] },
  { name: 'a list of lists', answer: [['127.0.0.1', 4]] },
];
