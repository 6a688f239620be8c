import { mcpPlugin } from './plugin.js';

export { McpBridge, MAX_LOGS_PER_SECOND } from './mcp-bridge.js';
export type { ToolChange, SkippedTool, McpLogEntry, McpResource, McpPrompt, McpPromptResult, McpBridgeOptions, McpRequestOptions } from './mcp-bridge.js';
export { mcpServerSchema, MCP_LOG_LEVELS, TIMEOUT_GRACE_MS } from './config.js';
export type { McpServerConfig, McpStdioServerConfig, McpHttpServerConfig, McpServerCommon, McpLogLevel, McpResolver } from './config.js';
export { checkServerUrl } from './guarded-fetch.js';
export type { ServerUrlOptions } from './guarded-fetch.js';
export { MAX_DEFINITION_BYTES, MAX_DESCRIPTION_CHARS, MAX_JSON_DEPTH, MAX_LISTED_TOOLS, MAX_TOOL_NAME_CHARS } from './definitions.js';
export { MAX_RESULT_PARTS, MAX_URI_CHARS } from './content.js';
export { safeOutputSchema } from './output-schema.js';
export { agentToolName } from './tool-names.js';
export { mapToolResult, blockParts, resourceParts } from './content.js';
export type { RawToolResult, OutputValidator } from './content.js';
export { mcpPlugin, mcpOptionsSchema } from './plugin.js';
export type { McpPluginOptions } from './plugin.js';
export default mcpPlugin;
