import { AgentrtError, canonicalMediaType, contentText, imageDimensions, sniffImageType, WireToolCallIds, wireToolName, type ContentPart, type Message, type ReasoningPart, type ToolMessage, type ToolSpec, type WireRules } from '@agentrt/core';
import type {
  JSONObject, LanguageModelV3FilePart, LanguageModelV3FunctionTool, LanguageModelV3Message, LanguageModelV3Prompt,
  LanguageModelV3TextPart, LanguageModelV3ToolResultOutput, SharedV3ProviderOptions,
} from '@ai-sdk/provider';
import type { ToolResultMedia } from './profiles.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Options of `toAiSdkPrompt`. */
export interface PromptOptions {
  /** The specification version of the wrapped model (`v2` tool results carry media as `media` parts, no URLs). */
  readonly version: 'v2' | 'v3';
  readonly toolResultMedia: ToolResultMedia;
  /** Move every system message to the front, in order (providers that take system text only there). */
  readonly systemFirst: boolean;
  /** Whether assistant reasoning goes back (see `ProviderProfile.replayReasoning`). */
  readonly replayReasoning: boolean;
  /** The model, for error messages. */
  readonly label: string;
  /** Whose rules tool call ids and names in the history follow (`wireToolCallId`, `wireToolName`); undefined: sent as they are. */
  readonly wireRules?: WireRules;
}

const unsupported = (part: ContentPart, label: string, why: string) =>
  new AgentrtError('unsupported_content', `a ${part.type} part (${'mediaType' in part ? part.mediaType : 'text'}) cannot be sent to ${label}: ${why}`, {
    details: { partType: part.type, ...('mediaType' in part ? { mediaType: part.mediaType } : {}), model: label },
  });

/**
 * `ReasoningPart.providerData` → the spec's `providerOptions` (JSON objects keyed by provider).
 * Only plain-object entries pass; `__proto__`-like keys never do. An Anthropic entry written by
 * `@agentrt/model-anthropic` (`{ redacted }`) also gets the AI SDK's `redactedData`, so reasoning
 * round-trips between the two adapters.
 */
