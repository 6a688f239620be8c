import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Readable, Transform } from 'node:stream';
import { AddressPolicy, AgentrtError, type CheckedAddress } from '@agentrt/core';
import type { McpResolver } from './config.js';

/** What the MCP SDK's HTTP transport calls to make requests. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** A fetch that only connects where the policy allows, plus what the connection needs to manage it. */
export interface GuardedFetch {
  readonly fetch: FetchLike;
  /** The JSON-RPC request `id` got its answer (or was given up): end its HTTP exchange if the server keeps it open. */
  settle(id: unknown): void;
  /** HTTP exchanges still open (requests and response streams). */
  readonly open: number;
  /** Ends every exchange and destroys the connection pools. */
  close(): void;
}

/** Options of the pre-connection check of a server URL. */
export interface ServerUrlOptions {
  /** Allow plain `http:`. Default false. */
  readonly allowHttp?: boolean;
  /** IPs or CIDRs allowed although private (see `AddressPolicy`). */
  readonly allowPrivateAddresses?: readonly string[];
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const blocked = (message: string) => new AgentrtError('url_blocked', message);

/** The system resolver: `dns.lookup`, every answer, in the system's order. */
const systemResolver: McpResolver = (hostname) => new Promise((resolve, reject) => {
  dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) => (error ? reject(error) : resolve(addresses)));
});

