import { argsText, pieces, startLoopbackServer, type LoopbackServer, type LoopbackStep, type ProviderWire, type ScriptedReply, type WireError } from './loopback-server.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const FINISH: Record<NonNullable<ScriptedReply['finishReason']>, string> = { stop: 'stop', tool_calls: 'tool_calls', length: 'length', content_filter: 'content_filter' };
const invalid = (message: string, param: string | null = null): WireError & { param: string | null } => ({ status: 400, message, param });

/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`), per the API reference: bearer auth,
 * message shapes, tool definitions, the two pairing errors the API returns for orphaned tool
 * calls and results, JSON and SSE (`data: …` chunks, optional usage chunk, `data: [DONE]`).
 */
export const openaiWire: ProviderWire = {
  name: 'openai',
  streamContentType: 'text/event-stream; charset=utf-8',
  wantsStream: (body) => isObject(body) && body.stream === true,
  validate({ method, path, headers, body }) {
    if (method !== 'POST' || path.split('?')[0] !== '/v1/chat/completions') return { status: 404, message: `Invalid URL (${method} ${path})` };
    const auth = headers.authorization;
    if (typeof auth !== 'string' || !/^Bearer \S+/.test(auth)) return { status: 401, message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth." };
    if (auth === 'Bearer bad-key') return { status: 401, message: 'Incorrect API key provided: bad-key.' };
    if (!isObject(body)) return invalid('We could not parse the JSON body of your request.');
    if (typeof body.model !== 'string' || !body.model) return invalid("you must provide a model parameter", 'model');
    if (!Array.isArray(body.messages) || body.messages.length === 0) return invalid("[] is too short - 'messages'", 'messages');
    if (body.stream !== undefined && typeof body.stream !== 'boolean') return invalid("Invalid type for 'stream'", 'stream');
    if (body.tools !== undefined) {
      if (!Array.isArray(body.tools)) return invalid("Invalid type for 'tools'", 'tools');
      for (const [i, tool] of body.tools.entries()) {
        const fn = isObject(tool) ? tool.function : undefined;
        if (!isObject(tool) || tool.type !== 'function' || !isObject(fn)) return invalid(`Invalid value for 'tools[${i}]'`, `tools[${i}]`);
        if (typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) return invalid(`Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, `tools[${i}].function.name`);
        if (fn.parameters !== undefined && (!isObject(fn.parameters) || fn.parameters.type !== 'object')) return invalid(`Invalid schema for function '${fn.name}': schema must be a JSON Schema of 'type: "object"'.`, `tools[${i}].function.parameters`);
      }
    }
    let open: Set<string> | undefined;
    let openIndex = -1;
    for (const [i, message] of (body.messages as unknown[]).entries()) {
      if (!isObject(message) || typeof message.role !== 'string') return invalid(`Invalid value for 'messages[${i}]'`, `messages.[${i}]`);
      const role = message.role;
      if (role !== 'tool' && open && open.size > 0) {
        return invalid(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`, `messages.[${openIndex}].role`);
      }
      if (role === 'system' || role === 'developer' || role === 'user') {
        if (typeof message.content !== 'string' && !Array.isArray(message.content)) return invalid(`Invalid type for 'messages[${i}].content'`, `messages.[${i}].content`);
        open = undefined;
      } else if (role === 'assistant') {
        if (message.content !== null && message.content !== undefined && typeof message.content !== 'string' && !Array.isArray(message.content)) return invalid(`Invalid type for 'messages[${i}].content'`, `messages.[${i}].content`);
        const calls = message.tool_calls;
        if (calls !== undefined) {
          if (!Array.isArray(calls) || calls.length === 0) return invalid(`Invalid 'messages[${i}].tool_calls': empty array.`, `messages.[${i}].tool_calls`);
          for (const [j, call] of calls.entries()) {
            const fn = isObject(call) ? call.function : undefined;
            if (!isObject(call) || typeof call.id !== 'string' || call.type !== 'function' || !isObject(fn) || typeof fn.name !== 'string' || typeof fn.arguments !== 'string') {
              return invalid(`Invalid value for 'messages[${i}].tool_calls[${j}]'`, `messages.[${i}].tool_calls.[${j}]`);
            }
          }
          open = new Set(calls.map((call) => (call as Json).id as string));
          openIndex = i;
        } else {
          if (message.content === null || message.content === undefined) return invalid(`Invalid value for 'messages[${i}].content': expected a string, got null.`, `messages.[${i}].content`);
          open = undefined;
        }
      } else if (role === 'tool') {
        if (typeof message.tool_call_id !== 'string' || typeof message.content !== 'string') return invalid(`Missing required parameter: 'messages[${i}].tool_call_id'.`, `messages.[${i}].tool_call_id`);
        if (!open || !open.has(message.tool_call_id)) {
          return invalid("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", `messages.[${i}].role`);
        }
        open.delete(message.tool_call_id);
      } else {
        return invalid(`Invalid value: '${role}'. Supported values are: 'system', 'assistant', 'user', 'tool', and 'developer'.`, `messages.[${i}].role`);
      }
    }
    if (open && open.size > 0) {
      return invalid(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`, `messages.[${openIndex}].role`);
    }
    return undefined;
  },
  render(reply, body) {
    const calls = reply.toolCalls?.map((call, i) => ({ id: call.id ?? `call_${i}`, type: 'function', function: { name: call.name, arguments: argsText(call.args) } }));
    const usage = reply.usage ?? { inputTokens: 12, outputTokens: 6 };
    return {
      id: 'chatcmpl-loopback', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: (body as Json).model, system_fingerprint: null,
      choices: [{ index: 0, message: { role: 'assistant', content: reply.text ?? null, refusal: null, ...(calls?.length ? { tool_calls: calls } : {}) }, logprobs: null, finish_reason: FINISH[reply.finishReason ?? (calls?.length ? 'tool_calls' : 'stop')] }],
      usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens },
    };
  },
  renderStream(reply, body) {
    const model = (body as Json).model;
    const chunk = (choices: unknown[], extra: Json = {}) => `data: ${JSON.stringify({ id: 'chatcmpl-loopback', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, system_fingerprint: null, choices, ...extra })}\n\n`;
    const frames = [chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])];
    for (const piece of pieces(reply.text ?? '')) frames.push(chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]));
    for (const [i, call] of (reply.toolCalls ?? []).entries()) {
      frames.push(chunk([{ index: 0, delta: { tool_calls: [{ index: i, id: call.id ?? `call_${i}`, type: 'function', function: { name: call.name, arguments: '' } }] }, logprobs: null, finish_reason: null }]));
      for (const piece of pieces(argsText(call.args), 12)) frames.push(chunk([{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: piece } }] }, logprobs: null, finish_reason: null }]));
    }
    frames.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: FINISH[reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop')] }]));
    const options = (body as Json).stream_options;
    if (isObject(options) && options.include_usage === true) {
      const usage = reply.usage ?? { inputTokens: 12, outputTokens: 6 };
      frames.push(chunk([], { usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens } }));
    }
    frames.push('data: [DONE]\n\n');
    return frames;
  },
  errorBody(error) {
    const type = error.status === 429 ? 'rate_limit_exceeded' : error.status === 401 ? 'invalid_request_error' : error.status >= 500 ? 'server_error' : 'invalid_request_error';
    const param = (error as { param?: string | null }).param ?? null;
    return { error: { message: error.message, type, param, code: error.status === 401 ? 'invalid_api_key' : error.status === 429 ? 'rate_limit_exceeded' : null } };
  },
};

/** Starts a strict OpenAI-compatible server. Point the SDK at `${server.url}/v1`. */
export const startOpenAIServer = (steps: readonly LoopbackStep[] = []): Promise<LoopbackServer> => startLoopbackServer(openaiWire, steps);