export function toProviderOptions(providerData: Readonly<Record<string, unknown>> | undefined): SharedV3ProviderOptions | undefined {
  if (!isObject(providerData)) return undefined;
  const out: Record<string, JSONObject> = {};
  for (const [key, value] of Object.entries(providerData)) {
    if (UNSAFE_KEYS.has(key) || !isObject(value)) continue;
    const entry: Json = {};
    for (const [inner, innerValue] of Object.entries(value)) if (!UNSAFE_KEYS.has(inner)) entry[inner] = innerValue;
    if (key === 'anthropic' && typeof entry.redacted === 'string' && entry.redactedData === undefined) entry.redactedData = entry.redacted;
    out[key] = entry as JSONObject;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The spec's provider metadata of a reasoning part → `ReasoningPart.providerData` (with the Anthropic `redacted` alias, see `toProviderOptions`). */
export function toProviderData(metadata: unknown): Record<string, unknown> | undefined {
  if (!isObject(metadata)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (UNSAFE_KEYS.has(key) || !isObject(value)) continue;
    const entry: Json = {};
    for (const [inner, innerValue] of Object.entries(value)) if (!UNSAFE_KEYS.has(inner)) entry[inner] = innerValue;
    if (key === 'anthropic' && typeof entry.redactedData === 'string' && entry.redacted === undefined) entry.redacted = entry.redactedData;
    if (Object.keys(entry).length) out[key] = entry;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Anthropic's limit on one inline image: 5 MB of base64 text (the API's 400 "image exceeds 5 MB maximum"), as `@agentrt/model-anthropic`. */
const ANTHROPIC_MAX_IMAGE_BASE64 = 5 * 1024 * 1024;

/**
 * The media type an inline part goes out with. On Anthropic an image goes out as what its bytes
 * are (PNG, JPEG, GIF, WebP by signature): the API decodes them and refuses a label that does not
 * match with a 400, which a resumed run would meet again; one over 5 MB of base64 is
 * `unsupported_content` before any request.
 */
function wireMediaType(part: ContentPart & { type: 'image' | 'file' }, options: Pick<PromptOptions, 'wireRules' | 'label'>): string {
  const mediaType = canonicalMediaType(part.mediaType);
  if (options.wireRules !== 'anthropic' || part.type !== 'image' || part.data === undefined) return mediaType;
  if (part.data.length > ANTHROPIC_MAX_IMAGE_BASE64) {
    throw unsupported(part, options.label, `Anthropic takes an inline image of at most 5 MB of base64 (${ANTHROPIC_MAX_IMAGE_BASE64} characters, about 3.75 MiB decoded); this one has ${part.data.length}: downscale it, or send it by url`);
  }
  return sniffImageType(part.data) ?? mediaType;
}

/**
 * Anthropic's limits on an image's sides (as `@agentrt/model-anthropic`'s `checkImageLimits`): 8000 px,
 * 2000 px once the request holds more than 20 images. Over them: `unsupported_content` before the
 * request that would draw the API's 400 ("At least one of the image dimensions exceed max allowed size").
 */
function checkAnthropicImageLimits(messages: readonly Message[], label: string): void {
  const images: { m: number; p: number; part: ContentPart & { type: 'image' } }[] = [];
  messages.forEach((message, m) => {
    if ((message.role === 'user' || message.role === 'tool') && typeof message.content !== 'string') {
      message.content.forEach((part, p) => {
        if (part.type === 'image') images.push({ m, p, part });
      });
    }
  });
  // Documents as the API receives them: a text/plain file in a tool result goes out as text (`contentOutput`), not as a document.
  const isDocument = (message: Message, part: ContentPart) => part.type === 'file' && !(message.role === 'tool' && canonicalMediaType(part.mediaType) === 'text/plain');
  const documents = messages.reduce((sum, message) => sum + ((message.role === 'user' || message.role === 'tool') && typeof message.content !== 'string' ? message.content.filter((part) => isDocument(message, part)).length : 0), 0);
  // At most 100 images and documents per request (Anthropic's vision guide; its 400: "too many images and documents: 104 + 1 > 100").
  if (images.length + documents > 100) {
    throw new AgentrtError('unsupported_content', `the request holds ${images.length} images and ${documents} documents: ${label} takes at most 100 images and documents per request; drop older ones from the context or send fewer`, {
      details: { model: label, images: images.length, documents, maxMedia: 100 },
    });
  }
  const many = images.length > 20;
  const edge = many ? 2000 : 8000;
  for (const { m, p, part } of images) {
    const size = part.data !== undefined ? imageDimensions(part.data) : undefined;
    if (!size || Math.max(size.width, size.height) <= edge) continue;
    const why = many ? `the request holds ${images.length} images, and with more than 20 Anthropic takes at most ${edge} px a side` : `Anthropic takes at most ${edge} px a side`;
    throw new AgentrtError('unsupported_content', `message ${m} (${messages[m]!.role}) part ${p}: an image of ${size.width}×${size.height} px cannot be sent to ${label}: ${why}; downscale it`, {
      details: { messageIndex: m, partIndex: p, partType: 'image', mediaType: part.mediaType, model: label, width: size.width, height: size.height, maxEdge: edge },
    });
  }
}

/** OpenAI's limit: "up to 500 individual images per request" (its images and vision guide); over it, `unsupported_content` before the request. */
function checkOpenAIImageCount(messages: readonly Message[], label: string): void {
  const images = messages.reduce((sum, message) => sum + ((message.role === 'user' || message.role === 'tool') && typeof message.content !== 'string' ? message.content.filter((part) => part.type === 'image').length : 0), 0);
  if (images > 500) {
    throw new AgentrtError('unsupported_content', `the request holds ${images} images: ${label} takes at most 500 images per request; drop older ones from the context or send fewer`, { details: { model: label, images, maxImages: 500 } });
  }
}

/** One user part → a spec text or file part (images are files with an `image/*` media type). */
function userPart(part: ContentPart, options: Pick<PromptOptions, 'wireRules' | 'label'>): LanguageModelV3TextPart | LanguageModelV3FilePart {
  const label = options.label;
  if (part.type === 'text') return { type: 'text', text: part.text };
  const mediaType = wireMediaType(part, options);
  if (part.type === 'file' && part.url !== undefined && mediaType === 'text/plain') throw unsupported(part, label, 'plain-text files are taken inline only, not by url');
  const data = part.url !== undefined ? new URL(part.url) : part.data ?? '';
  return { type: 'file', mediaType, data, ...(part.type === 'file' && part.filename !== undefined ? { filename: part.filename } : {}) };
}

/** A plain-text file's bytes as text (tool results carry text, not text/plain files, on every provider). */
function decodedText(part: ContentPart & { type: 'file' }): string {
  const text = Buffer.from(part.data ?? '', 'base64').toString('utf8');
  return part.filename ? `${part.filename}:\n${text}` : text;
}

type ContentOutput = Extract<LanguageModelV3ToolResultOutput, { type: 'content' }>['value'][number];

/** A tool result's parts → the spec's `content` output (native tool media). */
function contentOutput(parts: readonly ContentPart[], options: PromptOptions): LanguageModelV3ToolResultOutput {
  const value: ContentOutput[] = [];
  for (const part of parts) {
    if (part.type === 'text') {
      if (part.text) value.push({ type: 'text', text: part.text });
      continue;
    }
    const mediaType = wireMediaType(part, options);
    if (part.type === 'file' && mediaType === 'text/plain') {
      if (part.url !== undefined) throw unsupported(part, options.label, 'plain-text files are taken inline only, not by url');
      value.push({ type: 'text', text: decodedText(part) });
      continue;
    }
    if (options.version === 'v2') {
      // V2 tool results carry inline media only.
      if (part.url !== undefined) throw unsupported(part, options.label, 'AI SDK 5 (specification v2) tool results take media inline only, not by url');
      value.push({ type: 'media', data: part.data ?? '', mediaType } as unknown as ContentOutput);
      continue;
    }
    if (part.type === 'image') {
      value.push(part.url !== undefined ? { type: 'image-url', url: part.url } : { type: 'image-data', data: part.data ?? '', mediaType });
    } else {
      value.push(part.url !== undefined
        ? { type: 'file-url', url: part.url, mediaType }
        : { type: 'file-data', data: part.data ?? '', mediaType, ...(part.filename !== undefined ? { filename: part.filename } : {}) });
    }
  }
  return value.length ? { type: 'content', value } : { type: 'text', value: '' };
}

const hasMedia = (content: Message['content']) => typeof content !== 'string' && content.some((part) => part.type !== 'text');

/** Tool-call arguments as the JSON object the spec's `input` is: parsed text, or the raw value kept visible under `_invalid_arguments`. */
function toolInput(args: unknown): unknown {
  let value = args;
  if (typeof args === 'string') {
    try {
      value = JSON.parse(args);
    } catch {
      return { _invalid_arguments: args };
    }
  }
  return isObject(value) ? value : { _invalid_arguments: value ?? null };
}

function reasoningParts(reasoning: readonly ReasoningPart[] | undefined) {
  return (reasoning ?? []).map((entry) => {
    const providerOptions = toProviderOptions(entry.providerData);
    return { type: 'reasoning' as const, text: typeof entry.text === 'string' ? entry.text : '', ...(providerOptions ? { providerOptions } : {}) };
  });
}

/**
 * agentrt messages → the AI SDK's standardized prompt (`LanguageModelV3Prompt`, which V2 shares
 * apart from tool-result media):
 *
 * - system messages as `system` (all moved to the front when `systemFirst`);
 * - user parts as `text` and `file` parts (images are files with an `image/*` type; `data` is the
 *   base64 string, or a `URL` for parts given by url);
 * - assistant turns as `reasoning` parts (their `providerData` as `providerOptions`, e.g. the
 *   Anthropic signature), then `text`, then `tool-call` parts (`input` the parsed arguments);
 * - tool messages as `tool-result` parts of one `tool` message per turn: `text` / `error-text`,
 *   or with media either a `content` output (native) or text plus a note, the media following in
 *   one user message after the turn's results (`user-message`). Plain-text files in tool results
 *   travel as text.
 *
 * Throws `unsupported_content` for content the spec version cannot carry (a URL in a V2 tool
 * result, a plain-text file by URL).
 */
export function toAiSdkPrompt(messages: readonly Message[], options: PromptOptions): LanguageModelV3Prompt {
  if (options.wireRules === 'anthropic') checkAnthropicImageLimits(messages, options.label);
  if (options.wireRules === 'openai') checkOpenAIImageCount(messages, options.label);
  const system: LanguageModelV3Message[] = [];
  const out: LanguageModelV3Message[] = [];
  let results: Extract<LanguageModelV3Message, { role: 'tool' }> | undefined;
  let attachments: (LanguageModelV3TextPart | LanguageModelV3FilePart)[] = [];
  const ids = new WireToolCallIds(options.wireRules);
  const endTurn = () => {
    results = undefined;
    if (attachments.length) out.push({ role: 'user', content: attachments });
    attachments = [];
  };
  for (const message of messages) {
    if (message.role !== 'tool') endTurn();
    switch (message.role) {
      case 'system':
        (options.systemFirst ? system : out).push({ role: 'system', content: message.content });
        break;
      case 'user': {
        const parts = typeof message.content === 'string' ? [{ type: 'text' as const, text: message.content }] : message.content.map((part) => userPart(part, options));
        // Empty text next to media adds nothing (and some providers reject empty text blocks).
        const kept = parts.filter((part) => part.type !== 'text' || part.text !== '');
        out.push({ role: 'user', content: kept.length ? kept : [{ type: 'text', text: '' }] });
        break;
      }
      case 'assistant': {
        const content = [
          ...(options.replayReasoning ? reasoningParts(message.reasoning) : []),
          // Anthropic refuses a whitespace-only text block anywhere in the history (a model's "\n\n" next to its tool calls).
          ...(message.content && (options.wireRules !== 'anthropic' || message.content.trim()) ? [{ type: 'text' as const, text: message.content }] : []),
          ...(message.toolCalls ?? []).map((call) => ({ type: 'tool-call' as const, toolCallId: ids.use(call.id), toolName: wireToolName(call.name, options.wireRules), input: toolInput(call.args) })),
        ];
        if (content.length) out.push({ role: 'assistant', content });
        break;
      }
      case 'tool': {
        if (!results) out.push((results = { role: 'tool', content: [] }));
        const toolCallId = ids.result(message.toolCallId);
        results.content.push({ type: 'tool-result', toolCallId, toolName: wireToolName(message.name, options.wireRules), output: toolOutput(message, { ...options, toolCallId }, attachments) });
        break;
      }
    }
  }
  endTurn();
  return [...system, ...out];
}

/**
 * What an error result says when its output is empty (or only whitespace) on Anthropic, whose API
 * refuses an empty `content` with `is_error` ("content cannot be empty if `is_error` is true") —
 * the same words as `@agentrt/model-anthropic`.
 */
export const EMPTY_ERROR_RESULT = '(the tool reported an error without details)';

/**
 * One tool message → its `output`; with the user-message workaround, its media are appended to
 * `attachments`. On Anthropic (`@ai-sdk/anthropic` sends a text output's value as
 * `tool_result.content` as it is), text that is empty or only whitespace is not sent — the API
 * refuses such text, nested in a tool result too — and an error result left without content
 * says `EMPTY_ERROR_RESULT`.
 */
function toolOutput(message: ToolMessage, options: PromptOptions & { toolCallId: string }, attachments: (LanguageModelV3TextPart | LanguageModelV3FilePart)[]): LanguageModelV3ToolResultOutput {
  const output = rawToolOutput(message, options, attachments);
  if (options.wireRules !== 'anthropic') return output;
  if ((output.type === 'text' || output.type === 'error-text') && !output.value.trim()) {
    return message.isError ? { type: 'error-text', value: EMPTY_ERROR_RESULT } : { type: 'text', value: '' };
  }
  if (output.type === 'content') {
    const value = output.value.filter((part) => part.type !== 'text' || part.text.trim() !== '');
    if (value.length === 0) return message.isError ? { type: 'error-text', value: EMPTY_ERROR_RESULT } : { type: 'text', value: '' };
    return { ...output, value };
  }
  return output;
}

function rawToolOutput(message: ToolMessage, options: PromptOptions & { toolCallId: string }, attachments: (LanguageModelV3TextPart | LanguageModelV3FilePart)[]): LanguageModelV3ToolResultOutput {
  const text = contentText(message.content);
  if (!hasMedia(message.content)) return { type: message.isError ? 'error-text' : 'text', value: text };
  const parts = message.content as readonly ContentPart[];
  if (options.toolResultMedia === 'native') return contentOutput(parts, options);
  const media = parts.filter((part) => part.type !== 'text');
  const inline = media.filter((part) => part.type === 'file' && part.mediaType.toLowerCase() === 'text/plain') as (ContentPart & { type: 'file' })[];
  const carried = media.filter((part) => !inline.includes(part as ContentPart & { type: 'file' }));
  const texts = [text, ...inline.map((part) => {
    if (part.url !== undefined) throw unsupported(part, options.label, 'plain-text files are taken inline only, not by url');
    return decodedText(part);
  })].filter(Boolean);
  if (carried.length === 0) return { type: message.isError ? 'error-text' : 'text', value: texts.join('\n') };
  const note = `[${carried.length} attachment${carried.length === 1 ? '' : 's'} returned by this tool follow${carried.length === 1 ? 's' : ''} in the next user message]`;
  attachments.push({ type: 'text', text: `Attachments returned by tool call ${options.toolCallId} (${message.name}):` }, ...carried.map((part) => userPart(part, options) as LanguageModelV3FilePart));
  return { type: message.isError ? 'error-text' : 'text', value: [...texts, note].join('\n') };
}

/** Tool specs → the spec's function tools (the JSON schema derived from zod is the `inputSchema`). */
export function toAiSdkTools(tools: readonly ToolSpec[]): LanguageModelV3FunctionTool[] {
  return tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, inputSchema: tool.inputSchema as LanguageModelV3FunctionTool['inputSchema'] }));
}
