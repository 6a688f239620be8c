import { pieces, startLoopbackServer, type LoopbackServer, type LoopbackStep, type ProviderWire, type ScriptedReply } from './loopback-server.js';
import { isBase64, sniffMediaType } from './media.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const DONE: Record<NonNullable<ScriptedReply['finishReason']>, string> = { stop: 'stop', tool_calls: 'stop', length: 'length', content_filter: 'stop' };
// What Ollama's image decoding reads (Go's image/png, image/jpeg, plus webp and gif).
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const argumentsObject = (args: unknown): Json => {
  if (isObject(args)) return args;
  try {
    const parsed: unknown = JSON.parse(String(args));
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
};
const thinks = (body: unknown) => isObject(body) && body.think !== undefined && body.think !== false;
const thinkingText = (reply: ScriptedReply) => (reply.reasoning ?? []).map((entry) => entry.text ?? '').filter(Boolean).join('\n');

/**
 * Ollama chat (`POST /api/chat`), per its API docs: `model` required, roles
 * system/user/assistant/tool, `tool_calls[].function.arguments` as an object (Go's decoder
 * rejects a string), NDJSON streaming by default (`stream` absent means true), final chunk
 * with `done: true`, `done_reason` and token counts. Ollama itself does not reject unpaired
 * tool messages (its chat template renders them); agentrt's own pairing check covers that.
 * Rich messages: `images` (a list of standard base64 strings, decoded as images), `thinking`
 * (a string) on messages, `think` (boolean or `high`/`medium`/`low`), `format` (`"json"` or a
 * JSON schema object), `options.num_predict` (an integer). Scripted reasoning is rendered as
 * `message.thinking` (streamed before the content) only when the request sets `think`.
 */
export const ollamaWire: ProviderWire = {
  name: 'ollama',
  streamContentType: 'application/x-ndjson',
  wantsStream: (body) => !isObject(body) || body.stream !== false,
  validate({ method, path, body }) {
    if (method !== 'POST' || path.split('?')[0] !== '/api/chat') return { status: 404, message: '404 page not found' };
    if (!isObject(body)) return { status: 400, message: 'invalid request body' };
    if (typeof body.model !== 'string' || !body.model) return { status: 400, message: 'model is required' };
    if (body.model === 'missing-model') return { status: 404, message: `model "${body.model}" not found, try pulling it first` };
    if (!Array.isArray(body.messages)) return { status: 400, message: 'json: cannot unmarshal messages' };
    if (body.think !== undefined && typeof body.think !== 'boolean' && !['high', 'medium', 'low'].includes(String(body.think))) {
      return { status: 400, message: `invalid think value: ${JSON.stringify(body.think)} (must be "high", "medium", "low", true, or false)` };
    }
    if (body.format !== undefined && body.format !== null && body.format !== '' && body.format !== 'json' && !isObject(body.format)) {
      return { status: 400, message: `invalid format: ${JSON.stringify(body.format)}; expected "json" or a valid JSON schema` };
    }
    if (isObject(body.format) && body.format.type !== undefined && typeof body.format.type !== 'string' && !Array.isArray(body.format.type)) {
      return { status: 400, message: 'invalid JSON schema in format' };
    }
    if (body.options !== undefined) {
      if (!isObject(body.options)) return { status: 400, message: 'json: cannot unmarshal options' };
      const predict = body.options.num_predict;
      if (predict !== undefined && (typeof predict !== 'number' || !Number.isInteger(predict))) {
        return { status: 400, message: `json: cannot unmarshal ${typeof predict} into Go struct field Options.num_predict of type int` };
      }
    }
    for (const [i, message] of body.messages.entries()) {
      if (!isObject(message) || !['system', 'user', 'assistant', 'tool'].includes(String(message.role))) return { status: 400, message: `invalid role in messages[${i}]` };
      if (message.content !== undefined && typeof message.content !== 'string') return { status: 400, message: `json: cannot unmarshal ${typeof message.content} into Go struct field Message.messages.content of type string` };
      if (message.thinking !== undefined && typeof message.thinking !== 'string') return { status: 400, message: `json: cannot unmarshal ${typeof message.thinking} into Go struct field Message.messages.thinking of type string` };
      if (message.images !== undefined && message.images !== null) {
        if (!Array.isArray(message.images)) return { status: 400, message: 'json: cannot unmarshal images into Go struct field Message.messages.images of type []api.ImageData' };
        for (const image of message.images) {
          // Go decodes []byte from standard base64; a bad character fails the whole request.
          if (!isBase64(image)) return { status: 400, message: 'illegal base64 data at input byte 0' };
          if (!IMAGE_TYPES.includes(sniffMediaType(image) ?? '')) return { status: 400, message: 'image: unknown format' };
        }
      }
      if (message.tool_calls !== undefined) {
        if (!Array.isArray(message.tool_calls)) return { status: 400, message: 'json: cannot unmarshal tool_calls' };
        for (const call of message.tool_calls) {
          const fn = isObject(call) ? call.function : undefined;
          if (!isObject(fn) || typeof fn.name !== 'string') return { status: 400, message: 'json: cannot unmarshal tool call' };
          if (!isObject(fn.arguments)) return { status: 400, message: `json: cannot unmarshal ${typeof fn.arguments} into Go struct field ToolCallFunction.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments` };
        }
      }
    }
    if (body.tools !== undefined) {
      if (!Array.isArray(body.tools)) return { status: 400, message: 'json: cannot unmarshal tools' };
      for (const tool of body.tools) if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function) || typeof tool.function.name !== 'string') return { status: 400, message: 'json: cannot unmarshal tool' };
    }
    return undefined;
  },
  render(reply, body) {
    const usage = reply.usage ?? { inputTokens: 12, outputTokens: 6 };
    const calls = reply.toolCalls?.map((call) => ({ function: { name: call.name, arguments: argumentsObject(call.args) } }));
    const thinking = thinks(body) ? thinkingText(reply) : '';
    return {
      model: (body as Json).model, created_at: new Date().toISOString(),
      message: { role: 'assistant', content: reply.text ?? '', ...(thinking ? { thinking } : {}), ...(calls?.length ? { tool_calls: calls } : {}) },
      done: true, done_reason: DONE[reply.finishReason ?? 'stop'],
      total_duration: 1_000_000, load_duration: 1_000, prompt_eval_count: usage.inputTokens, prompt_eval_duration: 1_000, eval_count: usage.outputTokens, eval_duration: 1_000,
    };
  },
  renderStream(reply, body) {
    const model = (body as Json).model;
    const line = (data: Json) => `${JSON.stringify({ model, created_at: new Date().toISOString(), ...data })}\n`;
    const frames = pieces(thinks(body) ? thinkingText(reply) : '').map((piece) => line({ message: { role: 'assistant', content: '', thinking: piece }, done: false }));
    frames.push(...pieces(reply.text ?? '').map((piece) => line({ message: { role: 'assistant', content: piece }, done: false })));
    if (reply.toolCalls?.length) {
      frames.push(line({ message: { role: 'assistant', content: '', tool_calls: reply.toolCalls.map((call) => ({ function: { name: call.name, arguments: argumentsObject(call.args) } })) }, done: false }));
    }
    const usage = reply.usage ?? { inputTokens: 12, outputTokens: 6 };
    frames.push(line({ message: { role: 'assistant', content: '' }, done: true, done_reason: DONE[reply.finishReason ?? 'stop'], total_duration: 1_000_000, load_duration: 1_000, prompt_eval_count: usage.inputTokens, prompt_eval_duration: 1_000, eval_count: usage.outputTokens, eval_duration: 1_000 }));
    return frames;
  },
  errorBody: (error) => ({ error: error.message }),
  inspect(body) {
    const b = isObject(body) ? body : {};
    const predict = isObject(b.options) ? b.options.num_predict : undefined;
    return { ...(typeof predict === 'number' ? { maxOutputTokens: predict } : {}), ...(isObject(b.format) ? { outputSchema: b.format } : {}), reasoning: thinks(b) };
  },
};

/** Starts a strict Ollama-compatible server. Use `new Ollama({ host: server.url })`. */
export const startOllamaServer = (steps: readonly LoopbackStep[] = []): Promise<LoopbackServer> => startLoopbackServer(ollamaWire, steps);
