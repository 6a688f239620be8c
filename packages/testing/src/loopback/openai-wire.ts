import { argsText, pieces, startLoopbackServer, type LoopbackServer, type LoopbackStep, type ProviderWire, type ScriptedReply, type WireError } from './loopback-server.js';
import { isHttpUrl, parseDataUrl, sniffMediaType } from './media.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const HISTORY_TOOL_NAME = /^[a-zA-Z0-9_-]+$/;
const MAX_TOOL_CALL_ID = 40;
const FORMAT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const FINISH: Record<NonNullable<ScriptedReply['finishReason']>, string> = { stop: 'stop', tool_calls: 'tool_calls', length: 'length', content_filter: 'content_filter' };
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const invalid = (message: string, param: string | null = null): WireError & { param: string | null } => ({ status: 400, message, param });

/** Checks one content part of a user message (text, image_url, input_audio, file). */
function checkUserPart(part: unknown, at: string): WireError | undefined {
  if (!isObject(part)) return invalid(`Invalid type for '${at}': expected an object.`, at);
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string' ? undefined : invalid(`Missing required parameter: '${at}.text'.`, `${at}.text`);
    case 'image_url': {
      const image = part.image_url;
      if (!isObject(image)) return invalid(`Invalid type for '${at}.image_url': expected an object, but got ${typeof image === 'string' ? 'a string' : typeof image} instead.`, `${at}.image_url`);
      if (image.detail !== undefined && !['auto', 'low', 'high'].includes(String(image.detail))) {
        return invalid(`Invalid value: '${String(image.detail)}'. Supported values are: 'auto', 'low', and 'high'.`, `${at}.image_url.detail`);
      }
      if (typeof image.url !== 'string') return invalid(`Missing required parameter: '${at}.image_url.url'.`, `${at}.image_url.url`);
      if (isHttpUrl(image.url)) return undefined;
      const example = "Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got";
      const parsed = parseDataUrl(image.url);
      if ('problem' in parsed) {
        const got = parsed.problem === 'no-prefix' ? "a value without the 'data:' prefix." : parsed.problem === 'empty' ? 'empty base64-encoded bytes.' : 'an invalid base64-encoded value.';
        return invalid(`Invalid image URL: '${at}.image_url.url'. ${example} ${got}`, `${at}.image_url.url`);
      }
      if (!IMAGE_TYPES.includes(parsed.mediaType)) return invalid(`Invalid image URL: '${at}.image_url.url'. ${example} unsupported MIME type '${parsed.mediaType}'.`, `${at}.image_url.url`);
      // The API decodes the bytes: a declared type it supports does not rescue bytes it cannot read.
      if (!IMAGE_TYPES.includes(sniffMediaType(parsed.data) ?? '')) {
        return invalid("You uploaded an unsupported image. Please make sure your image has of one the following formats: ['png', 'jpeg', 'gif', 'webp'].", `${at}.image_url.url`);
      }
      return undefined;
    }
    case 'file': {
      const file = part.file;
      if (!isObject(file)) return invalid(`Invalid type for '${at}.file': expected an object.`, `${at}.file`);
      if (typeof file.file_id === 'string') return undefined;
      if (typeof file.file_data !== 'string') return invalid(`Missing required parameter: '${at}.file.file_data' or '${at}.file.file_id'.`, `${at}.file`);
      const parsed = parseDataUrl(file.file_data);
      const example = "Expected a base64-encoded data URL with an application/pdf MIME type (e.g. 'data:application/pdf;base64,SGVsbG8sIFdvcmxkIQ=='), but got";
      if ('problem' in parsed) {
        const got = parsed.problem === 'no-prefix' ? "a value without the 'data:' prefix." : parsed.problem === 'empty' ? 'empty base64-encoded bytes.' : 'an invalid base64-encoded value.';
        return invalid(`Invalid file data: '${at}.file.file_data'. ${example} ${got}`, `${at}.file.file_data`);
      }
      // Chat Completions takes PDF only as file parts (the Responses API takes more).
      if (parsed.mediaType !== 'application/pdf') return invalid(`Invalid file data: '${at}.file.file_data'. ${example} unsupported MIME type '${parsed.mediaType}'.`, `${at}.file.file_data`);
      if (sniffMediaType(parsed.data) !== 'application/pdf') return invalid(`Invalid file data: '${at}.file.file_data'. The file is not a valid PDF.`, `${at}.file.file_data`);
      if (file.filename !== undefined && typeof file.filename !== 'string') return invalid(`Invalid type for '${at}.file.filename': expected a string.`, `${at}.file.filename`);
      // Inline data needs its filename: without one the API answers as if neither were given (openai/openai-agents-python#1513).
      if (file.filename === undefined) return invalid(`Missing required parameter: '${at}.file.file_id'.`, `${at}.file.file_id`);
      return undefined;
    }
    case 'input_audio':
      return isObject(part.input_audio) && typeof part.input_audio.data === 'string' ? undefined : invalid(`Missing required parameter: '${at}.input_audio'.`, `${at}.input_audio`);
    default:
      return invalid(`Invalid value: '${String(part.type)}'. Supported values are: 'text', 'image_url', 'input_audio', and 'file'.`, `${at}.type`);
  }
}

