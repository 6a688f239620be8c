import { ConfigError, defineTool, type Tool } from '@agentrt/core';
import { z } from 'zod';
import { AddressPolicy } from './address-policy.js';
import { safeFetch, systemResolver, type Resolver, type SafeFetchSettings } from './safe-fetch.js';

/** Options of the HTTP pack. */
export interface HttpToolOptions {
  /** Hosts the tools may reach: exact names, `*.example.com`, or `*` for any public host. Required. */
  readonly allowHosts: readonly string[];
  /** Allow plain `http:` (default false: https only). */
  readonly allowHttp?: boolean;
  /** Private addresses/CIDRs that are nevertheless allowed (e.g. an internal API). Default none. */
  readonly allowPrivateAddresses?: readonly string[];
  /** Total time per request including redirects. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Largest body returned, after decompression. Default 1 MiB. */
  readonly maxResponseBytes?: number;
  /** Default 5. */
  readonly maxRedirects?: number;
  /** Register `http_post` (a non-idempotent tool). Default false. */
  readonly allowPost?: boolean;
  /** Custom DNS (tests, split-horizon DNS). Default: the system resolver. */
  readonly resolver?: Resolver;
  readonly userAgent?: string;
}

export const httpOptionsSchema = z.strictObject({
  allowHosts: z.array(z.string().min(1)).min(1),
  allowHttp: z.boolean().optional(),
  allowPrivateAddresses: z.array(z.string().min(1)).optional(),
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
  maxResponseBytes: z.number().int().min(1).max(64 * 2 ** 20).optional(),
  maxRedirects: z.number().int().min(0).max(20).optional(),
  allowPost: z.boolean().optional(),
  resolver: z.custom<Resolver>((v) => typeof v === 'function').optional(),
  userAgent: z.string().optional(),
});

/** Headers the model may not set: credentials and hop-by-hop control stay with the runtime. */
const FORBIDDEN_HEADERS = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|host|content-length|transfer-encoding|connection|upgrade|te|forwarded|x-forwarded-.*)$/i;
const headersSchema = z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.string().max(1_000))
  .refine((h) => Object.keys(h).every((k) => !FORBIDDEN_HEADERS.test(k)), 'credential and connection headers cannot be set by the model')
  .optional();

/** `http_get` (and `http_post` when allowed) behind the host allowlist and SSRF checks. */
export function createHttpTools(options: HttpToolOptions): Tool[] {
  const parsed = httpOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError([...issue.path.map(String), ...((issue as { keys?: string[] }).keys ?? [])].join('.') || 'allowHosts', issue.message);
  }
  const settings: SafeFetchSettings = {
    policy: new AddressPolicy(options.allowPrivateAddresses),
    allowHosts: options.allowHosts,
    allowHttp: options.allowHttp ?? false,
    resolver: options.resolver ?? systemResolver,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxResponseBytes: options.maxResponseBytes ?? 2 ** 20,
    maxRedirects: options.maxRedirects ?? 5,
    userAgent: options.userAgent ?? 'agentrt-tools-http/0.1',
  };
  const url = z.string().min(1).max(4_096).describe('Absolute https URL on an allowed host');
  const tools: Tool[] = [
    defineTool({
      name: 'http_get',
      description: `Fetches a URL with GET. Allowed hosts: ${options.allowHosts.join(', ')}. Returns status, content type and the body text (capped).`,
      input: z.object({ url, headers: headersSchema }),
      timeoutMs: settings.timeoutMs + 1_000,
      execute: ({ url: target, headers }, ctx) => safeFetch({ url: target, method: 'GET', ...(headers ? { headers } : {}), signal: ctx.signal }, settings),
    }),
  ];
  if (options.allowPost) {
    tools.push(defineTool({
      name: 'http_post',
      description: `Sends a POST with a text or JSON body. Allowed hosts: ${options.allowHosts.join(', ')}.`,
      input: z.object({ url, body: z.string().max(1_000_000), contentType: z.string().max(100).optional(), headers: headersSchema }),
      sideEffects: 'non-idempotent',
      timeoutMs: settings.timeoutMs + 1_000,
      execute: ({ url: target, body, contentType, headers }, ctx) =>
        safeFetch({ url: target, method: 'POST', body, ...(contentType ? { contentType } : {}), ...(headers ? { headers: { ...headers, 'idempotency-key': ctx.idempotencyKey } } : { headers: { 'idempotency-key': ctx.idempotencyKey } }), signal: ctx.signal }, settings),
    }));
  }
  return tools;
}
