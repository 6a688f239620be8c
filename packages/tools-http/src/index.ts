import { httpPlugin } from './plugin.js';

export { createHttpTools, httpOptionsSchema, checkUrl } from './http-tools.js';
export type { HttpToolOptions } from './http-tools.js';
export { safeFetch, safeFetchBytes, isDeclaredMedia, hostAllowed, normalizeHostPattern, systemResolver, vetUrl, checkRequestHeaders, DEFAULT_ALLOW_PORTS, DEFAULT_REQUEST_HEADERS, NEVER_ALLOWED_HEADERS } from './safe-fetch.js';
export type { Resolver, SafeResponse, SafeBytesResponse, SafeFetchInput, SafeFetchSettings, VettedUrl } from './safe-fetch.js';
export { fileNameOf } from './media-result.js';
export { htmlToText } from './html-text.js';
export type { BinaryNote, MediaMode } from './media-result.js';
// The address policy lives in core (shared with @agentrt/tools-mcp); re-exported for compatibility.
export { AddressPolicy, normalizeAddress } from '@agentrt/core';
export type { CheckedAddress } from '@agentrt/core';
export { httpPlugin } from './plugin.js';
export default httpPlugin;
