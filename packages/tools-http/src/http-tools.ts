import { AddressPolicy, ConfigError, DEFAULT_MAX_PART_BYTES, defineTool, type Tool } from '@agentrt/core';
import { z } from 'zod';
import { responseResult, type MediaMode, type ResultSettings } from './media-result.js';
import { checkRequestHeaders, DEFAULT_ALLOW_PORTS, DEFAULT_REQUEST_HEADERS, NEVER_ALLOWED_HEADERS, normalizeHostPattern, safeFetchBytes, systemResolver, vetUrl, type Resolver, type SafeFetchSettings } from './safe-fetch.js';

/** Options of the HTTP pack. */
export interface HttpToolOptions {
  /** Hosts the tools may reach: exact names, `*.example.com`, or `*` for any public host. Required. */
  readonly allowHosts: readonly string[];
  /** Allow plain `http:` (default false: https only). */
  readonly allowHttp?: boolean;
  /**
   * Ports a URL and every redirect hop may name (the scheme's default port when it names none).
   * Default `[80, 443]`. Each entry is an integer in 1..65535. Any other port is refused with
   * `url_blocked` (`details.port`) before DNS or a connection.
   */
  readonly allowPorts?: readonly number[];
  /** Private addresses/CIDRs that are nevertheless allowed (e.g. an internal API). Default none. */
  readonly allowPrivateAddresses?: readonly string[];
  /** Total time per request including DNS and redirects. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Largest body returned, after decompression. Default 1 MiB. */
  readonly maxResponseBytes?: number;
  /** Default 5. */
  readonly maxRedirects?: number;
  /** Register `http_post` (a non-idempotent tool). Default false. */
  readonly allowPost?: boolean;
  /** Custom DNS (tests, split-horizon DNS). Default: the system resolver. Answers are validated; their `family` is ignored. */
  readonly resolver?: Resolver;
  readonly userAgent?: string;
  /**
   * Request headers the model may set (case-insensitive), replacing the default
   * `DEFAULT_REQUEST_HEADERS` (accept, accept-language, cache-control, content-type, if-match,
   * if-modified-since, if-none-match, if-range, if-unmodified-since, range, user-agent).
   * Framing and connection headers (`NEVER_ALLOWED_HEADERS`) cannot be listed. Any other
   * header the model sends is refused. Listing a credential header (`authorization`, `cookie`)
   * lets the model send credentials: they still never cross origins on a redirect.
   */
  readonly allowRequestHeaders?: readonly string[];
  /**
   * Largest tool result, in characters of its JSON text. Default 32 000, below the runtime's
   * default `maxToolOutputChars` (32 768), which cuts longer output out of its middle: a longer
   * body is cut here instead, from its end, and the result says `truncated: true`. Raise it
   * together with `maxToolOutputChars`. (`safeFetch` itself is bounded by `maxResponseBytes` only.)
   */
  readonly maxResultChars?: number;
  /**
   * Largest image or PDF returned as a content part, in bytes. Default 5 MiB (core's default
   * `limits.maxPartBytes`; keep it at or below that limit). A response declared an image or a PDF
   * is read up to this many bytes (instead of `maxResponseBytes`) and not read at all when its
   * `Content-Length` says more; a larger one is returned as a note (`binary: true, tooLarge: true`).
   */
  readonly maxMediaBytes?: number;
  /**
   * `parts` (default): images and PDFs are returned as content parts. `text`: as a note of what
   * they are (type, size) — for a model that takes no images or files (else the run stops with
   * `unsupported_content` before the next model call).
   */
  readonly media?: MediaMode;
  /**
   * How an HTML body (`text/html`, `application/xhtml+xml`) is returned. `raw` (default): its
   * markup, as sent. `text`: as readable text — script, style and other non-text content dropped,
   * headings as `#` lines, links as `text (url)`, list items as `- ` lines, entities decoded; the
   * result says `bodyFormat: 'text_from_html'`. One linear pass (no DOM), so hostile markup (deep
   * nesting, megabytes of `<`, an unclosed comment or `<script>`) costs time in proportion to its
   * size, which `maxResponseBytes` bounds.
   */
  readonly html?: 'raw' | 'text';
}

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'a header name (token characters, at most 64)');

export const httpOptionsSchema = z.strictObject({
  allowHosts: z.array(z.string().min(1).refine((entry) => normalizeHostPattern(entry) !== undefined, 'a host name, "*.example.com" or "*" (no scheme, path, port or spaces)')).min(1),
  allowHttp: z.boolean().optional(),
  allowPorts: z.array(z.number().int().min(1).max(65_535)).min(1).max(65_535).optional(),
  allowPrivateAddresses: z.array(z.string().min(1)).optional(),
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
  maxResponseBytes: z.number().int().min(1).max(64 * 2 ** 20).optional(),
  maxRedirects: z.number().int().min(0).max(20).optional(),
  allowPost: z.boolean().optional(),
  resolver: z.custom<Resolver>((v) => typeof v === 'function').optional(),
  userAgent: z.string().max(200).regex(/^[\x20-\x7e]*$/, 'printable ASCII').optional(),
  maxResultChars: z.number().int().min(1_000).max(64 * 2 ** 20).optional(),
  maxMediaBytes: z.number().int().min(1).max(64 * 2 ** 20).optional(),
  media: z.enum(['parts', 'text']).optional(),
  html: z.enum(['raw', 'text']).optional(),
  allowRequestHeaders: z.array(headerName.refine((name) => !NEVER_ALLOWED_HEADERS.includes(name.toLowerCase()), 'framing, connection and idempotency headers cannot be allowed')).max(100).optional(),
});

