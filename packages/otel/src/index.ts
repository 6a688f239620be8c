import { defaultOtelPlugin } from './otel-plugin.js';

export { otelPlugin, defaultOtelPlugin } from './otel-plugin.js';
export { createOtelHooks, errorTypeOf, INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './otel-hooks.js';
export { resolveOtelOptions } from './options.js';
export type { OtelOptions, ResolvedOtelOptions } from './options.js';
export { ATTR, EVENT, METRIC, BUCKETS, ANNOTATION } from './attributes.js';
export { toOtelMessages, finishReason, DEFAULT_MAX_CONTENT_TOTAL_CHARS, TRUNCATED_PART } from './content.js';
export type { OtelMessage } from './content.js';
export default defaultOtelPlugin;
