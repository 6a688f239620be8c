import { httpPlugin } from './plugin.js';

export { createHttpTools, httpOptionsSchema } from './http-tools.js';
export type { HttpToolOptions } from './http-tools.js';
export { safeFetch, hostAllowed, systemResolver } from './safe-fetch.js';
export type { Resolver, SafeResponse } from './safe-fetch.js';
export { AddressPolicy } from './address-policy.js';
export { httpPlugin } from './plugin.js';
export default httpPlugin;
