import { createHash } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TextDecoder } from 'node:util';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { AgentrtError, normalizeAddress, type AddressPolicy, type CheckedAddress } from '@agentrt/core';
import { decodeBody } from './decode-body.js';

/**
 * Resolves a host name to addresses (injectable for tests and custom DNS). Each answer's
 * `address` is validated and normalized; its `family` is ignored and derived from the address.
 */
export type Resolver = (hostname: string) => Promise<readonly { readonly address: string; readonly family?: number }[]>;

/** The system resolver (`dns.lookup`, all answers, in the order the system returns them). */
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Request headers the model may set by default. Everything else is refused (`header_blocked`). */
export const DEFAULT_REQUEST_HEADERS: readonly string[] = Object.freeze([
  'accept', 'accept-language', 'cache-control', 'content-type', 'if-match', 'if-modified-since', 'if-none-match',
  'if-range', 'if-unmodified-since', 'range', 'user-agent',
]);

/**
 * Headers no configuration may hand to the model: they control framing, the connection,
 * decoding or the runtime's own idempotency key (request smuggling, decoder confusion,
 * duplicate effects).
 */
export const NEVER_ALLOWED_HEADERS: readonly string[] = Object.freeze([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect',
  'proxy-connection', 'accept-encoding', 'idempotency-key', 'http2-settings',
]);

/** Ports a URL (and every redirect hop) may name by default: the standard HTTP and HTTPS ports. */
export const DEFAULT_ALLOW_PORTS: readonly number[] = Object.freeze([80, 443]);

/** Settings of one fetch (what `createHttpTools` builds from its options). */
export interface SafeFetchSettings {
  readonly policy: AddressPolicy;
  readonly allowHosts: readonly string[];
  readonly allowHttp: boolean;
  readonly resolver: Resolver;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxRedirects: number;
  readonly userAgent: string;
  /**
   * Ports a URL may name (the scheme's default port when it names none). Default
   * `DEFAULT_ALLOW_PORTS` (80 and 443). Any other port is `url_blocked` before DNS or a connection.
   */
  readonly allowPorts?: readonly number[];
  /** Lower-case names of the request headers a caller may set. Default `DEFAULT_REQUEST_HEADERS`. */
  readonly allowRequestHeaders?: readonly string[];
  /**
   * Body cap for a response declared an image (other than SVG) or a PDF, which the tools return
   * as a content part, in place of `maxResponseBytes`; such a response whose `Content-Length`
   * says more is not read at all. Default: none (`maxResponseBytes` caps every body).
   */
  readonly maxMediaBytes?: number;
}

/** A fetched response with its body as bytes (see `safeFetchBytes`). */
export interface SafeBytesResponse extends Omit<SafeResponse, 'body' | 'charset'> {
  readonly bytes: Buffer;
  /** The body's size by `Content-Length` (without a content coding), when the server gave one. */
  readonly declaredBytes?: number;
  /** The raw `Content-Disposition` header, if any. */
  readonly contentDisposition?: string;
  /** True when the response was declared media larger than `maxMediaBytes` by its `Content-Length`: its body was not read. */
  readonly refusedUnread?: boolean;
}

/** A declared image (not SVG: text) or PDF: a body the tools may return as a content part. */
export function isDeclaredMedia(contentType: string | undefined): boolean {
  const essence = typeof contentType === 'string' ? contentType.split(';')[0]!.trim().toLowerCase() : '';
  return essence === 'application/pdf' || (essence.startsWith('image/') && essence !== 'image/svg+xml');
}

/** One request for `safeFetch`. */
export interface SafeFetchInput {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly body?: string;
  readonly contentType?: string;
  /** Caller (model) headers: only names on the allowlist; never sent across origins. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `Idempotency-Key` to the origin the caller named (never across origins). */
  readonly idempotencyKey?: string;
  readonly signal: AbortSignal;
}

