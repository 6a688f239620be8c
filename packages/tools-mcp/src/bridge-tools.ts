import { defineTool, type Tool } from '@agentrt/core';
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TIMEOUT_GRACE_MS, type ResolvedServerConfig } from './config.js';
import type { McpBridge } from './mcp-bridge.js';

/** The names `requireApproval` knows the bridge's own tools by. */
export const BRIDGE_TOOL_NAMES: readonly string[] = Object.freeze(['list_resources', 'read_resource', 'list_prompts', 'get_prompt']);

/** Most entries a `list_*` tool shows the model (the API returns them all). */
const MAX_LISTED = 200;

/**
 * The resource and prompt tools of a bridge (`<server>__list_resources`, `__read_resource`,
 * `__list_prompts`, `__get_prompt`), when enabled in the config and declared by the server.
 * They are read-only (`sideEffects: 'none'`) and share the server's time budget.
 */
export function bridgeTools(bridge: McpBridge, settings: ResolvedServerConfig, claim: (name: string, source: string) => string, capabilities: ServerCapabilities): Tool[] {
  const tools: Tool[] = [];
  const server = settings.name;
  const timeoutMs = settings.maxTotalTimeoutMs + TIMEOUT_GRACE_MS;
  /** The server's `requireApproval` rule for one bridge tool, as core's `requiresApproval`. */
  const approval = (tool: string) => {
    const rule = settings.approvalFor(tool);
    return rule === false ? false : (args: unknown) => rule(args);
  };
  if (settings.config.resourceTools && capabilities.resources) {
    tools.push(
      defineTool({
        name: claim(`${server}__list_resources`, 'resources/list'),
        description: `Lists the resources (documents, files, data) that the MCP server "${server}" offers, with their URIs. Read one with ${server}__read_resource.`,
        input: z.object({}),
        timeoutMs,
        requiresApproval: approval('list_resources'),
        execute: async (_args, ctx) => {
          const resources = await bridge.listResources({ signal: ctx.signal });
          const shown = resources.slice(0, MAX_LISTED);
          return JSON.stringify({ resources: shown, ...(resources.length > shown.length ? { omitted: resources.length - shown.length } : {}) });
        },
      }),
      defineTool({
        name: claim(`${server}__read_resource`, 'resources/read'),
        description: `Reads a resource of the MCP server "${server}" by its URI (as listed by ${server}__list_resources or linked in a tool result).`,
        input: z.object({ uri: z.string().min(1).max(8_192) }),
        timeoutMs,
        requiresApproval: approval('read_resource'),
        execute: ({ uri }, ctx) => bridge.readResource(uri, { signal: ctx.signal }),
      }),
    );
  }
  if (settings.config.promptTools && capabilities.prompts) {
    tools.push(
      defineTool({
        name: claim(`${server}__list_prompts`, 'prompts/list'),
        description: `Lists the prompt templates that the MCP server "${server}" offers, with their arguments. Render one with ${server}__get_prompt.`,
        input: z.object({}),
        timeoutMs,
        requiresApproval: approval('list_prompts'),
        execute: async (_args, ctx) => {
          const prompts = await bridge.listPrompts({ signal: ctx.signal });
          const shown = prompts.slice(0, MAX_LISTED);
          return JSON.stringify({ prompts: shown, ...(prompts.length > shown.length ? { omitted: prompts.length - shown.length } : {}) });
        },
      }),
      defineTool({
        name: claim(`${server}__get_prompt`, 'prompts/get'),
        description: `Renders a prompt template of the MCP server "${server}" with the given string arguments and returns its messages.`,
        input: z.object({ name: z.string().min(1).max(256), arguments: z.record(z.string(), z.string()).optional() }),
        timeoutMs,
        requiresApproval: approval('get_prompt'),
        execute: async ({ name, arguments: args }, ctx) => {
          const prompt = await bridge.getPrompt(name, args ?? {}, { signal: ctx.signal });
          const parts = prompt.messages.flatMap((message) => [
            { type: 'text' as const, text: `[${message.role}]` },
            ...(typeof message.content === 'string' ? [{ type: 'text' as const, text: message.content }] : message.content),
          ]);
          if (prompt.description) parts.unshift({ type: 'text', text: prompt.description });
          return parts.every((part) => part.type === 'text') ? parts.map((part) => (part as { text: string }).text).join('\n') : parts;
        },
      }),
    );
  }
  return tools;
}
