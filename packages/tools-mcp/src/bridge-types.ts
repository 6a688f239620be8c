import type { ContentPart } from '@agentrt/core';
import type { McpLogLevel } from './config.js';
import type { McpBridge } from './mcp-bridge.js';

/** Why a tool's state changed after connect. */
export interface ToolChange {
  readonly server: string;
  /** The MCP tool name. */
  readonly tool: string;
  /**
   * `description_or_schema_changed` (a "rug pull": the tool is disabled), `removed` (disabled;
   * calls fail `mcp_tool_changed`), `added` (a new tool, not advertised until approved).
   */
  readonly reason: 'description_or_schema_changed' | 'removed' | 'added';
}

/** A server tool the bridge does not expose, and why. */
export interface SkippedTool {
  readonly server: string;
  readonly tool: string;
  readonly reason: 'task_required_unsupported';
  readonly detail: string;
}

/** A log message the server sent (`notifications/message`), redacted. */
export interface McpLogEntry {
  readonly server: string;
  readonly level: McpLogLevel;
  readonly logger?: string;
  readonly message: string;
}

/** A resource the server lists. */
export interface McpResource {
  readonly uri: string;
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly mimeType?: string;
}

/** A prompt the server lists. */
export interface McpPrompt {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly arguments?: readonly { readonly name: string; readonly description?: string; readonly required?: boolean }[];
}

/** A prompt rendered by the server, with its messages' content mapped to agentrt content. */
export interface McpPromptResult {
  readonly description?: string;
  readonly messages: readonly { readonly role: 'user' | 'assistant'; readonly content: string | ContentPart[] }[];
}

/** Callbacks of a bridge. */
export interface McpBridgeOptions {
  /** Told when a tool is disabled (changed, removed) or a new one waits for approval; `bridge.approveChanges(tool)` accepts it. */
  readonly onToolChanged?: (change: ToolChange, bridge: McpBridge) => void;
  /** Every log message of the server, redacted (also recorded as `tool_log` events of the calls in flight). */
  readonly onLog?: (entry: McpLogEntry) => void;
}

/** An operation's budget and the caller's signal. */
export interface McpRequestOptions {
  readonly signal?: AbortSignal;
}