/** A fetched response, body decoded as text and capped. */
export interface SafeResponse {
  readonly url: string;
  readonly status: number;
  readonly contentType: string | undefined;
  /**
   * The encoding the body was decoded with (WHATWG name: `utf-8`, `windows-1252`, `shift_jis`,
   * `utf-16le`, …): a byte order mark, else the Content-Type `charset`, else an HTML `<meta
   * charset>` or XML `encoding`, else UTF-8 — also for an unknown or unsupported label. Absent
   * when no body was read (a redirect returned unfollowed).
   */
  readonly charset?: string;
  readonly body: string;
  /** Present when the body is not the response's text as sent: `text_from_html` with the tools' `html: 'text'` (an HTML page as readable text). */
  readonly bodyFormat?: 'text_from_html';
  readonly truncated: boolean;
  readonly redirects: number;
  /**
   * Present when a redirect was deliberately not followed: a 307/308 answer to a request with
   * a body, pointing to another origin (following it would resend the body there). The body is empty.
   */
  readonly location?: string;
}

const blockedError = (message: string, details?: Record<string, unknown>) => new AgentrtError('url_blocked', message, details ? { details } : {});
const unreachable = (message: string, cause?: unknown) => new AgentrtError('http_unreachable', message, cause === undefined ? undefined : { cause });
const noop = () => undefined;

const patternCache = new Map<string, string | undefined>();

/**
 * An allowlist entry in the form URL hosts take (what `new URL()` makes of a host): lower case,
 * Unicode names in punycode (IDNA), no trailing dot, IPv6 without brackets, IPv4 in dotted form;
 * `*.` kept in front of a wildcard, `*` alone for any host. `undefined` for an entry that is not a
 * host name or pattern (a URL, a path, a port, spaces inside, empty labels, `*` elsewhere).
 */
export function normalizeHostPattern(entry: string): string | undefined {
  if (typeof entry !== 'string') return undefined;
  if (patternCache.has(entry)) return patternCache.get(entry);
  const text = entry.trim();
  let normalized: string | undefined;
  if (text === '*') normalized = '*';
  else {
    const wildcard = text.startsWith('*.');
    const host = wildcard ? text.slice(2) : text;
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (isIP(bare) === 6 && !wildcard) normalized = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
    else if (host !== '' && !/[\s/\\?#@*:%[\]]/.test(host) && !host.includes('..') && !host.startsWith('.')) {
      try {
        const name = new URL(`http://${host}/`).hostname.replace(/\.$/, '');
        if (name !== '' && !(wildcard && isIP(name))) normalized = wildcard ? `*.${name}` : name;
      } catch {
        normalized = undefined;
      }
    }
  }
  if (patternCache.size < 1_000) patternCache.set(entry, normalized);
  return normalized;
}

/**
 * Host allowlist: exact names, `*.example.com` (subdomains only) or `*` (any public host).
 * Entries are read the way URL hosts are (`normalizeHostPattern`): `API.Example.COM.` and
 * `bücher.example` match the hosts a URL parser makes of them; malformed entries match nothing.
 */
export function hostAllowed(hostname: string, allowHosts: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return allowHosts.some((entry) => {
    const p = normalizeHostPattern(entry);
    if (p === undefined) return false;
    if (p === '*') return true;
    if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
    return host === p;
  });
}

/** Settles with the promise, or rejects with the signal's reason as soon as it aborts. */
function abortable<T>(start: () => Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve().then(start).then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A vetted hop: the parsed URL and the checked address the connection is pinned to. */
export interface VettedUrl {
  readonly url: URL;
  /** The first checked address: the one a connection tries first. */
  readonly address: string;
  readonly family: 4 | 6;
  /**
   * Every checked address of the name, in the resolver's order (one for an IP literal). A
   * connection tries them in turn (IPv6 and IPv4 interleaved, as Node's `autoSelectFamily`
   * does) when one cannot be reached; it never connects anywhere else.
   */
  readonly addresses: readonly CheckedAddress[];
}

/**
 * Validates a URL and resolves and checks every address; returns the address to pin the
 * connection to. Resolver answers are validated one by one (an answer that is not an IP
 * address makes the whole lookup fail) and their family is derived from the address.
 */
export async function vetUrl(raw: string, settings: Pick<SafeFetchSettings, 'policy' | 'allowHosts' | 'allowHttp' | 'resolver' | 'allowPorts'>, signal: AbortSignal = new AbortController().signal): Promise<VettedUrl> {
  if (typeof raw !== 'string') throw blockedError('the URL must be a string');
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
  // The URL parser has already normalized the port (an empty port is the scheme's default; 0080 is 80; >65535 does not parse).
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const allowPorts = settings.allowPorts ?? DEFAULT_ALLOW_PORTS;
  if (!allowPorts.includes(port)) throw blockedError(`port ${port} is not allowed (allowPorts: ${allowPorts.slice(0, 20).join(', ')}${allowPorts.length > 20 ? ', …' : ''})`, { port });
  settings.policy.checkName(hostname);
  if (isIP(hostname)) {
    const checked = settings.policy.check(hostname);
    return { url, ...checked, addresses: [checked] };
  }
  let answers: unknown;
  try {
    // `example.com.` is the fully qualified `example.com`: resolvers (a custom map, /etc/hosts through getaddrinfo) know the name without the dot.
    const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
    answers = await abortable(() => settings.resolver(name), signal);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw unreachable(`cannot resolve "${hostname}"`, error);
  }
  if (!Array.isArray(answers) || answers.length > 256) throw unreachable(`the resolver returned a malformed answer for "${hostname}"`);
  if (answers.length === 0) throw unreachable(`"${hostname}" has no addresses`);
  // Every answer must be an IP address and pass: a name resolving to one public and one private address is refused.
  const checked: CheckedAddress[] = [];
  for (const answer of answers as unknown[]) {
    const address = typeof answer === 'object' && answer !== null ? (answer as { address?: unknown }).address : undefined;
    const normalized = normalizeAddress(address);
    if (!normalized) throw unreachable(`the resolver returned a malformed address for "${hostname}": ${JSON.stringify(String(address)).slice(0, 80)}`);
    checked.push(settings.policy.check(normalized.address));
  }
  return { url, ...checked[0]!, addresses: checked };
}

/**
 * Checks caller headers against the allowlist and returns them with lower-case names. Throws
 * `header_blocked` for a name off the allowlist or a value with control characters.
 */
export function checkRequestHeaders(headers: unknown, allowed: readonly string[] = DEFAULT_REQUEST_HEADERS): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (headers === undefined || headers === null) return out;
  if (typeof headers !== 'object' || Array.isArray(headers)) throw new AgentrtError('header_blocked', 'headers must be an object of name → value');
  const allow = new Set(allowed.map((name) => name.toLowerCase()));
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    const value = (headers as Record<string, unknown>)[name];
    if (!allow.has(lower) || NEVER_ALLOWED_HEADERS.includes(lower)) {
      throw new AgentrtError('header_blocked', `request header "${name.slice(0, 64)}" is not allowed; allowed: ${[...allow].join(', ') || 'none'}`);
    }
    if (typeof value !== 'string' || value.length > 1_000 || !/^[\t\x20-\x7e]*$/.test(value)) {
      throw new AgentrtError('header_blocked', `request header "${name}" must be printable ASCII text of at most 1000 characters`);
    }
    out[lower] = value;
  }
  return out;
}