/** The scheme, host and (for a literal address) address checks of one URL; names are checked by what they resolve to, at connection time. */
function vet(input: string | URL, policy: AddressPolicy, allowHttp: boolean): { url: URL; address?: CheckedAddress } {
  let url: URL;
  try {
    url = new URL(typeof input === 'string' ? input : input.href);
  } catch {
    throw blocked('the MCP server URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowHttp)) throw blocked(`scheme "${url.protocol}" is not allowed (https only; set allowHttp for plain http)`);
  if (url.username || url.password) throw blocked('credentials in the URL are not allowed; send them in headers');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return { url, address: policy.check(host) };
  // Names that always mean this machine or a metadata service; with an explicit private
  // allowlist (a local development server) the name is judged by the addresses it resolves to.
  if (!policy.allowsPrivate) policy.checkName(host);
  return { url };
}

/**
 * The check the bridge applies to an MCP server URL before connecting: `https:` (or `http:`
 * with `allowHttp`), no credentials in the URL, a literal address that is public or in
 * `allowPrivateAddresses` (in any spelling the URL parser accepts: `0x7f000001`, `[::ffff:7f00:1]`,
 * …), and no local or metadata name (`localhost`, `metadata.google.internal`, …) unless private
 * addresses are allowed. Returns the parsed URL and, for a literal host, the address the
 * connection is pinned to; host names are checked again by every address they resolve to when
 * the connection is made. Throws `url_blocked` (or `config_invalid` for a malformed allowlist).
 *
 * @example
 * ```ts
 * checkServerUrl('https://0x08080808/mcp').address; // { address: '8.8.8.8', family: 4 }
 * checkServerUrl('http://169.254.169.254/', { allowHttp: true }); // throws url_blocked
 * ```
 */
export function checkServerUrl(url: string | URL, options: ServerUrlOptions = {}): { url: URL; address?: CheckedAddress } {
  return vet(url, new AddressPolicy(options.allowPrivateAddresses ?? []), options.allowHttp ?? false);
}

/** Checks every resolver answer; all must be allowed IP addresses. */
function checkAnswers(hostname: string, answers: unknown, policy: AddressPolicy): CheckedAddress[] {
  if (!Array.isArray(answers) || answers.length > 256) throw new AgentrtError('mcp_unavailable', `the resolver returned a malformed answer for "${hostname}"`);
  if (answers.length === 0) throw new AgentrtError('mcp_unavailable', `"${hostname}" resolves to no address`);
  return answers.map((answer: unknown) => {
    const address = typeof answer === 'object' && answer !== null ? (answer as { address?: unknown }).address : undefined;
    if (typeof address !== 'string') throw blocked(`the resolver answered "${hostname}" with something that is not an IP address`);
    try {
      return policy.check(address);
    } catch (error) {
      throw blocked(`host "${hostname}" resolves to ${address.slice(0, 64)}, which is not allowed (${(error as Error).message}; allow it with allowPrivateAddresses)`);
    }
  });
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Where events end in an event stream read chunk by chunk: an event ends at a blank line, that
 * is two line endings in a row, where a line ending is CRLF, LF or CR (mixed freely, as the SSE
 * format allows) — also when the two fall into different chunks, or a CRLF is split between
 * them. Linear in the bytes; keeps two flags between chunks.
 */
export class EventBoundaries {
  /** The bytes so far end with a line ending (the line after it is empty so far). */
  private atLineStart = true;
  /** The bytes so far end with CR (an LF next belongs to it: CRLF is one line ending). */
  private afterCr = false;

  /** The offset just past the last blank line that ends in `chunk`, or -1. */
  lastEnd(chunk: Uint8Array): number {
    let last = -1;
    for (let index = 0; index < chunk.length; index++) {
      const byte = chunk[index];
      if (byte === LF && this.afterCr) {
        // The LF of a CRLF: the line ending was counted at its CR (an event that ended there ends after it).
        this.afterCr = false;
        if (last === index) last = index + 1;
        continue;
      }
      if (byte === LF || byte === CR) {
        if (this.atLineStart) last = index + 1; // an empty line: an event ends here
        this.atLineStart = true;
        this.afterCr = byte === CR;
        continue;
      }
      this.atLineStart = false;
      this.afterCr = false;
    }
    return last;
  }
}

/**
 * Most POSTs that carry only answers to the server's own requests (`ping`, refused sampling, …)
 * open at once. Each is an HTTP exchange of its own: a server that sends requests faster than it
 * acknowledges the answers would otherwise make the bridge open one socket per request, without
 * limit (file descriptors of the whole process). Past this, answers wait for a free slot (at most
 * `MAX_WAITING_ANSWERS` of them); past that, an answer is not sent (the server flooding with
 * requests gets no answer to those).
 */
export const MAX_OPEN_ANSWERS = 16;
/** Most answers waiting for one of the `MAX_OPEN_ANSWERS` slots. */
export const MAX_WAITING_ANSWERS = 256;

/** JSON-RPC ids of the requests in a POST body, the ids it cancels (`notifications/cancelled`), and whether it holds only answers (responses). */
function rpcIds(body: unknown): { requests: string[]; cancelled: string[]; answersOnly: boolean } {
  const ids = { requests: [] as string[], cancelled: [] as string[], answersOnly: false };
  if (typeof body !== 'string' || body.length > 1024 * 1024) return ids;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return ids;
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  ids.answersOnly = messages.length > 0 && messages.every((message) => typeof message === 'object' && message !== null && !('method' in message) && ('result' in message || 'error' in message));
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue;
    const { id, method, params } = message as { id?: unknown; method?: unknown; params?: { requestId?: unknown } };
    if (typeof method === 'string' && (typeof id === 'string' || typeof id === 'number')) ids.requests.push(String(id));
    if (method === 'notifications/cancelled' && params && (typeof params.requestId === 'string' || typeof params.requestId === 'number')) ids.cancelled.push(String(params.requestId));
  }
  return ids;
}

/**
 * A `fetch` for the MCP HTTP transport with no server-side request forgery window: the URL's
 * scheme and literal address are checked before connecting, and for a host name the
 * connection's own DNS lookup checks every resolved address — the socket connects to an
 * address that was checked, so a resolver that answers differently later (DNS rebinding) gains
 * nothing. Redirects are not followed here (the SDK follows same-origin ones through this
 * fetch again). One message larger than `maxResponseBytes` — a JSON body, or one event of an
 * event stream (a long-lived stream of small events is fine) — fails the stream with
 * `mcp_unavailable` and calls `onTooLarge` (the connection is then dropped, as over stdio). A
 * session id that is not visible ASCII (as the spec requires) fails the exchange too.
 *
 * Each POST is tracked by the JSON-RPC ids it carries: when the request is answered, given up
 * (`notifications/cancelled`, sent on a timeout or abort) or the connection closes, its HTTP
 * exchange is ended — a server that keeps an event stream open (or never answers the POST)
 * cannot pile up sockets. An exchange that carries no request — a POST of notifications or
 * responses, which the spec has the server acknowledge at once with `202 Accepted`, or a
 * `DELETE` ending the session — is ended after `ackTimeoutMs` (default 5 s) if it is not over by
 * then: nothing else would end it when the server never answers.
 */
export function guardedFetch(policy: AddressPolicy, options: { allowHttp: boolean; maxResponseBytes: number; ackTimeoutMs?: number; resolver?: McpResolver; onTooLarge?: (message: string) => void; label?: string }): GuardedFetch {
  const ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
  const resolver = options.resolver ?? systemResolver;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    Promise.resolve()
      .then(() => resolver(hostname))
      .then((answers) => checkAnswers(hostname, answers, policy))
      .then((checked) => {
        const family = (lookupOptions as { family?: number }).family;
        const usable = family === 4 || family === 6 ? checked.filter((entry) => entry.family === family) : checked;
        if ((lookupOptions as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
        const first = usable[0];
        if (!first) return callback(Object.assign(new Error(`no IPv${family} address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        callback(null, first.address, first.family);
      })
      .catch((error: unknown) => callback((AgentrtError.isInstance(error) ? error : new AgentrtError('mcp_unavailable', `cannot resolve "${hostname}": ${(error as Error)?.message ?? String(error)}`)) as unknown as NodeJS.ErrnoException, '', 0));
  };
  const agents = { http: new http.Agent({ keepAlive: true, lookup } as http.AgentOptions), https: new https.Agent({ keepAlive: true, lookup } as https.AgentOptions) };
  /** Open exchanges by JSON-RPC request id (several per id are possible after a same-origin redirect). */
  const exchanges = new Map<string, Set<() => void>>();
  /**
   * Exchanges by the abort signal they were given. The SDK passes one signal (its transport's)
   * to every request: one listener per signal, not one per request (which would pile up
   * listeners — and warnings — with many calls in flight).
   */
  const bySignal = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();
  const watch = (signal: AbortSignal, closer: (reason: unknown) => void) => {
    let closers = bySignal.get(signal);
    if (!closers) {
      const set = new Set<(reason: unknown) => void>();
      closers = set;
      bySignal.set(signal, set);
      signal.addEventListener('abort', () => {
        for (const close of [...set]) close(signal.reason);
        set.clear();
      }, { once: true });
    }
    closers.add(closer);
    return () => closers.delete(closer);
  };
  let closed = false;
  /** Exchanges open now that carry only answers to the server's requests (at most MAX_OPEN_ANSWERS). */
  let openAnswers = 0;
  /** Answers waiting for a slot: each is given the slot (true) or refused (false, on close). */
  const waitingAnswers: ((granted: boolean) => void)[] = [];
  const releaseAnswer = () => {
    const next = waitingAnswers.shift();
    if (next) next(true); // the slot passes on: openAnswers stays
    else openAnswers--;
  };
  const end = (id: string) => {
    const closers = exchanges.get(id);
    exchanges.delete(id);
    for (const close of closers ?? []) close();
  };

  const fetch: FetchLike = async (input, init = {}) => {
    if (closed) throw new AgentrtError('mcp_unavailable', 'the MCP connection is closed');
    const { url, address } = vet(input, policy, options.allowHttp);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new TypeError('guarded fetch sends only string or byte bodies');
    }
    if (body !== undefined && body !== null) headers['content-length'] = String(Buffer.byteLength(body));
    const ids = rpcIds(body);
    // A request given up: end its exchange before telling the server (which may not answer that either).
    for (const id of ids.cancelled) end(id);
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    if (ids.answersOnly) {
      if (openAnswers < MAX_OPEN_ANSWERS) openAnswers++;
      else {
        const unsent = () => new AgentrtError('mcp_unavailable', `${options.label ?? 'the MCP server'} has ${openAnswers} answers to its own requests unacknowledged and ${waitingAnswers.length} waiting: an answer was not sent (a server flooding the client with requests)`);
        if (waitingAnswers.length >= MAX_WAITING_ANSWERS) throw unsent();
        if (!(await new Promise<boolean>((resolve) => waitingAnswers.push(resolve)))) throw unsent();
      }
      // The slot is held from here; given back by `forget` once the exchange is over.
      if (closed || signal?.aborted) {
        releaseAnswer();
        if (closed) throw new AgentrtError('mcp_unavailable', 'the MCP connection is closed');
        signal!.throwIfAborted();
      }
    }
    const secure = url.protocol === 'https:';
    let request: ClientRequest | undefined;
    let response: IncomingMessage | undefined;
    const closer = () => {
      request?.destroy();
      response?.destroy();
    };
    for (const id of ids.requests) {
      if (!exchanges.has(id)) exchanges.set(id, new Set());
      exchanges.get(id)!.add(closer);
    }
    let aborted: unknown;
    const unwatch = signal ? watch(signal, (reason) => {
      aborted = reason;
      closer();
    }) : undefined;
    // Nothing else ends an exchange that carries no request when the server never acknowledges it.
    const method = (init.method ?? 'GET').toUpperCase();
    const acknowledgement = ids.requests.length === 0 && (method === 'POST' || method === 'DELETE');
    const ackTimer = acknowledgement ? setTimeout(() => {
      aborted = new AgentrtError('mcp_timeout', `${options.label ?? 'the MCP server'} did not acknowledge a ${method === 'DELETE' ? 'session end (DELETE)' : 'notification or response (POST)'} within ${ackTimeoutMs} ms`, { retryable: true });
      closer();
    }, ackTimeoutMs) : undefined;
    ackTimer?.unref?.();
    let counted = ids.answersOnly;
    const forget = () => {
      if (counted) {
        counted = false;
        releaseAnswer();
      }
      clearTimeout(ackTimer);
      for (const id of ids.requests) exchanges.get(id)?.delete(closer);
      unwatch?.();
    };
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        request = (secure ? https : http).request(url, {
          method: init.method ?? 'GET',
          headers,
          agent: secure ? agents.https : agents.http,
          lookup,
          // A literal host connects to the checked address (the canonical form of what the URL says).
          ...(address ? { host: address.address, family: address.family } : {}),
        });
        request.once('response', resolve);
        request.once('error', (error) => reject(aborted ?? error));
        request.once('close', () => reject(aborted ?? new AgentrtError('mcp_unavailable', 'the HTTP exchange was ended before the server answered')));
        request.end(body ?? undefined);
      });
    } catch (error) {
      forget();
      throw error;
    }
    response.once('close', forget);
    const responseHeaders = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      try {
        if (Array.isArray(value)) for (const item of value) responseHeaders.append(key, item);
        else if (value !== undefined) responseHeaders.set(key, value);
      } catch {
        // a header value fetch cannot hold (bytes outside latin1) is dropped
      }
    }
    const session = response.headers['mcp-session-id'];
    if (session !== undefined && (typeof session !== 'string' || !/^[\x21-\x7e]{1,8192}$/.test(session))) {
      response.destroy();
      throw new AgentrtError('mcp_unavailable', 'the MCP server sent a session id that is not 1–8 192 visible ASCII characters (as the MCP spec requires)');
    }
    const code = response.statusCode ?? 502;
    const status = code >= 200 && code <= 599 ? code : 502;
    if (NULL_BODY.has(status) || init.method === 'HEAD') {
      response.resume();
      return new Response(null, { status, statusText: response.statusMessage ?? '', headers: responseHeaders });
    }
    // An event stream is capped per event (bytes since the last blank line), anything else per body.
    const eventStream = /^text\/event-stream\b/i.test(String(response.headers['content-type'] ?? ''));
    const events = eventStream ? new EventBoundaries() : undefined;
    let size = 0;
    const capped = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        const boundary = events ? events.lastEnd(chunk) : -1;
        size = boundary >= 0 ? chunk.length - boundary : size + chunk.length;
        if (size <= options.maxResponseBytes) return callback(null, chunk);
        const message = `the server sent a message larger than ${options.maxResponseBytes} bytes`;
        callback(new AgentrtError('mcp_unavailable', `${options.label ?? 'the MCP server'}: ${message}`));
        options.onTooLarge?.(message);
      },
    });
    const source = response;
    source.once('error', (error) => capped.destroy(error));
    source.once('close', () => {
      if (!source.complete) capped.destroy(new AgentrtError('mcp_unavailable', 'the MCP server ended the response early'));
    });
    capped.once('close', () => source.destroy());
    source.pipe(capped);
    return new Response(Readable.toWeb(capped) as ReadableStream<Uint8Array>, { status, statusText: response.statusMessage ?? '', headers: responseHeaders });
  };

  return {
    fetch,
    settle: (id) => {
      if (typeof id !== 'string' && typeof id !== 'number') return;
      const key = String(id);
      // After the SDK has read the answer from the stream.
      setImmediate(() => end(key));
    },
    get open() {
      let count = 0;
      for (const closers of exchanges.values()) count += closers.size;
      return count;
    },
    close: () => {
      closed = true;
      for (const waiting of waitingAnswers.splice(0)) waiting(false);
      for (const id of [...exchanges.keys()]) end(id);
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
