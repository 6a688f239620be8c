import { contentText, type Message, type MessageContent, type ToolSpec } from '@agentrt/core';

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

/** Base64 data of the image parts (Ollama takes images inline only). */
const imagesOf = (content: MessageContent): string[] =>
  typeof content === 'string' ? [] : content.flatMap((part) => (part.type === 'image' && part.data !== undefined ? [part.data] : []));

/**
 * agentrt messages → Ollama chat messages, in the wire's shape: text content, image parts as
 * base64 `images` on the same message (user and tool messages alike; Ollama documents `images`
 * on any message), assistant reasoning back as `thinking` (the texts joined, whichever provider
 * produced them), tool results with `tool_name` (Ollama has no call ids).
 */
export function toOllamaMessages(messages: readonly Message[]): unknown[] {
  return messages.map((message) => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content };
      case 'user': {
        const images = imagesOf(message.content);
        return { role: 'user', content: contentText(message.content), ...(images.length ? { images } : {}) };
      }
      case 'assistant': {
        const thinking = (message.reasoning ?? []).map((entry) => entry.text).filter((text) => typeof text === 'string' && text).join('\n');
        return {
          role: 'assistant',
          content: message.content,
          ...(thinking ? { thinking } : {}),
          ...(message.toolCalls?.length ? { tool_calls: message.toolCalls.map((call) => ({ function: { name: call.name, arguments: argumentsOf(call.args) } })) } : {}),
        };
      }
      case 'tool': {
        const images = imagesOf(message.content);
        return { role: 'tool', content: contentText(message.content), tool_name: message.name, ...(images.length ? { images } : {}) };
      }
    }
  });
}

/** Tool specs → Ollama function tools. */
export function toOllamaTools(tools: readonly ToolSpec[]): unknown[] {
  return tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } }));
}
