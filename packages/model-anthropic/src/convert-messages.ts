import type { Message, ToolSpec } from '@agentrt/core';

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

/** Tool-call arguments as the object Anthropic requires; unparseable text is kept visible to the model under `_invalid_arguments`. */
function inputOf(args: unknown): Record<string, unknown> {
  let value = args;
  if (typeof args === 'string') {
    try {
      value = JSON.parse(args);
    } catch {
      return { _invalid_arguments: args };
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { _invalid_arguments: value };
}

/**
 * agentrt messages → Anthropic Messages: system prompts become the top-level `system`,
 * assistant tool calls become `tool_use` blocks, tool results become `tool_result` blocks in
 * the next user turn, and consecutive turns of one role are merged into one message.
 */
export function toAnthropicMessages(messages: readonly Message[]): { system: string | undefined; messages: AnthropicMessage[] } {
  const system: string[] = [];
  const out: AnthropicMessage[] = [];
  const push = (role: AnthropicMessage['role'], blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        system.push(message.content);
        break;
      case 'user':
        push('user', [{ type: 'text', text: message.content }]);
        break;
      case 'assistant':
        push('assistant', [
          ...(message.content ? [{ type: 'text', text: message.content }] : []),
          ...(message.toolCalls ?? []).map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: inputOf(call.args) })),
        ]);
        break;
      case 'tool':
        push('user', [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content, ...(message.isError ? { is_error: true } : {}) }]);
        break;
    }
  }
  // Tool results must come first in their user turn.
  for (const message of out) {
    if (message.role === 'user') message.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  }
  return { system: system.length ? system.join('\n\n') : undefined, messages: out };
}

/** Tool specs → Anthropic tools (`input_schema` is the JSON schema derived from zod). */
export function toAnthropicTools(tools: readonly ToolSpec[]): unknown[] {
  return tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema }));
}
