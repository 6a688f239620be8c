import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { AgentrtError } from '@agentrt/core';
import type { AddressPolicy } from './address-policy.js';

/** Resolves a host name to addresses (injectable for tests and custom DNS). */
export type Resolver = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Settings of one fetch. */
export interface SafeFetchSettings {
  readonly policy: AddressPolicy;
  readonly allowHosts: readonly string[];
  readonly allowHttp: boolean;
  readonly resolver: Resolver;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxRedirects: number;
  readonly userAgent: string;
}

/** A fetched response, body decoded as text and capped. */
export interface SafeResponse {
  readonly url: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
  readonly truncated: boolean;
  readonly redirects: number;
}

const blockedError = (message: string) => new AgentrtError('url_blocked', message);

/** Host allowlist: exact names, `*.example.com` (subdomains only) or `*` (any public host). */
export function hostAllowed(hostname: string, allowHosts: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return allowHosts.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
    return host === p;
  });
}

/** Validates a URL and resolves and checks every address; returns the address to pin the connection to. */
async function vet(raw: string, settings: SafeFetchSettings): Promise<{ url: URL; address: string; family: 4 | 6 }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw blockedError(`"${raw.slice(0, 200)}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && settings.allowHttp)) throw blockedError(`scheme "${url.protocol}" is not allowed${url.protocol === 'http:' ? ' (set allowHttp)' : ''}`);
  if (url.username || url.password) throw blockedError('credentials in the URL are not allowed');
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!hostAllowed(hostname, settings.allowHosts)) throw blockedError(`host "${hostname}" is not on the allowlist`);
  settings.policy.checkName(hostname);
  let addresses: readonly { address: string; family: number }[];
  if (isIP(hostname)) addresses = [{ address: hostname, family: isIP(hostname) }];
  else {
    try {
      addresses = await settings.resolver(hostname);
    } catch (error) {
      throw new AgentrtError('http_unreachable', `cannot resolve "${hostname}"`, { cause: error });
    }
  }
  if (addresses.length === 0) throw new AgentrtError('http_unreachable', `"${hostname}" has no addresses`);
  // Every answer must pass: a name resolving to one public and one private address is refused.
  for (const { address } of addresses) settings.policy.check(address);
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches a URL without a server-side request forgery window: per hop it validates the URL,
 * resolves the name, checks every address, and connects to the checked address (the
 * connection's DNS lookup is pinned to it). Redirects are followed by hand and re-validated;
 * credentials never cross origins. Body size (after decompression) and total time are capped.
 */
export async function safeFetch(input: { url: string; method: 'GET' | 'POST'; body?: string; contentType?: string; headers?: Readonly<Record<string, string>>; signal: AbortSignal }, settings: SafeFetchSettings): Promise<SafeResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AgentrtError('http_timeout', `no complete response within ${settings.timeoutMs} ms`)), settings.timeoutMs);
  const onAbort = () => controller.abort(input.signal.reason);
  input.signal.addEventListener('abort', onAbort, { once: true });
  try {
    let method = input.method;
    let body = input.body;
    let current = input.url;
    let origin: string | undefined;
    for (let hop = 0; ; hop++) {
      const { url, address, family } = await vet(current, settings);
      if (controller.signal.aborted) throw controller.signal.reason;
      // Caller-supplied headers only go to the origin the caller named; never across a redirect to another origin.
      const sameOrigin = origin === undefined || origin === url.origin;
      origin ??= url.origin;
      const response = await request({ url, address, family, method, body, contentType: input.contentType, headers: sameOrigin ? input.headers : undefined, signal: controller.signal, userAgent: settings.userAgent });
      if (REDIRECTS.has(response.statusCode ?? 0) && response.headers.location) {
        response.resume();
        if (hop >= settings.maxRedirects) throw blockedError(`more than ${settings.maxRedirects} redirects`);
        current = new URL(response.headers.location, url).href;
        if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      const { text, truncated } = await readCapped(response, settings.maxResponseBytes, controller.signal);
      return { url: url.href, status: response.statusCode ?? 0, contentType: response.headers['content-type'], body: text, truncated, redirects: hop };
    }
  } catch (error) {
    if (controller.signal.aborted && AgentrtError.isInstance(controller.signal.reason)) throw controller.signal.reason;
    if (AgentrtError.isInstance(error)) throw error;
    if (input.signal.aborted) throw input.signal.reason;
    throw new AgentrtError('http_unreachable', `the request failed: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
    input.signal.removeEventListener('abort', onAbort);
  }
}

function request(input: { url: URL; address: string; family: 4 | 6; method: string; body: string | undefined; contentType: string | undefined; headers: Readonly<Record<string, string>> | undefined; signal: AbortSignal; userAgent: string }): Promise<IncomingMessage> {
  // The connection's lookup returns the address we checked: no second resolution, no rebinding.
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: input.address, family: input.family }]);
    else callback(null, input.address, input.family);
  };
  const transport = input.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(input.url, {
      method: input.method,
      lookup: pinned,
      signal: input.signal,
      headers: {
        ...input.headers,
        'user-agent': input.userAgent,
        accept: '*/*',
        'accept-encoding': 'gzip, deflate, br',
        ...(input.body !== undefined ? { 'content-type': input.contentType ?? 'application/json', 'content-length': Buffer.byteLength(input.body) } : {}),
      },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end(input.body);
  });
}

async function readCapped(response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<{ text: string; truncated: boolean }> {
  const encoding = String(response.headers['content-encoding'] ?? '').toLowerCase();
  const decoder = encoding === 'gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  const stream = decoder ? response.pipe(decoder) : response;
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal.aborted) throw signal.reason;
      const room = maxBytes - size;
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        truncated = true;
        break; // stop reading: a compression bomb or endless body never gets further
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    response.destroy();
    decoder?.destroy();
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}
