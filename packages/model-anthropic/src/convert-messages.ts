import { AgentrtError, canonicalMediaType, imageDimensions, sniffImageType, WireToolCallIds, wireToolName, type ContentPart, type Message, type ReasoningPart, type ToolSpec } from '@agentrt/core';

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

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

const unsupported = (part: ContentPart, why: string) =>
  new AgentrtError('unsupported_content', `a ${part.type} part (${'mediaType' in part ? part.mediaType : 'text'}) cannot be sent to Anthropic: ${why}`, { details: { partType: part.type, provider: 'anthropic' } });

/**
 * The API's limit on one inline image: 5 MB of **base64** (`image exceeds 5 MB maximum: N bytes >
 * 5242880 bytes`), about 3.75 MiB decoded — below agentrt's default `maxPartBytes` (5 MiB decoded).
 */
export const ANTHROPIC_MAX_IMAGE_BASE64 = 5 * 1024 * 1024;

/**
 * The API's limits on images: 8000 px a side, 2000 px in a request of more than 20 images, and at
 * most 100 images and documents per request (`maxMedia`: the vision guide's "up to 100 for API
 * requests"; the API's 400 counts documents with them: "too many images and documents: 104 + 1 > 100").
 */
export const ANTHROPIC_IMAGE_LIMITS = Object.freeze({ maxEdge: 8000, manyImages: 20, maxEdgeManyImages: 2000, maxMedia: 100 });

/**
 * Refuses (`unsupported_content`, before any request) an inline image whose width or height is
 * over what the API takes: 8000 px, or 2000 px once the request holds more than 20 images (by url
 * too) — the API's 400 "At least one of the image dimensions exceed max allowed size", which every
 * later request of the run would meet again. Sizes are read from the image header (PNG, JPEG, GIF,
 * WebP); an image whose size cannot be read is left to the API.
 */
export function checkImageLimits(messages: readonly Message[]): void {
  const images: { m: number; p: number; part: ContentPart & { type: 'image' } }[] = [];
  messages.forEach((message, m) => {
    if ((message.role === 'user' || message.role === 'tool') && typeof message.content !== 'string') {
      message.content.forEach((part, p) => {
        if (part.type === 'image') images.push({ m, p, part });
      });
    }
  });
  const documents = messages.reduce((sum, message) => sum + ((message.role === 'user' || message.role === 'tool') && typeof message.content !== 'string' ? message.content.filter((part) => part.type === 'file').length : 0), 0);
  if (images.length + documents > ANTHROPIC_IMAGE_LIMITS.maxMedia) {
    throw new AgentrtError('unsupported_content', `the request holds ${images.length} images and ${documents} documents: Anthropic takes at most ${ANTHROPIC_IMAGE_LIMITS.maxMedia} images and documents per request; drop older ones from the context (e.g. a context strategy) or send fewer`, {
      details: { provider: 'anthropic', images: images.length, documents, maxMedia: ANTHROPIC_IMAGE_LIMITS.maxMedia },
    });
  }
  const many = images.length > ANTHROPIC_IMAGE_LIMITS.manyImages;
  const edge = many ? ANTHROPIC_IMAGE_LIMITS.maxEdgeManyImages : ANTHROPIC_IMAGE_LIMITS.maxEdge;
  for (const { m, p, part } of images) {
    const size = part.data !== undefined ? imageDimensions(part.data) : undefined;
    if (!size || Math.max(size.width, size.height) <= edge) continue;
    const why = many ? `the request holds ${images.length} images, and with more than ${ANTHROPIC_IMAGE_LIMITS.manyImages} the API takes at most ${edge} px a side` : `the API takes at most ${edge} px a side`;
    throw new AgentrtError('unsupported_content', `message ${m} (${messages[m]!.role}) part ${p}: an image of ${size.width}×${size.height} px cannot be sent to Anthropic: ${why}; downscale it`, {
      details: { messageIndex: m, partIndex: p, partType: 'image', mediaType: part.mediaType, provider: 'anthropic', width: size.width, height: size.height, maxEdge: edge },
    });
  }
}

/**
 * One agentrt part → an Anthropic content block: `text` (empty text is skipped: the API rejects
 * empty text blocks), `image` (base64 or URL source), `document` (PDF as base64 or URL,
 * `text/plain` as a text source; `filename` becomes the `title`).
 *
 * An inline image goes out with the media type its bytes are (PNG, JPEG, GIF, WebP by signature),
 * whatever it was labelled: the API decodes the bytes and refuses a mismatch with a 400 ("Image
 * does not match the provided media type"), which a resumed run would meet again. An inline image
 * over `ANTHROPIC_MAX_IMAGE_BASE64` characters is `unsupported_content`, before any request.
 */
