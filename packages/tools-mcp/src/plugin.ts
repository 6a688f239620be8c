import { ConfigError, definePlugin, TOKENS } from '@agentrt/core';
import { z } from 'zod';
import { mcpServerSchema, resolveServerConfig, type McpServerConfig } from './config.js';
import { McpBridge, type McpLogEntry, type ToolChange } from './mcp-bridge.js';

/** Options of the MCP plugin. */
export interface McpPluginOptions {
  readonly servers: readonly McpServerConfig[];
  /** Told when a tool is disabled (changed, removed) or a new one waits for approval; call `bridge.approveChanges(tool)` to accept it. */
  readonly onToolChanged?: (change: ToolChange, bridge: McpBridge) => void;
  /** Every log message of every server, redacted. */
  readonly onLog?: (entry: McpLogEntry) => void;
  /** Called with each bridge once its server is up (to approve changes, read resources, render prompts). */
  readonly onConnected?: (bridge: McpBridge) => void;
}

/** Zod schema of the plugin's options (each server: a stdio `command` or a Streamable HTTP `url`). */
export const mcpOptionsSchema = z.strictObject({
  servers: z.array(mcpServerSchema).min(1),
  onToolChanged: z.custom<(change: ToolChange, bridge: McpBridge) => void>((value) => typeof value === 'function').optional(),
  onLog: z.custom<(entry: McpLogEntry) => void>((value) => typeof value === 'function').optional(),
  onConnected: z.custom<(bridge: McpBridge) => void>((value) => typeof value === 'function').optional(),
});

/**
 * Starts each MCP server in order, registers its tools, and closes the servers with the runtime
 * (`TOKENS.Disposable`). Needs `createRuntimeAsync`. Each bridge is registered for closing as
 * soon as its server is up, so when a later server fails to start — or the runtime's
 * construction fails for any other reason — the servers already started are stopped.
 */
export const mcpPlugin = definePlugin<McpPluginOptions>({
  name: '@agentrt/tools-mcp',
  version: '0.1.0',
  options: mcpOptionsSchema as never,
  async register(container, options) {
    // Every server's config is checked before the first one starts.
    const seen = new Set<string>();
    for (const [index, server] of options.servers.entries()) {
      resolveServerConfig(server, `plugins.@agentrt/tools-mcp.servers.${index}`);
      if (seen.has(server.name)) throw new ConfigError(`plugins.@agentrt/tools-mcp.servers.${index}.name`, `two servers are named "${server.name}"`);
      seen.add(server.name);
    }
    // agentrt name → which server and which of its tools holds it: two servers' tools on one name
    // (`a` + `x__t` and `a__x` + `t` both give `a__x__t`) fail here, naming both, never shadow.
    const owners = new Map<string, { server: string; source: string }>();
    for (const [index, server] of options.servers.entries()) {
      const bridge = await McpBridge.connect(server, {
        ...(options.onToolChanged ? { onToolChanged: options.onToolChanged } : {}),
        ...(options.onLog ? { onLog: options.onLog } : {}),
      });
      container.register(TOKENS.Disposable, { useValue: bridge });
      const tools = bridge.tools();
      for (const tool of tools) {
        const source = tool.originalName !== undefined ? `MCP tool ${JSON.stringify(tool.originalName)}` : `its bridge tool ${JSON.stringify(tool.name.slice(server.name.length + 2))}`;
        const owner = owners.get(tool.name);
        if (owner) {
          throw new ConfigError(`plugins.@agentrt/tools-mcp.servers.${index}.name`, `server "${owner.server}" (${owner.source}) and server "${server.name}" (${source}) both map to the agentrt tool name "${tool.name}"; rename a server or leave one tool out with its tools allowlist`);
        }
        owners.set(tool.name, { server: server.name, source });
      }
      for (const tool of tools) container.register(TOKENS.Tool, { useValue: tool });
      options.onConnected?.(bridge);
    }
  },
});
