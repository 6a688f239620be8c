import { isIP } from 'node:net';
import { AddressPolicy, normalizeAddress } from '@agentrt/core';
import { BLOCKED_ADDRESSES, PUBLIC_ADDRESSES, PUBLIC_URLS, SSRF_URLS } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

// The one SSRF address policy of the tool packs (@agentrt/tools-http, @agentrt/tools-mcp), run
// against the shared corpora of @agentrt/testing.
describe('AddressPolicy (core)', () => {
  const policy = new AddressPolicy();

  it(`allows every one of the ${PUBLIC_ADDRESSES.length} PUBLIC_ADDRESSES and pins its canonical form`, () => {
    for (const { address, canonical } of PUBLIC_ADDRESSES) {
      expect(policy.allows(address), address).toBe(true);
      expect(policy.check(address), address).toEqual({ address: canonical, family: canonical.includes(':') ? 6 : 4 });
    }
  });

  it(`refuses every one of the ${BLOCKED_ADDRESSES.length} BLOCKED_ADDRESSES with url_blocked`, () => {
    for (const address of BLOCKED_ADDRESSES) {
      expect(policy.allows(address), address).toBe(false);
      expect(() => policy.check(address), address).toThrow(expect.objectContaining({ code: 'url_blocked' }));
    }
  });

  it('reads every literal host of PUBLIC_URLS as the address it stands for, and allows it', () => {
    for (const { url, address } of PUBLIC_URLS) {
      const host = new URL(url).hostname;
      expect(policy.check(host.replace(/^\[|\]$/g, '')).address, url).toBe(address);
    }
  });

  it('refuses the literal host or the name of every http(s) URL of SSRF_URLS', () => {
    let literal = 0;
    for (const template of SSRF_URLS) {
      let url: URL;
      try {
        url = new URL(template.replaceAll('{port}', '8080'));
      } catch {
        continue; // not a URL at all (refused before any policy runs)
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const address = normalizeAddress(host);
      if (address) {
        literal++;
        expect(policy.allows(host), template).toBe(false);
      } else if (!/nip\.io$|localtest\.me$|\.test$/.test(host)) {
        // Names are refused by name (what they resolve to is checked at connection time).
        expect(() => policy.checkName(host), template).toThrow(expect.objectContaining({ code: 'url_blocked' }));
      }
      if (isIP(host)) expect(address, template).toBeDefined();
    }
    expect(literal).toBeGreaterThan(40);
  });

  it('allows configured private ranges per family and names the bad entry of a malformed list', () => {
    const lan = new AddressPolicy(['10.0.0.0/8', 'fd00::/8']);
    expect(lan.allowsPrivate).toBe(true);
    expect(policy.allowsPrivate).toBe(false);
    expect(lan.allows('10.9.8.7')).toBe(true);
    expect(lan.allows('::ffff:10.9.8.7')).toBe(true);
    expect(lan.allows('fd12::1')).toBe(true);
    expect(lan.allows('fc00::1')).toBe(false);
    expect(lan.allows('127.0.0.1')).toBe(false);
    expect(() => new AddressPolicy(['127.0.0.1', 'nope'], 'servers.web.allowPrivateAddresses')).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'servers.web.allowPrivateAddresses.1' }));
    expect(() => new AddressPolicy('10.0.0.0/8' as never)).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'allowPrivateAddresses' }));
  });
});