export function toAnthropicBlock(part: ContentPart): Block | undefined {
  switch (part.type) {
    case 'text':
      return part.text ? { type: 'text', text: part.text } : undefined;
    case 'image': {
      if (part.url !== undefined) return { type: 'image', source: { type: 'url', url: part.url } };
      const data = part.data ?? '';
      if (data.length > ANTHROPIC_MAX_IMAGE_BASE64) {
        throw unsupported(part, `the API takes an inline image of at most 5 MB of base64 (${ANTHROPIC_MAX_IMAGE_BASE64} characters, about 3.75 MiB decoded); this one has ${data.length}: downscale it, or send it by url`);
      }
      return { type: 'image', source: { type: 'base64', media_type: sniffImageType(data) ?? canonicalMediaType(part.mediaType), data } };
    }
    case 'file': {
      const mediaType = part.mediaType.toLowerCase();
      const title = part.filename !== undefined ? { title: part.filename } : {};
      if (mediaType === 'application/pdf') {
        return { type: 'document', source: part.url !== undefined ? { type: 'url', url: part.url } : { type: 'base64', media_type: 'application/pdf', data: part.data }, ...title };
      }
      if (mediaType === 'text/plain') {
        if (part.data === undefined) throw unsupported(part, 'plain-text documents are taken inline only, not by url');
        return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(part.data, 'base64').toString('utf8') }, ...title };
      }
      throw unsupported(part, 'documents must be application/pdf or text/plain');
    }
  }
}

const blocksOf = (content: string | readonly ContentPart[]): Block[] =>
  typeof content === 'string'
    ? (content ? [{ type: 'text', text: content }] : [])
    : content.flatMap((part): Block[] => {
      const block = toAnthropicBlock(part);
      return block ? [block] : [];
    });

/** What a `tool_result` block says when a failed call's output is empty: the API refuses an empty `content` with `is_error` ("content cannot be empty if `is_error` is true"). */
export const EMPTY_ERROR_RESULT = '(the tool reported an error without details)';

/**
 * A tool message's content as `tool_result.content`: text and media blocks, without text that is
 * empty or only whitespace (the API refuses such text blocks, nested ones included). Nothing left
 * → no `content` at all (it is optional), or `EMPTY_ERROR_RESULT` for an error result.
 */
function toolResultContent(content: string | readonly ContentPart[], isError: boolean): { content?: string | Block[] } {
  if (typeof content === 'string') {
    if (content.trim()) return { content };
  } else {
    const blocks = blocksOf(content).filter((block) => block.type !== 'text' || (block.text as string).trim() !== '');
    if (blocks.length > 0) return { content: blocks };
  }
  return isError ? { content: EMPTY_ERROR_RESULT } : {};
}

/**
 * Reasoning → the blocks Anthropic takes back, in their original order: a `thinking` block with
 * its `signature` (`providerData.anthropic.signature`) or a `redacted_thinking` block with its
 * `data` (`providerData.anthropic.redacted`). Entries without Anthropic provider data (from
 * another provider, or a thinking block that came without a signature) are dropped: the API
 * rejects a thinking block without a valid signature, and reasoning is never sent as text.
 */
export function toThinkingBlocks(reasoning: readonly ReasoningPart[] | undefined): Block[] {
  const blocks: Block[] = [];
  for (const entry of reasoning ?? []) {
    const data = isObject(entry.providerData) ? entry.providerData.anthropic : undefined;
    if (!isObject(data)) continue;
    if (typeof data.redacted === 'string' && data.redacted) blocks.push({ type: 'redacted_thinking', data: data.redacted });
    else if (typeof data.signature === 'string' && data.signature && typeof entry.text === 'string') blocks.push({ type: 'thinking', thinking: entry.text, signature: data.signature });
  }
  return blocks;
}

/** A `thinking` / `redacted_thinking` response block → a reasoning entry (the signature or data kept under `providerData.anthropic`). */
export function fromThinkingBlock(block: { type: string; thinking?: unknown; signature?: unknown; data?: unknown }): ReasoningPart {
  if (block.type === 'redacted_thinking') return { text: '', providerData: { anthropic: { redacted: String(block.data ?? '') } } };
  const text = typeof block.thinking === 'string' ? block.thinking : '';
  return typeof block.signature === 'string' && block.signature ? { text, providerData: { anthropic: { signature: block.signature } } } : { text };
}