/** An idempotency key as a header value: sent as is when it is printable ASCII, else as a digest of it. */
function keyHeader(key: string): string {
  return /^[\x21-\x7e]{1,200}$/.test(key) ? key : `sha256-${createHash('sha256').update(key).digest('hex')}`;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header value as the text a browser reads: Node hands header bytes over as latin-1, so a
 * `Location` with raw UTF-8 (`/café`) would become `/cafÃ©`. Valid UTF-8 is decoded as such;
 * other bytes above 0x7F are percent-encoded as the bytes they are (what curl sends).
 */
function headerText(value: string | undefined): string | undefined {
  if (value === undefined || !/[\x80-\xff]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return value.replace(/[\x80-\xff]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  }
}

/** An error of Node's HTTP parser (llhttp): the server answered, but not in HTTP. */
const isParseError = (error: unknown): boolean => /^HPE_/.test(String((error as NodeJS.ErrnoException)?.code ?? ''));
/** The parser's error for a request whose response had already begun (the body broke), by request. */
const PARSE_ERRORS = new WeakMap<ClientRequest, unknown>();

/** Ends an exchange we no longer want: the socket is destroyed, never drained (an endless body stops at once). */
function discard(req: ClientRequest | undefined, response: IncomingMessage | undefined): void {
  response?.on('error', noop);
  response?.destroy();
  req?.on('error', noop);
  req?.destroy();
}

/**
 * Fetches a URL without a server-side request forgery window: per hop it validates the URL,
 * resolves the name, checks every address, and connects to the checked address (no second
 * resolution, no rebinding). Redirects are followed by hand and re-validated; caller headers,
 * the idempotency key and a body never cross origins (a 307/308 to another origin for a request
 * with a body is returned unfollowed, with `location`). Every response not returned — redirect
 * bodies, bodies past the size cap, timed-out transfers — is destroyed, never drained. Body size
 * (after decompression) and total time (including DNS) are capped; every outcome is a value or
 * a typed `AgentrtError`.
 */
export async function safeFetch(input: SafeFetchInput, settings: SafeFetchSettings): Promise<SafeResponse> {
  const { bytes, declaredBytes: _declared, contentDisposition: _disposition, refusedUnread: _refused, ...response } = await safeFetchBytes(input, { ...settings, maxMediaBytes: undefined });
  if (response.location !== undefined) return { ...response, body: '' };
  const { text, charset } = decodeBody(bytes, response.contentType, response.truncated);
  return { ...response, charset, body: text };
}

/**
 * `safeFetch` without the text decoding: the body as bytes (capped after decompression), for
 * callers that decide by the bytes what the body is. A body declared an image or a PDF is capped
 * at `maxMediaBytes` (when set) instead of `maxResponseBytes`, and is not read at all
 * when its `Content-Length` already exceeds it (`refusedUnread`).
 */
export async function safeFetchBytes(input: SafeFetchInput, settings: SafeFetchSettings): Promise<SafeBytesResponse> {
  const callerHeaders = checkRequestHeaders(input.headers, settings.allowRequestHeaders);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AgentrtError('http_timeout', `no complete response within ${settings.timeoutMs} ms`)), settings.timeoutMs);
  const onAbort = () => controller.abort(input.signal.reason);
  if (input.signal.aborted) onAbort();
  else input.signal.addEventListener('abort', onAbort, { once: true });
  let exchange: { req: ClientRequest; response: IncomingMessage } | undefined;
  try {
    let method = input.method;
    let body = input.body;
    let current = input.url;
    let origin: string | undefined;
    for (let hop = 0; ; hop++) {
      const { url, addresses } = await vetUrl(current, settings, controller.signal);
      if (controller.signal.aborted) throw controller.signal.reason;
      // Caller headers and the idempotency key only go to the origin the caller named.
      origin ??= url.origin;
      const sameOrigin = origin === url.origin;
      exchange = await request({
        url, addresses, method, body, contentType: input.contentType,
        headers: sameOrigin ? callerHeaders : {},
        idempotencyKey: sameOrigin ? input.idempotencyKey : undefined,
        signal: controller.signal, userAgent: settings.userAgent,
      });
      const { response } = exchange;
      const status = response.statusCode ?? 0;
      const location = headerText(response.headers.location);
      if (REDIRECTS.has(status) && location) {
        discard(exchange.req, response);
        exchange = undefined;
        if (hop >= settings.maxRedirects) throw blockedError(`more than ${settings.maxRedirects} redirects`);
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new AgentrtError('http_response_invalid', `redirect to an invalid location ${JSON.stringify(location.slice(0, 200))}`);
        }
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        } else if (body !== undefined && next.origin !== origin) {
          // 307/308 keep method and body: never resend a body to another origin.
          return { url: url.href, status, contentType: response.headers['content-type'], bytes: Buffer.alloc(0), truncated: false, redirects: hop, location: next.href };
        }
        current = next.href;
        continue;
      }
      const { req } = exchange;
      const contentType = response.headers['content-type'];
      const disposition = response.headers['content-disposition'];
      const coded = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
      const length = /^\d{1,15}$/.test(String(response.headers['content-length'] ?? '')) && (coded === '' || coded === 'identity') ? Number(response.headers['content-length']) : undefined;
      const described = { url: url.href, status, contentType, redirects: hop, ...(length !== undefined ? { declaredBytes: length } : {}), ...(typeof disposition === 'string' ? { contentDisposition: disposition } : {}) };
      const media = settings.maxMediaBytes !== undefined && isDeclaredMedia(contentType);
      // Past maxMediaBytes a declared image or PDF is refused anyway: reading further would only cost time and memory.
      const cap = media ? settings.maxMediaBytes! : settings.maxResponseBytes;
      // A declared image or PDF larger than the cap is refused before a byte of it is read (a 1 GB "image").
      if (media && length !== undefined && length > cap) return { ...described, bytes: Buffer.alloc(0), truncated: true, refusedUnread: true };
      const { bytes, truncated } = await readCapped(response, cap, controller.signal).catch((error: unknown) => {
        // A body the parser refuses (a broken chunk size) ends the response with a bare "aborted"; the cause went to the request.
        throw isParseError(PARSE_ERRORS.get(req)) ? PARSE_ERRORS.get(req) : error;
      });
      return { ...described, bytes, truncated };
    }
  } catch (error) {
    if (controller.signal.aborted && AgentrtError.isInstance(controller.signal.reason)) throw controller.signal.reason;
    if (AgentrtError.isInstance(error)) throw error;
    if (input.signal.aborted) throw input.signal.reason;
    // Node's HTTP parser (llhttp) refused the answer: the host was reached, what it sent is not HTTP.
    if (isParseError(error)) {
      throw new AgentrtError('http_response_invalid', `the server's answer is not valid HTTP (${(error as NodeJS.ErrnoException).code}: ${(error as Error).message})`, { cause: error });
    }
    throw unreachable(`the request failed: ${failureText(error)}`, error);
  } finally {
    clearTimeout(timer);
    input.signal.removeEventListener('abort', onAbort);
    if (exchange) discard(exchange.req, exchange.response);
  }
}

