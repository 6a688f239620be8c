import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { imageDimensions } from '@agentrt/core';
import { argsText, pieces, startLoopbackServer, type LoopbackServer, type LoopbackStep, type ProviderWire, type ScriptedReplyReasoning, type ScriptedReply } from './loopback-server.js';
import { isBase64, isHttpUrl, sniffMediaType } from './media.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const STOP: Record<NonNullable<ScriptedReply['finishReason']>, string> = { stop: 'end_turn', tool_calls: 'tool_use', length: 'max_tokens', content_filter: 'refusal' };
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
// One inline image: at most 5 MB of base64 (the API's 400: "image exceeds 5 MB maximum: N bytes > 5242880 bytes").
const MAX_IMAGE_BASE64 = 5 * 1024 * 1024;
const MAX_EDGE = 8000;
const MAX_EDGE_MANY_IMAGES = 2000;
const MANY_IMAGES = 20;
const THINKING_DOCS = 'https://docs.claude.com/en/docs/build-with-claude/extended-thinking';
const invalid = (message: string) => ({ status: 400, message });
const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const blocksOf = (content: unknown): Json[] => (typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? (content as Json[]) : []);

// Thinking signatures are HMACs under a per-process key: the server can tell a block it issued
// from one that was edited, re-created or produced elsewhere, as the real API does.
const KEY = randomBytes(32);
const mac = (label: string, value: string | Buffer) => createHmac('sha256', KEY).update(label).update('\0').update(value).digest();
/** The signature this server issues for a thinking text. */
export const signThinking = (text: string): string => mac('thinking', text).toString('base64');
const verifySignature = (signature: string, text: string) => {
  const given = Buffer.from(signature, 'base64');
  const expected = mac('thinking', text);
  return given.length === expected.length && timingSafeEqual(given, expected);
};
const redactedData = () => {
  const nonce = randomBytes(24);
  return Buffer.concat([nonce, mac('redacted', nonce)]).toString('base64');
};
const verifyRedacted = (data: string) => {
  if (!isBase64(data)) return false;
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length !== 24 + 32) return false;
  return timingSafeEqual(bytes.subarray(24), mac('redacted', bytes.subarray(0, 24)));
};

