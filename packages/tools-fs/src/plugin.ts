import { definePlugin, TOKENS } from '@agentrt/core';
import { createFsTools, fsOptionsSchema, type FsToolOptions } from './fs-tools.js';

/** The filesystem pack as a plugin; `root` is required (there is no allow-everything default). */
export const fsPlugin = definePlugin<FsToolOptions>({
  name: '@agentrt/tools-fs',
  version: '0.1.0',
  options: fsOptionsSchema,
  register(container, options) {
    for (const tool of createFsTools(options)) container.register(TOKENS.Tool, { useValue: tool });
  },
});