interface RequestInput {
  readonly url: URL;
  readonly addresses: readonly CheckedAddress[];
  readonly method: string;
  readonly body: string | undefined;
  readonly contentType: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly idempotencyKey: string | undefined;
  readonly signal: AbortSignal;
  readonly userAgent: string;
}

/** A failure in words; a connection that tried several addresses fails with an AggregateError whose own message is empty. */
function failureText(error: unknown): string {
  const errors = (error as { errors?: unknown })?.errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.map((each) => (each as Error)?.message ?? String(each)).join('; ');
  return (error as Error)?.message || String(error);
}

/**
 * The connection's own lookup, answering with the checked addresses only (no DNS at all): with
 * `autoSelectFamily` the socket tries them in turn, so a name whose first address is unreachable
 * (a dual-stack host without a route for IPv6, a pool member down) is reached at the next.
 */
function pinnedLookup(addresses: readonly CheckedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const answer = addresses.map(({ address, family }) => ({ address, family }));
    if ((options as { all?: boolean }).all) (callback as (error: null, answers: typeof answer) => void)(null, answer);
    else callback(null, answer[0]!.address, answer[0]!.family);
  };
}

/** One HTTP exchange up to the response head, connected to a checked address (no DNS at all). */
function request(input: RequestInput): Promise<{ req: ClientRequest; response: IncomingMessage }> {
  const secure = input.url.protocol === 'https:';
  const hostname = input.url.hostname.startsWith('[') ? input.url.hostname.slice(1, -1) : input.url.hostname;
  const [first] = input.addresses;
  const target = input.addresses.length > 1
    ? { host: hostname, lookup: pinnedLookup(input.addresses), autoSelectFamily: true }
    : { host: first!.address, family: first!.family };
  const { 'user-agent': agent, accept, 'content-type': headerType, ...rest } = input.headers;
  return new Promise((resolve, reject) => {
    let req: ClientRequest;
    try {
      req = (secure ? https : http).request({
        ...target,
        port: input.url.port || (secure ? 443 : 80),
        path: `${input.url.pathname}${input.url.search}`,
        method: input.method,
        // A fresh connection per exchange: nothing pooled outlives the call.
        agent: false,
        signal: input.signal,
        // TLS: SNI and certificate checks use the name from the URL, not the pinned address.
        ...(secure && !isIP(hostname) ? { servername: hostname } : {}),
        headers: {
          ...rest,
          host: input.url.host,
          'user-agent': agent ?? input.userAgent,
          accept: accept ?? '*/*',
          'accept-encoding': 'gzip, deflate, br',
          ...(input.idempotencyKey !== undefined ? { 'idempotency-key': keyHeader(input.idempotencyKey) } : {}),
          ...(input.body !== undefined ? { 'content-type': input.contentType ?? headerType ?? 'application/json', 'content-length': Buffer.byteLength(input.body) } : headerType !== undefined ? { 'content-type': headerType } : {}),
        },
      });
    } catch (error) {
      reject(error);
      return;
    }
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) {
        if (isParseError(error)) PARSE_ERRORS.set(req, error);
        return;
      }
      settled = true;
      reject(error);
    };
    req.on('error', fail);
    req.on('response', (response) => {
      response.on('error', noop); // errors surface through readCapped's pipeline; never unhandled
      settled = true;
      resolve({ req, response });
    });
    // A 101 (or any upgrade) answer to a request that asked for none: Node hands the socket to an
    // 'upgrade' listener, or destroys it without an error or a response when there is none — which
    // would leave this promise pending forever. Refuse it and close the connection.
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      fail(new AgentrtError('http_response_invalid', `the server answered ${response.statusCode ?? 'an upgrade'} (switching protocols) to a plain ${input.method}`));
    });
    // Whatever else ends the exchange without a response or an error (never a pending promise).
    req.on('close', () => fail(input.signal.aborted ? input.signal.reason : new AgentrtError('http_unreachable', 'the connection closed without a response')));
    req.end(input.body);
  });
}

