import { mcpPlugin } from './plugin.js';

export { McpBridge } from './mcp-bridge.js';
export type { McpServerConfig, ToolChange } from './mcp-bridge.js';
export { mcpPlugin, mcpOptionsSchema } from './plugin.js';
export type { McpPluginOptions } from './plugin.js';
export default mcpPlugin;
