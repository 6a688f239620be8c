import { AgentrtError, canonicalMediaType, contentText, wireToolCallId, wireToolName, type ContentPart, type Message, type ToolSpec } from '@agentrt/core';

/** Options of `toOpenAIMessages`. */
export interface OpenAIMessageOptions {
  /** `image_url.detail` for every image (`auto`, `low`, `high`); omitted: the API's default (`auto`). */
  readonly imageDetail?: 'auto' | 'low' | 'high';
}

const dataUrl = (part: { mediaType: string; data?: string }) => `data:${canonicalMediaType(part.mediaType)};base64,${part.data ?? ''}`;

/** Images one Chat Completions request may hold: "up to 500 individual images per request" (OpenAI's images and vision guide). */
export const OPENAI_MAX_IMAGES = 500;

/**
 * Refuses (`unsupported_content`, before any request) a request with more than `OPENAI_MAX_IMAGES`
 * images (user messages and tool results, which go out as user images): the API's 400 would meet
 * every later request of the run too, as the images stay in the transcript.
 */
function checkImageCount(messages: readonly Message[]): void {
  const images = messages.reduce((sum, message) => sum + ((message.role === 'user' || message.role === 'tool') && typeof message.content !== 'string' ? message.content.filter((part) => part.type === 'image').length : 0), 0);
  if (images > OPENAI_MAX_IMAGES) {
    throw new AgentrtError('unsupported_content', `the request holds ${images} images: OpenAI takes at most ${OPENAI_MAX_IMAGES} images per request; drop older ones from the context (e.g. a context strategy) or send fewer`, {
      details: { provider: 'openai', images, maxImages: OPENAI_MAX_IMAGES },
    });
  }
}

/** One agentrt part → a Chat Completions user content part (`text`, `image_url`, `file`). */
function toOpenAIPart(part: ContentPart, options: OpenAIMessageOptions): unknown {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image':
      return { type: 'image_url', image_url: { url: part.url ?? dataUrl(part), ...(options.imageDetail ? { detail: options.imageDetail } : {}) } };
    case 'file':
      // Chat Completions takes files inline (`file_data`) or uploaded (`file_id`), never by URL.
      if (part.data === undefined) throw new AgentrtError('unsupported_content', `a ${part.mediaType} file given by url cannot be sent to OpenAI Chat Completions: send its bytes as data`);
      return { type: 'file', file: { file_data: dataUrl(part), filename: part.filename ?? (part.mediaType.toLowerCase() === 'application/pdf' ? 'document.pdf' : 'file') } };
  }
}

const mediaOf = (content: Message['content']): ContentPart[] => (typeof content === 'string' ? [] : content.filter((part) => part.type !== 'text'));

/**
 * agentrt messages → Chat Completions messages. Tool-call arguments go out as JSON text (raw
 * text unchanged). User parts map to `text`, `image_url` (an https URL or a base64 `data:` URL)
 * and `file` (`file_data` as a base64 `data:` URL with a `filename`).
 *
 * Tool messages take text only (the API answers 400 to an image there), so a tool result with
 * images or files is sent as its text plus a note, and one user message placed right after that
 * turn's tool messages carries the media, each group introduced by the tool call id it came from.
 * Reasoning on assistant messages is not sent: Chat Completions has no field for it.
 *
 * Tool call ids over 40 characters and tool names outside `^[a-zA-Z0-9_-]{1,64}$` (a name the
 * model invented) would make the API refuse every later request of the run; they are sent mapped
 * (`wireToken`: allowed characters and a hash of the original), the same way in every request.
 */
export function toOpenAIMessages(messages: readonly Message[], options: OpenAIMessageOptions = {}): unknown[] {
  checkImageCount(messages);
  const out: unknown[] = [];
  let attachments: unknown[] = [];
  const flush = () => {
    if (attachments.length) out.push({ role: 'user', content: attachments });
    attachments = [];
  };
  for (const message of messages) {
    if (message.role !== 'tool') flush();
    switch (message.role) {
      case 'system':
        out.push({ role: 'system', content: message.content });
        break;
      case 'user':
        out.push({ role: 'user', content: typeof message.content === 'string' || message.content.length === 0 ? contentText(message.content) : message.content.map((part) => toOpenAIPart(part, options)) });
        break;
      case 'assistant':
        out.push(message.toolCalls?.length
          ? {
            role: 'assistant',
            content: message.content || null,
            tool_calls: message.toolCalls.map((call) => ({ id: wireToolCallId(call.id, 'openai'), type: 'function', function: { name: wireToolName(call.name, 'openai'), arguments: typeof call.args === 'string' ? call.args : JSON.stringify(call.args ?? {}) } })),
          }
          : { role: 'assistant', content: message.content });
        break;
      case 'tool': {
        const media = mediaOf(message.content);
        const text = contentText(message.content);
        if (media.length === 0) {
          out.push({ role: 'tool', tool_call_id: wireToolCallId(message.toolCallId, 'openai'), content: text });
          break;
        }
        const note = `[${media.length} attachment${media.length === 1 ? '' : 's'} returned by this tool follow${media.length === 1 ? 's' : ''} in the next user message]`;
        out.push({ role: 'tool', tool_call_id: wireToolCallId(message.toolCallId, 'openai'), content: text ? `${text}\n${note}` : note });
        attachments.push({ type: 'text', text: `Attachments returned by tool call ${wireToolCallId(message.toolCallId, 'openai')} (${message.name}):` }, ...media.map((part) => toOpenAIPart(part, options)));
        break;
      }
    }
  }
  flush();
  return out;
}

/** Tool specs → function tools (the JSON schema derived from zod is the `parameters`). */
export function toOpenAITools(tools: readonly { name: string; description: string; inputSchema: ToolSpec['inputSchema'] }[]): unknown[] {
  return tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } }));
}

/**
 * Arguments text → parsed JSON when it parses to anything but a string, the raw text otherwise
 * (the loop then reports `tool_args_invalid`). A JSON string (`"str"`, or an object encoded twice)
 * stays text: the loop parses string arguments as JSON text, so handing it the decoded string would
 * decode it a second time — a silent repair of double-encoded arguments, or `json_parse` for what is
 * `not_object`.
 */
export function fromOpenAIArguments(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? text : value;
  } catch {
    return text;
  }
}