/** System, developer, assistant and tool messages take text parts only (assistant also `refusal`). */
function checkTextOnlyParts(content: unknown[], role: string, i: number): WireError | undefined {
  for (const [j, part] of content.entries()) {
    const at = `messages[${i}].content[${j}]`;
    if (!isObject(part)) return invalid(`Invalid type for '${at}': expected an object.`, at);
    if (part.type === 'image_url') {
      return invalid(`Invalid 'messages[${i}]'. Image URLs are only allowed for messages with role 'user', but this message with role '${role}' contains an image URL.`, `messages[${i}]`);
    }
    const allowed = role === 'assistant' ? ['text', 'refusal'] : ['text'];
    if (!allowed.includes(String(part.type))) {
      return invalid(`Invalid value: '${String(part.type)}'. Supported values are: ${allowed.map((t) => `'${t}'`).join(' and ')}.`, `${at}.type`);
    }
    if (part.type === 'text' && typeof part.text !== 'string') return invalid(`Missing required parameter: '${at}.text'.`, `${at}.text`);
  }
  return undefined;
}

/** Strict-mode schema rules of Structured Outputs: every object closed, every property required. */
function checkStrictSchema(schema: Json, name: string, context: string[] = []): WireError | undefined {
  const where = `In context=(${context.map((c) => `'${c}'`).join(', ')}${context.length === 1 ? ',' : ''})`;
  if (schema.type === 'object' || isObject(schema.properties)) {
    if (schema.additionalProperties !== false) return invalid(`Invalid schema for response_format '${name}': ${where}, 'additionalProperties' is required to be supplied and to be false.`, 'response_format');
    const keys = Object.keys(isObject(schema.properties) ? schema.properties : {});
    const required = Array.isArray(schema.required) ? schema.required : [];
    const missing = keys.filter((key) => !required.includes(key));
    if (missing.length) return invalid(`Invalid schema for response_format '${name}': ${where}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`, 'response_format');
    for (const key of keys) {
      const child = (schema.properties as Json)[key];
      if (isObject(child)) {
        const problem = checkStrictSchema(child, name, [...context, 'properties', key]);
        if (problem) return problem;
      }
    }
  }
  if (isObject(schema.items)) return checkStrictSchema(schema.items, name, [...context, 'items']);
  for (const keyword of ['anyOf', 'allOf'] as const) {
    const list = schema[keyword];
    if (!Array.isArray(list)) continue;
    for (const [k, variant] of list.entries()) {
      if (!isObject(variant)) continue;
      const problem = checkStrictSchema(variant, name, [...context, keyword, String(k)]);
      if (problem) return problem;
    }
  }
  for (const defs of ['$defs', 'definitions'] as const) {
    if (!isObject(schema[defs])) continue;
    for (const [key, child] of Object.entries(schema[defs] as Json)) {
      if (!isObject(child)) continue;
      const problem = checkStrictSchema(child, name, [...context, defs, key]);
      if (problem) return problem;
    }
  }
  return undefined;
}

function checkResponseFormat(format: unknown): WireError | undefined {
  if (!isObject(format)) return invalid("Invalid type for 'response_format': expected an object.", 'response_format');
  if (format.type === 'text' || format.type === 'json_object') return undefined;
  if (format.type !== 'json_schema') return invalid(`Invalid value: '${String(format.type)}'. Supported values are: 'text', 'json_object', and 'json_schema'.`, 'response_format.type');
  const spec = format.json_schema;
  if (!isObject(spec)) return invalid("Missing required parameter: 'response_format.json_schema'.", 'response_format.json_schema');
  if (typeof spec.name !== 'string' || !FORMAT_NAME.test(spec.name)) {
    return invalid("Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.", 'response_format.json_schema.name');
  }
  if (spec.strict !== undefined && spec.strict !== null && typeof spec.strict !== 'boolean') return invalid("Invalid type for 'response_format.json_schema.strict': expected a boolean.", 'response_format.json_schema.strict');
  if (spec.schema === undefined) return undefined;
  if (!isObject(spec.schema)) return invalid("Invalid type for 'response_format.json_schema.schema': expected an object.", 'response_format.json_schema.schema');
  if (spec.schema.type !== 'object') {
    return invalid(`Invalid schema for response_format '${spec.name}': schema must be a JSON Schema of 'type: "object"', got 'type: "${String(spec.schema.type)}"'.`, 'response_format');
  }
  return spec.strict === true ? checkStrictSchema(spec.schema, spec.name) : undefined;
}