/**
 * agentrt messages → Anthropic Messages: system prompts become the top-level `system`,
 * user parts become text / image / document blocks, assistant turns start with their signed
 * thinking blocks followed by text and `tool_use` blocks, tool results become `tool_result`
 * blocks (their images and documents inside `tool_result.content`) in the next user turn, and
 * consecutive turns of one role are merged into one message. Assistant text that is only
 * whitespace is not sent (the API refuses it), nor is such text inside a tool result; an empty
 * tool result is sent without `content` (an error result with `EMPTY_ERROR_RESULT`). Tool call
 * ids outside `^[a-zA-Z0-9_-]+$` (from another provider) are sent mapped (`wireToolCallId`),
 * kept unique within the request (`WireToolCallIds`); tool names outside `^[a-zA-Z0-9_-]{1,64}$`
 * (invented by a model) are sent mapped (`wireToolName`). Images over the API's size limits are refused first (`checkImageLimits`).
 */
export function toAnthropicMessages(messages: readonly Message[]): { system: string | undefined; messages: AnthropicMessage[] } {
  checkImageLimits(messages);
  const ids = new WireToolCallIds('anthropic');
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
        push('user', blocksOf(message.content));
        break;
      case 'assistant':
        push('assistant', [
          ...toThinkingBlocks(message.reasoning),
          // The API refuses a whitespace-only text block anywhere in the history (a model's "\n\n" next to its tool calls).
          ...(message.content.trim() ? [{ type: 'text', text: message.content }] : []),
          ...(message.toolCalls ?? []).map((call) => ({ type: 'tool_use', id: ids.use(call.id), name: wireToolName(call.name, 'anthropic'), input: inputOf(call.args) })),
        ]);
        break;
      case 'tool':
        push('user', [{
          type: 'tool_result',
          tool_use_id: ids.result(message.toolCallId),
          ...toolResultContent(message.content, message.isError === true),
          ...(message.isError ? { is_error: true } : {}),
        }]);
        break;
    }
  }
  // Tool results must come first in their user turn.
  for (const message of out) {
    if (message.role === 'user') message.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  }
  return { system: system.length ? system.join('\n\n') : undefined, messages: out };
}

/**
 * Whether the request continues a tool-use turn whose assistant message does not start with a
 * thinking block. With thinking on, Anthropic rejects such a request ("Expected `thinking` or
 * `redacted_thinking`…"); the adapter sends it with thinking off instead, as the API suggests.
 */
export function continuesWithoutThinking(messages: readonly AnthropicMessage[]): boolean {
  const last = messages.at(-1);
  if (!last || last.role !== 'user' || !last.content.some((block) => block.type === 'tool_result')) return false;
  const first = messages.at(-2)?.content[0];
  return first?.type !== 'thinking' && first?.type !== 'redacted_thinking';
}

/** Tool specs → Anthropic tools (`input_schema` is the JSON schema derived from zod). */
export function toAnthropicTools(tools: readonly ToolSpec[]): unknown[] {
  return tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema }));
}

/**
 * Tool definitions for a request that offers no tools but carries tool traffic in its history
 * (a run without tools whose model invented a call, every tool denied, a transcript from
 * elsewhere): the API refuses tool blocks in a request that defines no tools ("Requests which
 * include `tool_use` or `tool_result` blocks must define tools"). One placeholder per tool name
 * in the history, sent with `tool_choice: none` so the model cannot call them. Undefined when
 * the history has no tool blocks.
 */
export function placeholderTools(messages: readonly AnthropicMessage[]): { tools: unknown[]; tool_choice: { type: 'none' } } | undefined {
  const names = new Set<string>();
  let traffic = false;
  for (const message of messages) {
    for (const block of message.content) {
      if (block.type === 'tool_use') names.add(block.name as string);
      if (block.type === 'tool_use' || block.type === 'tool_result') traffic = true;
    }
  }
  if (!traffic) return undefined;
  if (names.size === 0) names.add('unavailable_tool');
  return {
    tools: [...names].map((name) => ({ name, description: 'Not available in this request.', input_schema: { type: 'object', properties: {} } })),
    tool_choice: { type: 'none' },
  };
}