function parseHttpOptions(options: HttpToolOptions): void {
  const parsed = httpOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError([...issue.path.map(String), ...((issue as { keys?: string[] }).keys ?? [])].join('.') || 'allowHosts', issue.message);
  }
}

function settingsOf(options: HttpToolOptions): SafeFetchSettings {
  return {
    policy: new AddressPolicy(options.allowPrivateAddresses),
    allowHosts: options.allowHosts,
    allowHttp: options.allowHttp ?? false,
    allowPorts: Object.freeze([...new Set(options.allowPorts ?? DEFAULT_ALLOW_PORTS)]),
    resolver: options.resolver ?? systemResolver,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxResponseBytes: options.maxResponseBytes ?? 2 ** 20,
    maxRedirects: options.maxRedirects ?? 5,
    userAgent: options.userAgent ?? 'agentrt-tools-http/0.1',
    allowRequestHeaders: (options.allowRequestHeaders ?? DEFAULT_REQUEST_HEADERS).map((name) => name.toLowerCase()),
    maxMediaBytes: options.maxMediaBytes ?? DEFAULT_MAX_PART_BYTES,
  };
}

/**
 * Runs the checks the tools make before connecting — scheme, credentials, host allowlist, port,
 * local names, DNS resolution and every resolved address — without connecting. Returns the
 * URL and the address a fetch would be pinned to; throws `url_blocked` (or `http_unreachable`
 * when the name does not resolve). Useful to preview a policy and in conformance tests.
 */
export async function checkUrl(url: string, options: HttpToolOptions, signal?: AbortSignal): Promise<{ url: string; address: string; family: 4 | 6 }> {
  parseHttpOptions(options);
  const vetted = await vetUrl(url, settingsOf(options), signal);
  return { url: vetted.url.href, address: vetted.address, family: vetted.family };
}

/**
 * `http_get` (and `http_post` when allowed) behind the host allowlist, SSRF checks and a
 * request-header allowlist. Throws `config_invalid` (naming the field) for bad options.
 */
export function createHttpTools(options: HttpToolOptions): Tool[] {
  parseHttpOptions(options);
  const settings = settingsOf(options);
  const results: ResultSettings = {
    media: options.media ?? 'parts',
    maxMediaBytes: settings.maxMediaBytes!,
    maxResponseBytes: settings.maxResponseBytes,
    maxResultChars: options.maxResultChars ?? 32_000,
    html: options.html ?? 'raw',
  };
  const unsupportedContentHint = 'Images and PDFs fetched by @agentrt/tools-http are content parts; for a model that takes none, set media: "text" in its options';
  const allowed = settings.allowRequestHeaders!;
  const headersSchema = z.record(z.string().max(64), z.string().max(1_000))
    .superRefine((headers, context) => {
      try {
        checkRequestHeaders(headers, allowed);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .describe(allowed.length ? `Optional request headers; only these names are accepted: ${allowed.join(', ')}` : 'No request headers may be set')
    .optional();
  const url = z.string().min(1).max(4_096).describe('Absolute https URL on an allowed host');
  const tools: Tool[] = [
    defineTool({
      name: 'http_get',
      description: `Fetches a URL with GET. Allowed hosts: ${options.allowHosts.join(', ')}. Returns status, content type and the body text (capped${results.html === 'text' ? '; an HTML page as readable text' : ''})${results.media === 'parts' ? '; a PNG, JPEG, GIF or WebP image or a PDF is returned as an image or file' : ''}; other binary bodies are described (type, size), not shown.`,
      input: z.object({ url, headers: headersSchema }),
      timeoutMs: settings.timeoutMs + 1_000,
      unsupportedContentHint,
      execute: async ({ url: target, headers }, ctx) => responseResult(await safeFetchBytes({ url: target, method: 'GET', ...(headers ? { headers } : {}), signal: ctx.signal }, settings), results),
    }),
  ];
  if (options.allowPost) {
    tools.push(defineTool({
      name: 'http_post',
      description: `Sends a POST with a text or JSON body. Allowed hosts: ${options.allowHosts.join(', ')}. A 307/308 redirect to another origin is returned, not followed (the body is never resent elsewhere).`,
      input: z.object({ url, body: z.string().max(1_000_000), contentType: z.string().max(100).regex(/^[\x20-\x7e]*$/).optional(), headers: headersSchema }),
      sideEffects: 'non-idempotent',
      timeoutMs: settings.timeoutMs + 1_000,
      unsupportedContentHint,
      execute: async ({ url: target, body, contentType, headers }, ctx) =>
        responseResult(await safeFetchBytes({ url: target, method: 'POST', body, ...(contentType ? { contentType } : {}), ...(headers ? { headers } : {}), idempotencyKey: ctx.idempotencyKey, signal: ctx.signal }, settings), results),
    }));
  }
  return tools;
}