/** Most content codings decoded for one response (curl's limit): more is `http_response_invalid`. */
const MAX_CODINGS = 5;

/** An error raised by a zlib or brotli decoder (bad or cut data), not by the connection. */
const isDecoderError = (error: unknown): boolean => /^(Z_|ERR__ERROR_|ERR_BROTLI)/.test(String((error as NodeJS.ErrnoException)?.code ?? ''));

/**
 * The decoders of a `Content-Encoding` list, in the order they undo it (the last coding applied
 * first). Known codings: gzip (`x-gzip`), deflate — zlib-wrapped, or raw as some servers send it
 * (told apart by the first two bytes, as browsers do) — and br. `identity` and codings this
 * client never asks for (nor a misconfigured `utf-8`) pass the bytes through as they are.
 */
function decodersFor(header: string, first: Buffer): Transform[] {
  const codings = header.split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== '' && coding !== 'identity');
  const known = (coding: string) => coding === 'gzip' || coding === 'x-gzip' || coding === 'deflate' || coding === 'br';
  if (!codings.every(known)) return [];
  // Each coding costs a decoder (memory, CPU per byte): a header naming thousands of them would
  // cost seconds and tens of MB for a tiny body (curl's CVE-2022-32206). Real servers apply one or two.
  if (codings.length > MAX_CODINGS) throw new AgentrtError('http_response_invalid', `the response applies ${codings.length} content codings; at most ${MAX_CODINGS} are decoded`);
  // A zlib stream starts with a CMF byte of method 8 and a check making CMF·256 + FLG a multiple of 31.
  const zlibWrapped = first.length < 2 || ((first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0);
  return codings.reverse().map((coding, index) => {
    if (coding === 'br') return createBrotliDecompress();
    if (coding === 'deflate') return index === 0 && !zlibWrapped ? createInflateRaw() : createInflate();
    return createGunzip();
  });
}