const positiveInteger = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 1;

/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`), per the API reference: bearer auth,
 * message shapes, tool definitions, the two pairing errors the API returns for orphaned tool
 * calls and results, JSON and SSE (`data: …` chunks, optional usage chunk, `data: [DONE]`).
 * Content parts as documented: user messages take `text`, `image_url` (https or a base64
 * `data:image/{png,jpeg,gif,webp}` URL whose bytes are that image type, `detail`), `file`
 * (`file_data` as a base64 `data:application/pdf` URL with a `filename`, or `file_id`) and `input_audio`, at most 500 images per request; tool,
 * system and developer messages take text parts only (an image there gets the API's "Image URLs
 * are only allowed for messages with role 'user'" 400). `response_format` (`text`,
 * `json_object`, `json_schema` with a name and, when `strict`, the strict-schema rules),
 * `max_completion_tokens` / `max_tokens` (≥ 1, not both). Chat Completions returns no
 * reasoning, so scripted reasoning is not rendered.
 */
/** Images one Chat Completions request may hold (the images and vision guide: "up to 500 individual images per request"). */
const MAX_IMAGES = 500;

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
    for (const key of ['max_completion_tokens', 'max_tokens'] as const) {
      if (body[key] !== undefined && body[key] !== null && !positiveInteger(body[key])) {
        return invalid(`Invalid '${key}': integer below minimum value. Expected a value >= 1, but got ${JSON.stringify(body[key])} instead.`, key);
      }
    }
    if (body.max_tokens !== undefined && body.max_tokens !== null && body.max_completion_tokens !== undefined && body.max_completion_tokens !== null) {
      return invalid("max_tokens and max_completion_tokens cannot both be set. Use max_completion_tokens.", 'max_tokens');
    }
    if (body.response_format !== undefined && body.response_format !== null) {
      const problem = checkResponseFormat(body.response_format);
      if (problem) return problem;
    }
    if (body.tools !== undefined) {
      if (!Array.isArray(body.tools)) return invalid("Invalid type for 'tools'", 'tools');
      // The API refuses an empty list (a request without tools leaves the field out).
      if (body.tools.length === 0) return invalid("Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'tools');
      for (const [i, tool] of body.tools.entries()) {
        const fn = isObject(tool) ? tool.function : undefined;
        if (!isObject(tool) || tool.type !== 'function' || !isObject(fn)) return invalid(`Invalid value for 'tools[${i}]'`, `tools[${i}]`);
        if (typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) return invalid(`Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, `tools[${i}].function.name`);
        if (fn.parameters !== undefined && (!isObject(fn.parameters) || fn.parameters.type !== 'object')) return invalid(`Invalid schema for function '${fn.name}': schema must be a JSON Schema of 'type: "object"'.`, `tools[${i}].function.parameters`);
      }
    }
    // "Up to 500 individual images per request" (OpenAI's images and vision guide, image input requirements).
    const images = (body.messages as unknown[]).reduce<number>((sum, message) => sum + (isObject(message) && Array.isArray(message.content) ? message.content.filter((part) => isObject(part) && part.type === 'image_url').length : 0), 0);
    if (images > MAX_IMAGES) return invalid(`Invalid 'messages': too many images. A request may contain at most ${MAX_IMAGES} images, but got ${images}.`, 'messages');
    let open: Set<string> | undefined;
    let openIndex = -1;
    for (const [i, message] of (body.messages as unknown[]).entries()) {
      if (!isObject(message) || typeof message.role !== 'string') return invalid(`Invalid value for 'messages[${i}]'`, `messages.[${i}]`);
      const role = message.role;
      if (role !== 'tool' && open && open.size > 0) {
        return invalid(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`, `messages.[${openIndex}].role`);
      }
      if (Array.isArray(message.content) && message.content.length === 0) {
        return invalid(`Invalid 'messages[${i}].content': empty array. Expected an array with minimum length 1, but got an empty array instead.`, `messages[${i}].content`);
      }
      if (role === 'system' || role === 'developer' || role === 'user') {
        if (typeof message.content !== 'string' && !Array.isArray(message.content)) return invalid(`Invalid type for 'messages[${i}].content'`, `messages.[${i}].content`);
        if (Array.isArray(message.content)) {
          const problem = role === 'user'
            ? message.content.map((part, j) => checkUserPart(part, `messages[${i}].content[${j}]`)).find(Boolean)
            : checkTextOnlyParts(message.content, role, i);
          if (problem) return problem;
        }
        open = undefined;
      } else if (role === 'assistant') {
        if (message.content !== null && message.content !== undefined && typeof message.content !== 'string' && !Array.isArray(message.content)) return invalid(`Invalid type for 'messages[${i}].content'`, `messages.[${i}].content`);
        if (Array.isArray(message.content)) {
          const problem = checkTextOnlyParts(message.content, role, i);
          if (problem) return problem;
        }
        const calls = message.tool_calls;
        if (calls !== undefined) {
          if (!Array.isArray(calls) || calls.length === 0) return invalid(`Invalid 'messages[${i}].tool_calls': empty array.`, `messages.[${i}].tool_calls`);
          for (const [j, call] of calls.entries()) {
            const fn = isObject(call) ? call.function : undefined;
            if (!isObject(call) || typeof call.id !== 'string' || call.type !== 'function' || !isObject(fn) || typeof fn.name !== 'string' || typeof fn.arguments !== 'string') {
              return invalid(`Invalid value for 'messages[${i}].tool_calls[${j}]'`, `messages.[${i}].tool_calls.[${j}]`);
            }
            // The API checks the calls of earlier turns as it checks tool definitions: a name the
            // model invented (`functions.lookup`, empty) or an id longer than 40 characters (vLLM's
            // `chatcmpl-tool-<32 hex>`) in the history fails the whole request.
            if (!HISTORY_TOOL_NAME.test(fn.name as string)) return invalid(`Invalid 'messages[${i}].tool_calls[${j}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`, `messages[${i}].tool_calls[${j}].function.name`);
            const id = call.id as string;
            if (id.length > MAX_TOOL_CALL_ID) return invalid(`Invalid 'messages[${i}].tool_calls[${j}].id': string too long. Expected a string with maximum length ${MAX_TOOL_CALL_ID}, but got a string with length ${id.length} instead.`, `messages[${i}].tool_calls[${j}].id`);
          }
          open = new Set(calls.map((call) => (call as Json).id as string));
          openIndex = i;
        } else {
          if (message.content === null || message.content === undefined) return invalid(`Invalid value for 'messages[${i}].content': expected a string, got null.`, `messages.[${i}].content`);
          open = undefined;
        }
      } else if (role === 'tool') {
        if (typeof message.tool_call_id !== 'string') return invalid(`Missing required parameter: 'messages[${i}].tool_call_id'.`, `messages.[${i}].tool_call_id`);
        if (typeof message.content !== 'string' && !Array.isArray(message.content)) return invalid(`Invalid type for 'messages[${i}].content'`, `messages.[${i}].content`);
        if (Array.isArray(message.content)) {
          const problem = checkTextOnlyParts(message.content, role, i);
          if (problem) return problem;
        }
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
      choices: [{ index: 0, message: { role: 'assistant', content: reply.refusal ? null : reply.text ?? null, refusal: reply.refusal ?? null, ...(calls?.length ? { tool_calls: calls } : {}) }, logprobs: null, finish_reason: FINISH[reply.finishReason ?? (calls?.length ? 'tool_calls' : 'stop')] }],
      usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens },
    };
  },
  renderStream(reply, body) {
    const model = (body as Json).model;
    const chunk = (choices: unknown[], extra: Json = {}) => `data: ${JSON.stringify({ id: 'chatcmpl-loopback', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, system_fingerprint: null, choices, ...extra })}\n\n`;
    const frames = [chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])];
    for (const piece of pieces(reply.refusal ?? '')) frames.push(chunk([{ index: 0, delta: { refusal: piece }, logprobs: null, finish_reason: null }]));
    for (const piece of pieces(reply.refusal ? '' : reply.text ?? '')) frames.push(chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]));
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
  inspect(body) {
    const b = isObject(body) ? body : {};
    const limit = b.max_completion_tokens ?? b.max_tokens;
    const format = b.response_format;
    const schema = isObject(format) && format.type === 'json_schema' && isObject(format.json_schema) ? format.json_schema.schema : undefined;
    return { ...(typeof limit === 'number' ? { maxOutputTokens: limit } : {}), ...(schema !== undefined ? { outputSchema: schema } : {}), reasoning: false };
  },
};

/** Starts a strict OpenAI-compatible server. Point the SDK at `${server.url}/v1`. */
export const startOpenAIServer = (steps: readonly LoopbackStep[] = []): Promise<LoopbackServer> => startLoopbackServer(openaiWire, steps);
