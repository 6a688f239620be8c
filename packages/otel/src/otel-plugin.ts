import { definePlugin, TOKENS, type Plugin } from '@agentrt/core';
import { hooksFromResolved, INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './otel-hooks.js';
import { resolveOtelOptions, type OtelOptions } from './options.js';

/**
 * The OpenTelemetry plugin: registers hooks that emit GenAI spans and metrics for every run of
 * the runtime. Options are validated at once (a bad one throws `ConfigError` naming the field).
 *
 * @example
 * ```ts
 * import { otelPlugin } from '@agentrt/otel';
 * const runtime = createRuntime({ model, tools, plugins: [otelPlugin({ agentName: 'support', captureContent: false })] });
 * ```
 */
export function otelPlugin(options: OtelOptions = {}): Plugin {
  const resolved = resolveOtelOptions(options, `plugins.${INSTRUMENTATION_NAME}`);
  return definePlugin({
    name: INSTRUMENTATION_NAME,
    version: INSTRUMENTATION_VERSION,
    register(container) {
      container.register(TOKENS.Hook, { useValue: hooksFromResolved(resolved) });
    },
  });
}

/**
 * The plugin for loading by specifier, with JSON options only (global tracer and meter providers):
 * `plugins: ['@agentrt/otel']` or `[{ module: '@agentrt/otel', options: { agentName: 'support' } }]`.
 */
export const defaultOtelPlugin = definePlugin<OtelOptions | undefined>({
  name: INSTRUMENTATION_NAME,
  version: INSTRUMENTATION_VERSION,
  register(container, options) {
    const resolved = resolveOtelOptions(options ?? {}, `plugins.${INSTRUMENTATION_NAME}`);
    container.register(TOKENS.Hook, { useValue: hooksFromResolved(resolved) });
  },
});
