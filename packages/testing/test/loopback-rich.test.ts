import { MEDIA_SAMPLES, signThinking, startAnthropicServer, startOllamaServer, startOpenAIServer, type LoopbackServer } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';

// Raw HTTP against the strict servers: each provider rule is proven to reject, and its valid
// counterpart to pass, without any adapter in between.

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const post = async (url: string, body: unknown, headers: Record<string, string>) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};
const png = MEDIA_SAMPLES.png;
const notAnImage = Buffer.from('plain text pretending').toString('base64');

describe('OpenAI wire: content parts, tool messages, response_format, token limits', () => {
  const chat = async (body: Record<string, unknown>) => {
    server ??= await startOpenAIServer();
    server.push({ reply: { text: 'ok' } });
    return post(`${server.url}/v1/chat/completions`, { model: 'gpt-4o-mini', ...body }, { authorization: 'Bearer sk-test' });
  };
  const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });
  const withTool = (content: unknown) => ({
    messages: [
      { role: 'user', content: 'shoot' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'shot', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content },
    ],
  });

  it('refuses an empty tools list (a request without tools leaves the field out)', async () => {
    const empty = await chat({ ...user('hi'), tools: [] });
    expect(empty.status).toBe(400);
    expect((empty.body as { error: { message: string } }).error.message).toContain("Invalid 'tools': empty array");
    expect((await chat(user('hi'))).status).toBe(200);
  });

  it('accepts image_url parts (data URL and https) and PDF file parts in user messages', async () => {
    expect((await chat(user([{ type: 'text', text: 'what?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}`, detail: 'low' } }]))).status).toBe(200);
    expect((await chat(user([{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }]))).status).toBe(200);
    expect((await chat(user([{ type: 'file', file: { file_data: `data:application/pdf;base64,${MEDIA_SAMPLES.pdf}`, filename: 'a.pdf' } }]))).status).toBe(200);
  });

  it.each([
    ['an image_url given as a string', [{ type: 'image_url', image_url: `data:image/png;base64,${png}` }], "expected an object, but got a string"],
    ['a raw base64 url', [{ type: 'image_url', image_url: { url: png } }], "without the 'data:' prefix"],
    ['a bmp data URL', [{ type: 'image_url', image_url: { url: `data:image/bmp;base64,${MEDIA_SAMPLES.bmp}` } }], "unsupported MIME type 'image/bmp'"],
    ['malformed base64', [{ type: 'image_url', image_url: { url: 'data:image/png;base64,@@@@' } }], 'invalid base64-encoded value'],
    ['bytes that are no image', [{ type: 'image_url', image_url: { url: `data:image/png;base64,${notAnImage}` } }], 'You uploaded an unsupported image'],
    ['a bad detail', [{ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'ultra' } }], "Supported values are: 'auto', 'low', and 'high'"],
    ['a text file part', [{ type: 'file', file: { file_data: `data:text/plain;base64,${MEDIA_SAMPLES.text}` } }], "unsupported MIME type 'text/plain'"],
    ['a PDF that is not one', [{ type: 'file', file: { file_data: `data:application/pdf;base64,${notAnImage}` } }], 'not a valid PDF'],
    ['an unknown part type', [{ type: 'video', video: {} }], "Invalid value: 'video'"],
    ['an empty parts array', [], 'empty array'],
  ])('rejects %s in a user message', async (_name, content, message) => {
    const response = await chat(user(content));
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(message);
  });

  it('rejects an image in a tool message with the API\'s role error, and accepts text parts there', async () => {
    const image = await chat(withTool([{ type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }]));
    expect(image.status).toBe(400);
    expect(image.body.error.message).toBe("Invalid 'messages[2]'. Image URLs are only allowed for messages with role 'user', but this message with role 'tool' contains an image URL.");
    expect((await chat(withTool([{ type: 'file', file: { file_data: `data:application/pdf;base64,${MEDIA_SAMPLES.pdf}` } }]))).status).toBe(400);
    expect((await chat(withTool([{ type: 'text', text: 'done' }]))).status).toBe(200);
  });

  it('checks response_format: type, name, object root, and the strict-schema rules', async () => {
    const format = (json_schema: unknown, type = 'json_schema') => ({ ...user('hi'), response_format: { type, json_schema } });
    const closed = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    expect((await chat(format({ name: 'answer', schema: closed, strict: true }))).status).toBe(200);
    expect((await chat(format({ name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } }, strict: false }))).status).toBe(200);
    const cases: [unknown, string][] = [
      [{ ...format({ name: 'answer', schema: closed }), response_format: { type: 'xml' } }, "Supported values are: 'text', 'json_object', and 'json_schema'"],
      [format({ name: 'has spaces', schema: closed }), "'response_format.json_schema.name': string does not match pattern"],
      [format({ name: 'answer', schema: { type: 'array', items: { type: 'string' } }, strict: true }), 'schema must be a JSON Schema of \'type: "object"\''],
      [format({ name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, strict: true }), "'additionalProperties' is required to be supplied and to be false"],
      [format({ name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a'], additionalProperties: false }, strict: true }), "Missing 'b'"],
      [format({ name: 'answer', schema: { ...closed, properties: { a: { type: 'object', properties: {}, additionalProperties: true } } }, strict: true }), "In context=('properties', 'a'), 'additionalProperties'"],
    ];
    for (const [body, message] of cases) {
      const response = await chat(body as Record<string, unknown>);
      expect(response.status).toBe(400);
      expect(response.body.error.message).toContain(message);
    }
  });

  it('checks max_completion_tokens / max_tokens and reads them back through inspect()', async () => {
    expect((await chat({ ...user('hi'), max_completion_tokens: 0 })).body.error.message).toContain("Invalid 'max_completion_tokens': integer below minimum value");
    expect((await chat({ ...user('hi'), max_completion_tokens: 10, max_tokens: 10 })).status).toBe(400);
    expect((await chat({ ...user('hi'), max_completion_tokens: 12 })).status).toBe(200);
    expect(server!.wire.inspect!(server!.requests.at(-1)!.body)).toEqual({ maxOutputTokens: 12, reasoning: false });
  });

  it('never renders scripted reasoning: Chat Completions returns none', async () => {
    server = await startOpenAIServer([{ reply: { text: 'answer', reasoning: [{ text: 'secret thoughts' }] } }]);
    const response = await post(`${server.url}/v1/chat/completions`, { model: 'gpt-4o', ...user('hi') }, { authorization: 'Bearer sk-test' });
    expect(JSON.stringify(response.body)).not.toContain('secret thoughts');
  });
});

describe('Anthropic wire: media blocks, tool results, thinking, output_config', () => {
  const headers = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' };
  const messages = async (body: Record<string, unknown>, extra: Record<string, string> = {}) => {
    server ??= await startAnthropicServer();
    server.push({ reply: { text: 'ok' } });
    return post(`${server.url}/v1/messages`, { model: 'claude-sonnet-4-6', max_tokens: 2048, ...body }, { ...headers, ...extra });
  };
  const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });
  const image = (data: string, mediaType = 'image/png') => ({ type: 'image', source: { type: 'base64', media_type: mediaType, data } });
  const toolTurn = (assistant: unknown[], result: unknown = 'done') => ({
    messages: [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: assistant },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: result }] },
    ],
    tools: [{ name: 'shot', input_schema: { type: 'object' } }],
  });
  const toolUse = { type: 'tool_use', id: 'toolu_1', name: 'shot', input: {} };

  it('accepts images, PDF and text documents in user turns and inside tool results', async () => {
    expect((await messages(user([image(png), { type: 'text', text: 'what?' }]))).status).toBe(200);
    expect((await messages(user([{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }]))).status).toBe(200);
    expect((await messages(user([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: MEDIA_SAMPLES.pdf }, title: 'report.pdf' }]))).status).toBe(200);
    expect((await messages(user([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hello' } }]))).status).toBe(200);
    expect((await messages(toolTurn([toolUse], [{ type: 'text', text: 'shot' }, image(png)]))).status).toBe(200);
  });

  it.each([
    ['a bmp image', user([image(MEDIA_SAMPLES.bmp, 'image/bmp')]), "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"],
    ['bytes that do not match the media type', user([image(MEDIA_SAMPLES.gif, 'image/png')]), 'messages.0.content.0.image.source.base64.data: Image does not match the provided media type image/png'],
    ['malformed base64', user([image('!!!!')]), 'messages.0.content.0.image.source.base64.data'],
    ['an image in a tool result with a bad type', toolTurn([toolUse], [image(MEDIA_SAMPLES.bmp, 'image/bmp')]), 'messages.2.content.0.tool_result.content.0.image.source.base64.media_type'],
    ['a non-PDF base64 document', user([{ type: 'document', source: { type: 'base64', media_type: 'text/plain', data: MEDIA_SAMPLES.text } }]), "Input should be 'application/pdf'"],
    ['an empty text block', user([{ type: 'text', text: '' }]), 'text content blocks must be non-empty'],
    ['an image in an assistant turn', { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [image(png)] }] }, 'image blocks are only allowed in user messages'],
    ['a tool_use block inside a tool result', toolTurn([toolUse], [toolUse]), "Input should be 'text', 'image', 'document' or 'search_result'"],
  ])('rejects %s', async (_name, body, message) => {
    const response = await messages(body);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(message);
  });

  it('checks the thinking config: budget ≥ 1024 and < max_tokens, no temperature', async () => {
    expect((await messages({ ...user('hi'), thinking: { type: 'enabled', budget_tokens: 1024 } })).status).toBe(200);
    expect((await messages({ ...user('hi'), thinking: { type: 'adaptive' } })).status).toBe(200);
    expect((await messages({ ...user('hi'), thinking: { type: 'enabled', budget_tokens: 512 } })).body.error.message).toBe('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
    expect((await messages({ ...user('hi'), max_tokens: 1024, thinking: { type: 'enabled', budget_tokens: 1024 } })).body.error.message).toContain('`max_tokens` must be greater than `thinking.budget_tokens`');
    expect((await messages({ ...user('hi'), temperature: 0.2, thinking: { type: 'enabled', budget_tokens: 1024 } })).body.error.message).toContain('`temperature` may only be set to 1 when thinking is enabled');
  });

  it('renders signed thinking and redacted thinking only when thinking is enabled', async () => {
    server = await startAnthropicServer([{ reply: { reasoning: [{ text: 'hmm' }, { redacted: true }], text: 'hi' } }, { reply: { reasoning: [{ text: 'hmm' }], text: 'hi' } }]);
    const on = await post(`${server.url}/v1/messages`, { model: 'claude-sonnet-4-6', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, ...user('hi') }, headers);
    expect(on.body.content.map((b: { type: string }) => b.type)).toEqual(['thinking', 'redacted_thinking', 'text']);
    expect(on.body.content[0]).toEqual({ type: 'thinking', thinking: 'hmm', signature: signThinking('hmm') });
    const off = await post(`${server.url}/v1/messages`, { model: 'claude-sonnet-4-6', max_tokens: 2048, ...user('hi') }, headers);
    expect(off.body.content.map((b: { type: string }) => b.type)).toEqual(['text']);
  });

  it('answers a thinking-enabled tool-use continuation without the turn\'s thinking block with the API\'s 400', async () => {
    const thinking = { thinking: { type: 'enabled', budget_tokens: 1024 } };
    const missing = await messages({ ...toolTurn([{ type: 'text', text: 'let me look' }, toolUse]), ...thinking });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe('messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking');
    expect((await messages({ ...toolTurn([toolUse]), ...thinking })).body.error.message).toContain('but found `tool_use`');
    // The same transcript is fine with thinking off, or with the signed block first.
    expect((await messages(toolTurn([{ type: 'text', text: 'let me look' }, toolUse]))).status).toBe(200);
    expect((await messages({ ...toolTurn([{ type: 'thinking', thinking: 'plan', signature: signThinking('plan') }, toolUse]), ...thinking })).status).toBe(200);
  });

  it('refuses tool blocks in a request that defines no tools, and tool_choice forcing a tool with thinking on (red team 10)', async () => {
    const { tools: _tools, ...withoutTools } = toolTurn([toolUse]);
    const refused = await messages(withoutTools);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe('Requests which include `tool_use` or `tool_result` blocks must define tools.');
    expect((await messages({ ...withoutTools, tools: [] })).status).toBe(400);
    expect((await messages({ ...toolTurn([toolUse]), tool_choice: { type: 'none' } })).status).toBe(200);
    const thinking = { thinking: { type: 'enabled', budget_tokens: 1024 } };
    expect((await messages({ ...user('hi'), ...thinking, tools: toolTurn([]).tools, tool_choice: { type: 'none' } })).status).toBe(200);
    expect((await messages({ ...user('hi'), ...thinking, tools: toolTurn([]).tools, tool_choice: { type: 'any' } })).body.error.message).toContain('Thinking may not be enabled when tool_choice forces tool use');
    expect((await messages({ ...user('hi'), tools: toolTurn([]).tools, tool_choice: { type: 'sometimes' } })).status).toBe(400);
    // Two definitions of one name are refused.
    const twice = [...toolTurn([]).tools, ...toolTurn([]).tools];
    const duplicate = await messages({ ...user('hi'), tools: twice });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error.message).toBe('tools: Tool names must be unique.');
  });

  it('rejects thinking blocks whose signature is missing, edited or foreign, and unknown redacted data', async () => {
    const thinking = { thinking: { type: 'enabled', budget_tokens: 1024 } };
    const cases: [unknown, string][] = [
      [{ type: 'thinking', thinking: 'plan' }, 'messages.1.content.0.thinking.signature: Field required'],
      [{ type: 'thinking', thinking: 'plan, edited', signature: signThinking('plan') }, 'messages.1.content.0: Invalid `signature` in `thinking` block'],
      [{ type: 'thinking', thinking: 'plan', signature: 'c2lnbmVkIGVsc2V3aGVyZQ==' }, 'Invalid `signature` in `thinking` block'],
      [{ type: 'redacted_thinking', data: 'RW5jcnlwdGVkIGJ5IHNvbWVvbmUgZWxzZQ==' }, 'Invalid `data` in `redacted_thinking` block'],
    ];
    for (const [block, message] of cases) {
      const response = await messages({ ...toolTurn([block, toolUse]), ...thinking });
      expect(response.status).toBe(400);
      expect(response.body.error.message).toContain(message);
    }
  });

  it('checks output_config.format (closed objects, supported keywords) and the beta output_format', async () => {
    const closed = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    expect((await messages({ ...user('hi'), output_config: { format: { type: 'json_schema', schema: closed } } })).status).toBe(200);
    expect((await messages({ ...user('hi'), output_config: { format: { type: 'json_schema', schema: { ...closed, additionalProperties: true } } } })).body.error.message).toContain("'additionalProperties' must be explicitly set to false");
    expect((await messages({ ...user('hi'), output_config: { format: { type: 'json_schema', schema: { ...closed, properties: { a: { type: 'string', maxLength: 3 } } } } } })).body.error.message).toContain("'maxLength' keyword is not supported");
    expect((await messages({ ...user('hi'), output_config: { format: { type: 'xml' } } })).body.error.message).toContain("output_config.format.type: Input should be 'json_schema'");
    expect((await messages({ ...user('hi'), output_format: { type: 'json_schema', schema: closed } })).body.error.message).toBe('output_format: Extra inputs are not permitted');
    expect((await messages({ ...user('hi'), output_format: { type: 'json_schema', schema: closed } }, { 'anthropic-beta': 'structured-outputs-2025-11-13' })).status).toBe(200);
  });
});

