import type { Message, ToolSpec } from '@agentrt/core';

/** Arguments as the object Ollama requires (its Go decoder rejects a string). */
function argumentsOf(args: unknown): Record<string, unknown> {
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

/** agentrt messages → Ollama chat messages (tool results carry `tool_name`; Ollama has no call ids). */
export function toOllamaMessages(messages: readonly Message[]): unknown[] {
  return messages.map((message) => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'assistant':
        return {
          role: 'assistant',
          content: message.content,
          ...(message.toolCalls?.length ? { tool_calls: message.toolCalls.map((call) => ({ function: { name: call.name, arguments: argumentsOf(call.args) } })) } : {}),
        };
      case 'tool':
        return { role: 'tool', content: message.content, tool_name: message.name };
    }
  });
}

/** Tool specs → Ollama function tools. */
export function toOllamaTools(tools: readonly ToolSpec[]): unknown[] {
  return tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } }));
}
