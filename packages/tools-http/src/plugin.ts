import { definePlugin, TOKENS } from '@agentrt/core';
import { createHttpTools, httpOptionsSchema, type HttpToolOptions } from './http-tools.js';

/** The HTTP pack as a plugin; `allowHosts` is required. */
export const httpPlugin = definePlugin<HttpToolOptions>({
  name: '@agentrt/tools-http',
  version: '0.1.0',
  options: httpOptionsSchema as never,
  register(container, options) {
    for (const tool of createHttpTools(options)) container.register(TOKENS.Tool, { useValue: tool });
  },
});
