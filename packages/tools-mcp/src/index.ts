import { mcpPlugin } from './plugin.js';

export { McpBridge } from './mcp-bridge.js';
export type { ToolChange, SkippedTool, McpLogEntry, McpResource, McpPrompt, McpPromptResult, McpBridgeOptions, McpRequestOptions } from './mcp-bridge.js';
export { mcpServerSchema, MCP_LOG_LEVELS, TIMEOUT_GRACE_MS } from './config.js';
export type { McpServerConfig, McpStdioServerConfig, McpHttpServerConfig, McpServerCommon, McpLogLevel } from './config.js';
export { AddressPolicy } from './address-policy.js';
export { agentToolName } from './tool-names.js';
export { mapToolResult, blockParts, resourceParts } from './content.js';
export type { RawToolResult, OutputValidator } from './content.js';
export { mcpPlugin, mcpOptionsSchema } from './plugin.js';
export type { McpPluginOptions } from './plugin.js';
export default mcpPlugin;