describe('Ollama wire: images, think, thinking, format, num_predict', () => {
  const chat = async (body: Record<string, unknown>) => {
    server ??= await startOllamaServer();
    server.push({ reply: { text: 'ok', reasoning: [{ text: 'thinking it over' }] } });
    return post(`${server.url}/api/chat`, { model: 'llava', stream: false, ...body }, {});
  };
  const user = (extra: Record<string, unknown>) => ({ messages: [{ role: 'user', content: 'look', ...extra }] });

  it('accepts base64 images on user and tool messages', async () => {
    expect((await chat(user({ images: [png, MEDIA_SAMPLES.jpeg] }))).status).toBe(200);
    expect((await chat({ messages: [{ role: 'user', content: 'go' }, { role: 'assistant', content: '', tool_calls: [{ function: { name: 'shot', arguments: {} } }] }, { role: 'tool', tool_name: 'shot', content: 'shot', images: [png] }] })).status).toBe(200);
  });

  it.each([
    ['an image that is not base64', user({ images: ['not base64!'] }), 'illegal base64 data'],
    ['an image that is no image', user({ images: [notAnImage] }), 'image: unknown format'],
    ['images that are not a list', user({ images: png }), 'cannot unmarshal images'],
    ['non-string thinking', { messages: [{ role: 'assistant', content: '', thinking: 42 }] }, 'Message.messages.thinking of type string'],
    ['a bad think value', { ...user({}), think: 'max' }, 'invalid think value'],
    ['a bad format', { ...user({}), format: 42 }, 'invalid format'],
    ['a fractional num_predict', { ...user({}), options: { num_predict: 1.5 } }, 'Options.num_predict'],
  ])('rejects %s', async (_name, body, message) => {
    const response = await chat(body);
    expect(response.status).toBe(400);
    expect(response.body.error).toContain(message);
  });

  it('renders thinking only when the request sets think, and inspect() reads the request', async () => {
    const off = await chat(user({}));
    expect(off.body.message.thinking).toBeUndefined();
    const on = await chat({ ...user({}), think: true, format: { type: 'object' }, options: { num_predict: 9 } });
    expect(on.body.message).toMatchObject({ content: 'ok', thinking: 'thinking it over' });
    expect(server!.wire.inspect!(server!.requests.at(-1)!.body)).toEqual({ maxOutputTokens: 9, outputSchema: { type: 'object' }, reasoning: true });
  });
});
