import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Readable, Transform } from 'node:stream';
import { AgentrtError } from '@agentrt/core';
import type { AddressPolicy } from './address-policy.js';

/** What the MCP SDK's HTTP transport calls to make requests. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** A fetch that only connects where the policy allows, plus the agents to destroy on close. */
export interface GuardedFetch {
  readonly fetch: FetchLike;
  close(): void;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A `fetch` for the MCP HTTP transport with no server-side request forgery window: the URL's
 * scheme and literal address are checked before connecting, and for a host name the
 * connection's own DNS lookup checks every resolved address — the socket connects to an
 * address that was checked, so a resolver that answers differently later (DNS rebinding)
 * gains nothing. Redirects are not followed here (the SDK follows same-origin ones through
 * this fetch again). A response body larger than `maxResponseBytes` fails the stream.
 */
export function guardedFetch(policy: AddressPolicy, options: { allowHttp: boolean; maxResponseBytes: number }): GuardedFetch {
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => !policy.allows(entry.address));
      if (refused || addresses.length === 0) {
        return callback(new AgentrtError('url_blocked', `host "${hostname}" resolves to ${refused?.address ?? 'no address'}, which is not allowed (allow it with allowPrivateAddresses)`) as unknown as NodeJS.ErrnoException, '', 0);
      }
      const family = (lookupOptions as { family?: number }).family;
      const usable = family === 4 || family === 6 ? addresses.filter((entry) => entry.family === family) : addresses;
      if ((lookupOptions as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      const first = usable[0];
      if (!first) return callback(Object.assign(new Error(`no IPv${family} address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
  const agents = { http: new http.Agent({ keepAlive: true, lookup } as http.AgentOptions), https: new https.Agent({ keepAlive: true, lookup } as https.AgentOptions) };

  const fetch: FetchLike = async (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : input.href);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp)) {
      throw new AgentrtError('url_blocked', `scheme "${url.protocol}" is not allowed (https only; set allowHttp for plain http)`);
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) policy.check(host);
    else policy.checkName(host);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new TypeError('guarded fetch sends only string or byte bodies');
    }
    if (body !== undefined && body !== null) headers['content-length'] = String(Buffer.byteLength(body));
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const secure = url.protocol === 'https:';
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = (secure ? https : http).request(url, {
        method: init.method ?? 'GET',
        headers,
        agent: secure ? agents.https : agents.http,
        lookup,
        ...(signal ? { signal } : {}),
      });
      request.once('response', resolve);
      request.once('error', (error) => reject(signal?.aborted ? signal.reason : error));
      request.end(body ?? undefined);
    });
    const responseHeaders = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      if (Array.isArray(value)) for (const item of value) responseHeaders.append(key, item);
      else if (value !== undefined) responseHeaders.set(key, value);
    }
    const code = response.statusCode ?? 502;
    const status = code >= 200 && code <= 599 ? code : 502;
    if (NULL_BODY.has(status) || init.method === 'HEAD') {
      response.resume();
      return new Response(null, { status, statusText: response.statusMessage ?? '', headers: responseHeaders });
    }
    let size = 0;
    const capped = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > options.maxResponseBytes) callback(new AgentrtError('mcp_output_invalid', `the MCP server sent more than ${options.maxResponseBytes} bytes in one response`));
        else callback(null, chunk);
      },
    });
    response.once('error', (error) => capped.destroy(error));
    response.pipe(capped);
    return new Response(Readable.toWeb(capped) as ReadableStream<Uint8Array>, { status, statusText: response.statusMessage ?? '', headers: responseHeaders });
  };

  return {
    fetch,
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
