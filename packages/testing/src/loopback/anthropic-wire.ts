import { argsText, pieces, startLoopbackServer, type LoopbackServer, type LoopbackStep, type ProviderWire, type ScriptedReply } from './loopback-server.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const STOP: Record<NonNullable<ScriptedReply['finishReason']>, string> = { stop: 'end_turn', tool_calls: 'tool_use', length: 'max_tokens', content_filter: 'refusal' };
const invalid = (message: string) => ({ status: 400, message });
const blocksOf = (content: unknown): Json[] => (typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? (content as Json[]) : []);

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

/**
 * Anthropic Messages (`POST /v1/messages`), per the API reference: `anthropic-version` header,
 * `x-api-key` or bearer auth, required `max_tokens`, user/assistant roles with a top-level
 * `system`, `tool_use`/`tool_result` blocks and the two 400s for unpaired ones, JSON and SSE
 * (`message_start`, `content_block_*`, `message_delta`, `message_stop`).
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
    if (body.tools !== undefined) {
      if (!Array.isArray(body.tools)) return invalid('tools: Input should be a valid list');
      for (const [i, tool] of body.tools.entries()) {
        if (!isObject(tool) || typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(tool.name)) return invalid(`tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
        if (!isObject(tool.input_schema) || tool.input_schema.type !== 'object') return invalid(`tools.${i}.input_schema.type: Input should be 'object'`);
      }
    }
    const messages = body.messages as unknown[];
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
        if (!isObject(block) || typeof block.type !== 'string') return invalid(`messages.${i}.content.${j}: Input should be a valid content block`);
        if (block.type === 'text' && typeof block.text !== 'string') return invalid(`messages.${i}.content.${j}.text: Field required`);
        if (block.type === 'tool_use') {
          if (message.role !== 'assistant') return invalid(`messages.${i}.content.${j}: tool_use blocks are only allowed in assistant messages`);
          if (typeof block.id !== 'string' || typeof block.name !== 'string' || !isObject(block.input)) return invalid(`messages.${i}.content.${j}.input: Input should be a valid dictionary`);
        }
        if (block.type === 'tool_result') {
          if (message.role !== 'user') return invalid(`messages.${i}.content.${j}: tool_result blocks are only allowed in user messages`);
          if (typeof block.tool_use_id !== 'string' || !used.includes(block.tool_use_id)) {
            return invalid(`messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`);
          }
        }
      }
      if (message.role === 'assistant') {
        const ids = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id as string);
        if (ids.length > 0) {
          const next = messages[i + 1] as Json | undefined;
          const answered = next?.role === 'user' ? blocksOf(next.content).filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id as string) : [];
          const missing = ids.filter((id) => !answered.includes(id));
          if (missing.length > 0) {
            return invalid(`messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`);
          }
        }
      }
    }
    if ((messages[0] as Json).role !== 'user') return invalid('messages: first message must use the "user" role');
    return undefined;
  },
  render(reply, body) {
    const content: Json[] = [];
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
  errorBody(error) {
    const type = error.status === 401 ? 'authentication_error' : error.status === 403 ? 'permission_error' : error.status === 404 ? 'not_found_error'
      : error.status === 429 ? 'rate_limit_error' : error.status === 529 ? 'overloaded_error' : error.status >= 500 ? 'api_error' : 'invalid_request_error';
    return { type: 'error', error: { type, message: error.message } };
  },
};

/** Starts a strict Anthropic-compatible server. Point the SDK at `server.url` (no `/v1`). */
export const startAnthropicServer = (steps: readonly LoopbackStep[] = []): Promise<LoopbackServer> => startLoopbackServer(anthropicWire, steps);