/**
 * Reads the body through its decoders with `pipeline` (an error anywhere reaches everything), up
 * to `maxBytes` bytes (counted after decompression, before charset decoding). An empty body — a
 * 204 or 304, or one of no bytes — is empty whatever its `Content-Encoding` says.
 */
async function readCapped(response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<{ bytes: Buffer; truncated: boolean }> {
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  let decoders: Transform[] = [];
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const sink = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      const room = maxBytes - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        truncated = true;
        response.destroy(); // a read of the body still pending (a server stalling after the cap) ends now
        return; // stop reading: a compression bomb or endless body never gets further
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  };
  const onAbort = () => {
    response.destroy(signal.reason as Error);
    for (const decoder of decoders) decoder.destroy(signal.reason as Error);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal.aborted) throw signal.reason;
    // The first chunk picks the decoders (raw or wrapped deflate); no chunk at all is an empty body.
    const body = response[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const first = await body.next();
    if (first.done) return { bytes: Buffer.alloc(0), truncated: false };
    decoders = decodersFor(encoding, first.value);
    const source = (async function* () {
      yield first.value;
      for (let next = await body.next(); !next.done; next = await body.next()) yield next.value;
    })();
    await (pipeline as (...streams: unknown[]) => Promise<void>)(source, ...decoders, sink);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (!truncated) {
      // Brotli reports bad data as ERR__ERROR_FORMAT_… (and a cut stream as Z_BUF_ERROR): the body is invalid, the host was reached.
      if (isDecoderError(error)) {
        throw new AgentrtError('http_response_invalid', `the response body could not be decoded (${encoding.slice(0, 100)}${encoding.length > 100 ? '…' : ''}): ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    for (const decoder of decoders) {
      decoder.on('error', noop);
      decoder.destroy();
    }
    response.destroy();
  }
  return { bytes: Buffer.concat(chunks), truncated };
}