/** The JSON the server reports for tool input: objects as-is; parseable text parsed; anything else cannot exist in Anthropic's non-streamed format. */
const inputObject = (args: unknown): Json => {
  if (isObject(args)) return args;
  try {
    const parsed: unknown = JSON.parse(argsText(args));
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
};

/** Image and document blocks (user turns and tool results), per the Messages API reference. `manyImages`: the request holds more than 20 images. */
function checkMediaBlock(block: Json, at: string, manyImages: boolean): string | undefined {
  const kind = block.type as 'image' | 'document';
  const source = block.source;
  if (!isObject(source)) return `${at}.${kind}.source: Field required`;
  if (kind === 'image') {
    if (source.type === 'base64') {
      if (typeof source.media_type !== 'string' || !IMAGE_TYPES.includes(source.media_type)) return `${at}.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
      if (!isBase64(source.data) || source.data === '') return `${at}.image.source.base64.data: Input should be a valid base64-encoded string`;
      // The limit is on the base64 text, not the decoded bytes (about 3.75 MiB of image).
      if (source.data.length > MAX_IMAGE_BASE64) return `${at}.image.source.base64: image exceeds 5 MB maximum: ${source.data.length} bytes > ${MAX_IMAGE_BASE64} bytes`;
      if (sniffMediaType(source.data) !== source.media_type) return `${at}.image.source.base64.data: Image does not match the provided media type ${source.media_type}`;
      // At most 8000 px a side; 2000 px when the request holds more than 20 images (the vision guide's limits).
      const size = imageDimensions(source.data);
      const edge = manyImages ? MAX_EDGE_MANY_IMAGES : MAX_EDGE;
      if (size && Math.max(size.width, size.height) > edge) return `${at}.image.source.base64.data: At least one of the image dimensions exceed max allowed size${manyImages ? ' for many-image requests' : ''}: ${edge} pixels`;
      return undefined;
    }
    if (source.type === 'url') return isHttpUrl(source.url) ? undefined : `${at}.image.source.url.url: Input should be a valid URL`;
    if (source.type === 'file') return typeof source.file_id === 'string' ? undefined : `${at}.image.source.file.file_id: Field required`;
    return `${at}.image.source: Input tag '${String(source.type)}' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'`;
  }
  if (block.title !== undefined && block.title !== null && typeof block.title !== 'string') return `${at}.document.title: Input should be a valid string`;
  if (source.type === 'base64') {
    if (source.media_type !== 'application/pdf') return `${at}.document.source.base64.media_type: Input should be 'application/pdf'`;
    if (!isBase64(source.data) || source.data === '') return `${at}.document.source.base64.data: Input should be a valid base64-encoded string`;
    if (sniffMediaType(source.data) !== 'application/pdf') return `${at}.document.source.base64.data: The PDF specified was not valid.`;
    return undefined;
  }
  if (source.type === 'text') {
    if (source.media_type !== 'text/plain') return `${at}.document.source.text.media_type: Input should be 'text/plain'`;
    return typeof source.data === 'string' ? undefined : `${at}.document.source.text.data: Field required`;
  }
  if (source.type === 'url') return isHttpUrl(source.url) ? undefined : `${at}.document.source.url.url: Input should be a valid URL`;
  if (source.type === 'content') return typeof source.content === 'string' || Array.isArray(source.content) ? undefined : `${at}.document.source.content.content: Field required`;
  if (source.type === 'file') return typeof source.file_id === 'string' ? undefined : `${at}.document.source.file.file_id: Field required`;
  return `${at}.document.source: Input tag '${String(source.type)}' found using 'type' does not match any of the expected tags: 'base64', 'text', 'content', 'url', 'file'`;
}

/** Image blocks in a request: in its messages and inside their tool results. */
const countImages = (messages: unknown[]) => messages.reduce<number>((sum, message) => sum + blocksOf(isObject(message) ? message.content : undefined).reduce<number>((n, block) => {
  if (!isObject(block)) return n;
  if (block.type === 'image') return n + 1;
  return block.type === 'tool_result' && Array.isArray(block.content) ? n + block.content.filter((inner) => isObject(inner) && inner.type === 'image').length : n;
}, 0), 0);

/** Document blocks (user turns and tool results): they count against the media limit with the images. */
const countDocuments = (messages: unknown[]) => messages.reduce<number>((sum, message) => sum + blocksOf(isObject(message) ? message.content : undefined).reduce<number>((n, block) => {
  if (!isObject(block)) return n;
  if (block.type === 'document') return n + 1;
  return block.type === 'tool_result' && Array.isArray(block.content) ? n + block.content.filter((inner) => isObject(inner) && inner.type === 'document').length : n;
}, 0), 0);

/**
 * Images plus documents one request may hold: the vision guide says "up to 100 for API requests"
 * (platform.claude.com/docs/en/build-with-claude/vision); the API's 400 counts documents too —
 * "too many images and documents: 104 + 1 > 100" (anthropics/claude-code#23392, #24541).
 */
const MAX_MEDIA = 100;

const textProblem = (block: Json, at: string) => (typeof block.text !== 'string' ? `${at}.text: Field required` : block.text === '' ? `${at}.text: text content blocks must be non-empty` : undefined);

const NON_WHITESPACE = 'messages: text content blocks must contain non-whitespace text';

/**
 * `tool_result.content`: absent, a string, or text / image / document / search_result blocks.
 * Strict where the API is: text that is empty (schema: `minLength 1`) or only whitespace is
 * refused inside a tool result as in a message (a string content counts as one text block; an
 * empty string as no content), and an error result needs content ("content cannot be empty if
 * `is_error` is true").
 */
function checkToolResultContent(content: unknown, at: string, isError: boolean, manyImages: boolean): string | undefined {
  const empty = content === undefined || content === null || content === '' || (Array.isArray(content) && content.length === 0);
  if (empty) return isError ? `${at}.tool_result: content cannot be empty if \`is_error\` is true` : undefined;
  if (typeof content === 'string') return content.trim() === '' ? NON_WHITESPACE : undefined;
  if (!Array.isArray(content)) return `${at}.tool_result.content: Input should be a valid string or list`;
  for (const [k, raw] of content.entries()) {
    const inner = `${at}.tool_result.content.${k}`;
    if (!isObject(raw)) return `${inner}: Input should be a valid dictionary`;
    if (raw.type === 'text') {
      const problem = textProblem(raw, inner);
      if (problem) return problem;
      if ((raw.text as string).trim() === '') return NON_WHITESPACE;
    } else if (raw.type === 'image' || raw.type === 'document') {
      const problem = checkMediaBlock(raw, inner, manyImages);
      if (problem) return problem;
    } else if (raw.type !== 'search_result') {
      return `${inner}.type: Input should be 'text', 'image', 'document' or 'search_result'`;
    }
  }
  return undefined;
}

/** `thinking` config: enabled (budget ≥ 1024 and < max_tokens), adaptive or disabled; no temperature/top_k with it. */
function checkThinking(body: Json): string | undefined {
  const thinking = body.thinking;
  if (thinking === undefined || thinking === null) return undefined;
  if (!isObject(thinking)) return 'thinking: Input should be a valid dictionary';
  if (thinking.type === 'disabled') return undefined;
  if (thinking.type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (typeof budget !== 'number' || !Number.isInteger(budget)) return 'thinking.enabled.budget_tokens: Field required';
    if (budget < 1024) return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
    if (budget >= (body.max_tokens as number)) return `\`max_tokens\` must be greater than \`thinking.budget_tokens\`. Please consult our documentation at ${THINKING_DOCS}#max-tokens-and-context-window-size`;
  } else if (thinking.type !== 'adaptive') {
    return `thinking: Input tag '${String(thinking.type)}' found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'`;
  }
  if (body.temperature !== undefined && body.temperature !== 1) return `\`temperature\` may only be set to 1 when thinking is enabled. Please consult our documentation at ${THINKING_DOCS}#feature-compatibility`;
  if (body.top_k !== undefined) return `\`top_k\` is not supported when thinking is enabled. Please consult our documentation at ${THINKING_DOCS}#feature-compatibility`;
  return undefined;
}

const thinkingEnabled = (body: unknown) => isObject(body) && isObject(body.thinking) && (body.thinking.type === 'enabled' || body.thinking.type === 'adaptive');

// Keywords JSON outputs do not support (the SDKs move them into descriptions before sending).
const UNSUPPORTED_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'patternProperties', 'not', 'if', 'then', 'else'];

/** A JSON-outputs schema: objects closed with `additionalProperties: false`, no unsupported keywords. */
function checkOutputSchema(schema: Json, at: string): string | undefined {
  for (const keyword of UNSUPPORTED_KEYWORDS) if (schema[keyword] !== undefined) return `${at}: the '${keyword}' keyword is not supported in output_config.format schemas`;
  if (typeof schema.minItems === 'number' && schema.minItems > 1) return `${at}: 'minItems' values other than 0 or 1 are not supported in output_config.format schemas`;
  if (schema.type === 'object' || isObject(schema.properties)) {
    if (schema.additionalProperties !== false) return `${at}: For 'object' type, 'additionalProperties' must be explicitly set to false`;
    for (const [key, child] of Object.entries(isObject(schema.properties) ? schema.properties : {})) {
      if (isObject(child)) {
        const problem = checkOutputSchema(child, `${at}.properties.${key}`);
        if (problem) return problem;
      }
    }
  }
  if (isObject(schema.items)) return checkOutputSchema(schema.items, `${at}.items`);
  for (const keyword of ['anyOf', 'allOf'] as const) {
    if (!Array.isArray(schema[keyword])) continue;
    for (const [k, variant] of (schema[keyword] as unknown[]).entries()) {
      if (!isObject(variant)) continue;
      const problem = checkOutputSchema(variant, `${at}.${keyword}.${k}`);
      if (problem) return problem;
    }
  }
  for (const defs of ['$defs', 'definitions'] as const) {
    if (!isObject(schema[defs])) continue;
    for (const [key, child] of Object.entries(schema[defs] as Json)) {
      if (!isObject(child)) continue;
      const problem = checkOutputSchema(child, `${at}.${defs}.${key}`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function checkOutputFormat(format: unknown, at: string): string | undefined {
  if (!isObject(format)) return `${at}: Input should be a valid dictionary`;
  if (format.type !== 'json_schema') return `${at}.type: Input should be 'json_schema'`;
  if (!isObject(format.schema)) return `${at}.schema: Field required`;
  return checkOutputSchema(format.schema, `${at}.schema`);
}

/** Content blocks of reasoning, as the Messages API returns them. */
function reasoningBlocks(reasoning: readonly ScriptedReplyReasoning[]): Json[] {
  return reasoning.map((entry) => {
    if (entry.redacted) return { type: 'redacted_thinking', data: redactedData() };
    const text = entry.text ?? '';
    const signature = entry.signature === undefined ? signThinking(text) : entry.signature;
    return signature === null ? { type: 'thinking', thinking: text } : { type: 'thinking', thinking: text, signature };
  });
}

/**
 * Anthropic Messages (`POST /v1/messages`), per the API reference: bodies of at most 32 MB (413
 * `request_too_large`), `anthropic-version` header,
 * `x-api-key` or bearer auth, required `max_tokens`, user/assistant roles with a top-level
 * `system`, `tool_use`/`tool_result` blocks and the two 400s for unpaired ones — a `tool_result` after a
 * text or image block in its user turn counts as unpaired: results come first — (and the 400 for
 * tool blocks in a request that defines no tools), `tool_choice` (auto, any, tool, none; only auto or
 * none with thinking), JSON and SSE
 * (`message_start`, `content_block_*`, `message_delta`, `message_stop`).
 * Rich content as documented: `image` blocks (base64 jpeg/png/gif/webp whose bytes match the
 * declared type, at most 100 images and documents per request, at most 5 MB of base64 and 8000 px a side — 2000 px in a request of more than
 * 20 images —, or a URL), `document` blocks (base64 or URL PDF, `text/plain` text, content),
 * both in user turns and inside `tool_result.content`; non-empty text blocks. Extended thinking:
 * `thinking` config (enabled with `budget_tokens` ≥ 1024 and < `max_tokens`, adaptive, disabled;
 * no `temperature` ≠ 1 or `top_k` with it); `thinking` / `redacted_thinking` blocks are rendered
 * (JSON, and SSE `thinking_delta` / `signature_delta`) with signatures this server can verify;
 * sent back, a block with a missing, edited or foreign signature is a 400, and with thinking on,
 * a tool-use continuation whose assistant turn does not start with a thinking block gets the
 * API's 400 ("Expected `thinking` or `redacted_thinking`…"). Structured output:
 * `output_config.format` (`json_schema`, closed objects, no unsupported keywords); the beta
 * `output_format` only with the `structured-outputs-2025-11-13` beta header.
 */
export const anthropicWire: ProviderWire = {
  name: 'anthropic',
  streamContentType: 'text/event-stream; charset=utf-8',
  wantsStream: (body) => isObject(body) && body.stream === true,
  validate({ method, path, headers, body }) {
    if (method !== 'POST' || path.split('?')[0] !== '/v1/messages') return { status: 404, message: `Not found: ${method} ${path}` };
    const key = headers['x-api-key'] ?? (typeof headers.authorization === 'string' ? headers.authorization.replace(/^Bearer\s+/, '') : undefined);
    if (typeof key !== 'string' || key === '' || key === 'bad-key') return { status: 401, message: 'invalid x-api-key' };
    if (typeof headers['anthropic-version'] !== 'string') return invalid('anthropic-version: header is required');
    if (!isObject(body)) return invalid('Request body must be a JSON object');
    if (typeof body.model !== 'string' || !body.model) return invalid('model: Field required');
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) return invalid('max_tokens: Field required');
    if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) return invalid('system: Input should be a valid string or list of text blocks');
    if (!Array.isArray(body.messages) || body.messages.length === 0) return invalid('messages: at least one message is required');
    const thinkingProblem = checkThinking(body);
    if (thinkingProblem) return invalid(thinkingProblem);
    if (body.output_config !== undefined) {
      if (!isObject(body.output_config)) return invalid('output_config: Input should be a valid dictionary');
      if (body.output_config.format !== undefined && body.output_config.format !== null) {
        const problem = checkOutputFormat(body.output_config.format, 'output_config.format');
        if (problem) return invalid(problem);
      }
    }
    if (body.output_format !== undefined) {
      const beta = String(headers['anthropic-beta'] ?? '');
      if (!beta.split(',').map((b) => b.trim()).includes('structured-outputs-2025-11-13')) return invalid('output_format: Extra inputs are not permitted');
      const problem = checkOutputFormat(body.output_format, 'output_format');
      if (problem) return invalid(problem);
    }
    if (body.tools !== undefined) {
      if (!Array.isArray(body.tools)) return invalid('tools: Input should be a valid list');
      for (const [i, tool] of body.tools.entries()) {
        if (!isObject(tool) || typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(tool.name)) return invalid(`tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
        if (!isObject(tool.input_schema) || tool.input_schema.type !== 'object') return invalid(`tools.${i}.input_schema.type: Input should be 'object'`);
        // The API refuses two definitions of one name in a request.
        if (body.tools.slice(0, i).some((earlier) => isObject(earlier) && earlier.name === tool.name)) return invalid('tools: Tool names must be unique.');
      }
    }
    if (body.tool_choice !== undefined) {
      const choice = body.tool_choice;
      if (!isObject(choice) || !['auto', 'any', 'tool', 'none'].includes(String(choice.type))) return invalid("tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'");
      if (choice.type === 'tool' && typeof choice.name !== 'string') return invalid('tool_choice.tool.name: Field required');
      if (thinkingEnabled(body) && (choice.type === 'any' || choice.type === 'tool')) return invalid(`Thinking may not be enabled when tool_choice forces tool use. Please consult our documentation at ${THINKING_DOCS}#extended-thinking-with-tool-use`);
    }
    const messages = body.messages as unknown[];
    const toolUseIds = new Set<string>();
    const images = countImages(messages);
    const documents = countDocuments(messages);
    if (images + documents > MAX_MEDIA) return invalid(`too many images and documents: ${images} + ${documents} > ${MAX_MEDIA}`);
    const manyImages = images > MANY_IMAGES;
    for (const [i, message] of messages.entries()) {
      if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant')) {
        return invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
      }
      if (typeof message.content !== 'string' && !Array.isArray(message.content)) return invalid(`messages.${i}.content: Input should be a valid string or list`);
      const blocks = blocksOf(message.content);
      if (Array.isArray(message.content) && blocks.length === 0 && !(i === messages.length - 1 && message.role === 'assistant')) return invalid(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
      const previous = i > 0 ? (messages[i - 1] as Json) : undefined;
      const used = previous?.role === 'assistant' ? blocksOf(previous.content).filter((b) => b.type === 'tool_use').map((b) => b.id as string) : [];
      for (const [j, block] of blocks.entries()) {
        const at = `messages.${i}.content.${j}`;
        if (!isObject(block) || typeof block.type !== 'string') return invalid(`${at}: Input should be a valid content block`);
        if (block.type === 'text' && Array.isArray(message.content)) {
          const problem = textProblem(block, at);
          if (problem) return invalid(problem);
          // A text block of a message that is only whitespace (a model's "\n\n" before its tool calls) fails the request.
          if ((block.text as string).trim() === '') return invalid('messages: text content blocks must contain non-whitespace text');
        }
        if (block.type === 'image' || block.type === 'document') {
          if (message.role !== 'user') return invalid(`${at}: ${block.type} blocks are only allowed in user messages`);
          const problem = checkMediaBlock(block, at, manyImages);
          if (problem) return invalid(problem);
        }
        if (block.type === 'thinking' || block.type === 'redacted_thinking') {
          if (message.role !== 'assistant') return invalid(`${at}: ${block.type} blocks are only allowed in assistant messages`);
          if (block.type === 'thinking') {
            if (typeof block.thinking !== 'string') return invalid(`${at}.thinking.thinking: Field required`);
            if (typeof block.signature !== 'string') return invalid(`${at}.thinking.signature: Field required`);
            if (!verifySignature(block.signature, block.thinking)) return invalid(`${at}: Invalid \`signature\` in \`thinking\` block`);
          } else {
            if (typeof block.data !== 'string') return invalid(`${at}.redacted_thinking.data: Field required`);
            if (!verifyRedacted(block.data)) return invalid(`${at}: Invalid \`data\` in \`redacted_thinking\` block`);
          }
        }
        if (block.type === 'tool_use') {
          if (message.role !== 'assistant') return invalid(`${at}: tool_use blocks are only allowed in assistant messages`);
          if (typeof block.id !== 'string' || typeof block.name !== 'string' || !isObject(block.input)) return invalid(`${at}.input: Input should be a valid dictionary`);
          // Ids minted by another provider (Kimi's `functions.Bash:0`) fail the whole request.
          if (!TOOL_USE_ID.test(block.id)) return invalid(`${at}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
          // The spec's pattern for a history tool name (later versions allow 1–200 characters of any kind): checked at its strictest.
          if (!TOOL_NAME.test(block.name)) return invalid(`${at}.tool_use.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
          if (toolUseIds.has(block.id)) return invalid(`${at}: \`tool_use\` ids must be unique`);
          toolUseIds.add(block.id);
        }
        if (block.type === 'tool_result') {
          if (message.role !== 'user') return invalid(`${at}: tool_result blocks are only allowed in user messages`);
          if (typeof block.tool_use_id === 'string' && !TOOL_USE_ID.test(block.tool_use_id)) return invalid(`${at}.tool_result.tool_use_id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
          if (typeof block.tool_use_id !== 'string' || !used.includes(block.tool_use_id)) {
            return invalid(`${at}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`);
          }
          const problem = checkToolResultContent(block.content, at, block.is_error === true, manyImages);
          if (problem) return invalid(problem);
        }
      }
      if (message.role === 'assistant') {
        const ids = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id as string);
        if (ids.length > 0) {
          const next = messages[i + 1] as Json | undefined;
          // Only the tool_result blocks that open the next user turn answer it: "tool_result blocks must come FIRST in the
          // content array" (tool use docs); a text or image block before one leaves its id unanswered, as the API says.
          const blocksAfter = next?.role === 'user' ? blocksOf(next.content) : [];
          const leading = blocksAfter.findIndex((b) => b.type !== 'tool_result');
          const answered = blocksAfter.slice(0, leading === -1 ? blocksAfter.length : leading).map((b) => b.tool_use_id as string);
          const missing = ids.filter((id) => !answered.includes(id));
          if (missing.length > 0) {
            return invalid(`messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`);
          }
        }
      }
    }
    if ((messages[0] as Json).role !== 'user') return invalid('messages: first message must use the "user" role');
    // Tool traffic in the history needs tool definitions in the same request (a tools-off call must send it as text).
    const definesTools = Array.isArray(body.tools) && body.tools.length > 0;
    if (!definesTools && messages.some((message) => blocksOf((message as Json).content).some((b) => isObject(b) && (b.type === 'tool_use' || b.type === 'tool_result')))) {
      return invalid('Requests which include `tool_use` or `tool_result` blocks must define tools.');
    }
    // With thinking on, a tool-use continuation must hand back the assistant turn's thinking first.
    const last = messages.at(-1) as Json;
    if (thinkingEnabled(body) && last.role === 'user' && blocksOf(last.content).some((b) => isObject(b) && b.type === 'tool_result') && messages.length >= 2) {
      const index = messages.length - 2;
      const first = blocksOf((messages[index] as Json).content)[0];
      if (!isObject(first) || (first.type !== 'thinking' && first.type !== 'redacted_thinking')) {
        return invalid(`messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${isObject(first) ? String(first.type) : 'nothing'}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at ${THINKING_DOCS}`);
      }
    }
    return undefined;
  },
  render(reply, body) {
    const content: Json[] = thinkingEnabled(body) ? reasoningBlocks(reply.reasoning ?? []) : [];
    if (reply.text) content.push({ type: 'text', text: reply.text });
    for (const [i, call] of (reply.toolCalls ?? []).entries()) content.push({ type: 'tool_use', id: call.id ?? `toolu_${i}`, name: call.name, input: inputObject(call.args) });
    const usage = reply.usage ?? { inputTokens: 12, outputTokens: 6 };
    return {
      id: 'msg_loopback', type: 'message', role: 'assistant', model: (body as Json).model, content,
      stop_reason: STOP[reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop')], stop_sequence: null,
      usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
    };
  },
  renderStream(reply, body) {
    const event = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const usage = reply.usage ?? { inputTokens: 12, outputTokens: 6 };
    const frames = [event('message_start', { message: { id: 'msg_loopback', type: 'message', role: 'assistant', model: (body as Json).model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.inputTokens, output_tokens: 1 } } })];
    let index = 0;
    for (const block of thinkingEnabled(body) ? reasoningBlocks(reply.reasoning ?? []) : []) {
      if (block.type === 'redacted_thinking') {
        frames.push(event('content_block_start', { index, content_block: block }));
      } else {
        frames.push(event('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
        for (const piece of pieces(block.thinking as string)) frames.push(event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } }));
        if (typeof block.signature === 'string') frames.push(event('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } }));
      }
      frames.push(event('content_block_stop', { index }));
      index++;
    }
    if (reply.text) {
      frames.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      frames.push(event('ping', {}));
      for (const piece of pieces(reply.text)) frames.push(event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
      frames.push(event('content_block_stop', { index }));
      index++;
    }
    for (const [i, call] of (reply.toolCalls ?? []).entries()) {
      frames.push(event('content_block_start', { index, content_block: { type: 'tool_use', id: call.id ?? `toolu_${i}`, name: call.name, input: {} } }));
      for (const piece of pieces(argsText(call.args), 12)) frames.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }));
      frames.push(event('content_block_stop', { index }));
      index++;
    }
    frames.push(event('message_delta', { delta: { stop_reason: STOP[reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop')], stop_sequence: null }, usage: { output_tokens: usage.outputTokens } }));
    frames.push(event('message_stop', {}));
    return frames;
  },
  // The Messages API takes request bodies of at most 32 MB (413 `request_too_large`); counted in decimal megabytes, the stricter reading.
  maxRequest: { bytes: 32_000_000, error: { status: 413, message: 'Request exceeds the maximum size' } },
  errorBody(error) {
    const type = error.status === 401 ? 'authentication_error' : error.status === 403 ? 'permission_error' : error.status === 404 ? 'not_found_error' : error.status === 413 ? 'request_too_large'
      : error.status === 429 ? 'rate_limit_error' : error.status === 529 ? 'overloaded_error' : error.status >= 500 ? 'api_error' : 'invalid_request_error';
    return { type: 'error', error: { type, message: error.message } };
  },
  inspect(body) {
    const b = isObject(body) ? body : {};
    const format = isObject(b.output_config) ? b.output_config.format : b.output_format;
    return {
      ...(typeof b.max_tokens === 'number' ? { maxOutputTokens: b.max_tokens } : {}),
      ...(isObject(format) ? { outputSchema: format.schema } : {}),
      reasoning: thinkingEnabled(b),
    };
  },
};

/** Starts a strict Anthropic-compatible server. Point the SDK at `server.url` (no `/v1`). */
export const startAnthropicServer = (steps: readonly LoopbackStep[] = []): Promise<LoopbackServer> => startLoopbackServer(anthropicWire, steps);
