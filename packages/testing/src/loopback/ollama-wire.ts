import { pieces, startLoopbackServer, type LoopbackServer, type LoopbackStep, type ProviderWire, type ScriptedReply } from './loopback-server.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const DONE: Record<NonNullable<ScriptedReply['finishReason']>, string> = { stop: 'stop', tool_calls: 'stop', length: 'length', content_filter: 'stop' };
const argumentsObject = (args: unknown): Json => {
  if (isObject(args)) return args;
  try {
    const parsed: unknown = JSON.parse(String(args));
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
};

/**
 * Ollama chat (`POST /api/chat`), per its API docs: `model` required, roles
 * system/user/assistant/tool, `tool_calls[].function.arguments` as an object (Go's decoder
 * rejects a string), NDJSON streaming by default (`stream` absent means true), final chunk
 * with `done: true`, `done_reason` and token counts. Ollama itself does not reject unpaired
 * tool messages (its chat template renders them); agentrt's own pairing check covers that.
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
    for (const [i, message] of body.messages.entries()) {
      if (!isObject(message) || !['system', 'user', 'assistant', 'tool'].includes(String(message.role))) return { status: 400, message: `invalid role in messages[${i}]` };
      if (message.content !== undefined && typeof message.content !== 'string') return { status: 400, message: `json: cannot unmarshal ${typeof message.content} into Go struct field Message.messages.content of type string` };
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
    return {
      model: (body as Json).model, created_at: new Date().toISOString(),
      message: { role: 'assistant', content: reply.text ?? '', ...(calls?.length ? { tool_calls: calls } : {}) },
      done: true, done_reason: DONE[reply.finishReason ?? 'stop'],
      total_duration: 1_000_000, load_duration: 1_000, prompt_eval_count: usage.inputTokens, prompt_eval_duration: 1_000, eval_count: usage.outputTokens, eval_duration: 1_000,
    };
  },
  renderStream(reply, body) {
    const model = (body as Json).model;
    const line = (data: Json) => `${JSON.stringify({ model, created_at: new Date().toISOString(), ...data })}\n`;
    const frames = pieces(reply.text ?? '').map((piece) => line({ message: { role: 'assistant', content: piece }, done: false }));
    if (reply.toolCalls?.length) {
      frames.push(line({ message: { role: 'assistant', content: '', tool_calls: reply.toolCalls.map((call) => ({ function: { name: call.name, arguments: argumentsObject(call.args) } })) }, done: false }));
    }
    const usage = reply.usage ?? { inputTokens: 12, outputTokens: 6 };
    frames.push(line({ message: { role: 'assistant', content: '' }, done: true, done_reason: DONE[reply.finishReason ?? 'stop'], total_duration: 1_000_000, load_duration: 1_000, prompt_eval_count: usage.inputTokens, prompt_eval_duration: 1_000, eval_count: usage.outputTokens, eval_duration: 1_000 }));
    return frames;
  },
  errorBody: (error) => ({ error: error.message }),
};

/** Starts a strict Ollama-compatible server. Use `new Ollama({ host: server.url })`. */
export const startOllamaServer = (steps: readonly LoopbackStep[] = []): Promise<LoopbackServer> => startLoopbackServer(ollamaWire, steps);
