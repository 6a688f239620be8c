import type { Message, ToolSpec } from '@agentrt/core';

/** agentrt messages → Chat Completions messages. Tool-call arguments go out as JSON text (raw text unchanged). */
export function toOpenAIMessages(messages: readonly Message[]): unknown[] {
  return messages.map((message) => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content };
      case 'user':
        return { role: 'user', content: message.content };
      case 'assistant':
        return message.toolCalls?.length
          ? {
            role: 'assistant',
            content: message.content || null,
            tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: typeof call.args === 'string' ? call.args : JSON.stringify(call.args ?? {}) } })),
          }
          : { role: 'assistant', content: message.content };
      case 'tool':
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    }
  });
}

/** Tool specs → function tools (the JSON schema derived from zod is the `parameters`). */
export function toOpenAITools(tools: readonly { name: string; description: string; inputSchema: ToolSpec['inputSchema'] }[]): unknown[] {
  return tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } }));
}

/** Arguments text → parsed JSON when it parses, the raw text otherwise (the loop then reports `tool_args_invalid`). */
export function fromOpenAIArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
