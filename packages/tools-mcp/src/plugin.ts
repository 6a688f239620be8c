import { definePlugin, TOKENS } from '@agentrt/core';
import { z } from 'zod';
import { McpBridge, type McpServerConfig, type ToolChange } from './mcp-bridge.js';

/** Options of the MCP plugin. */
export interface McpPluginOptions {
  readonly servers: readonly McpServerConfig[];
  /** Told when a tool is disabled because its definition changed. */
  readonly onToolChanged?: (change: ToolChange) => void;
}

export const mcpOptionsSchema = z.strictObject({
  servers: z.array(z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,24}$/),
    command: z.string().min(1),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
    tools: z.array(z.string()).optional(),
  })).min(1),
  onToolChanged: z.custom<(change: ToolChange) => void>((v) => typeof v === 'function').optional(),
});

/** Starts each MCP server, registers its tools, and closes the servers with the runtime. Needs `createRuntimeAsync`. */
export const mcpPlugin = definePlugin<McpPluginOptions>({
  name: '@agentrt/tools-mcp',
  version: '0.1.0',
  options: mcpOptionsSchema as never,
  async register(container, options) {
    for (const server of options.servers) {
      const bridge = await McpBridge.connect(server, options.onToolChanged ? { onToolChanged: options.onToolChanged } : {});
      container.register(TOKENS.Disposable, { useValue: bridge });
      for (const tool of bridge.tools()) container.register(TOKENS.Tool, { useValue: tool });
    }
  },
});
