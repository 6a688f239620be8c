import { AnthropicModel } from '@agentrt/model-anthropic';
import { startAnthropicServer } from '@agentrt/testing';
import { expect, it } from 'vitest';

// Anthropic's Messages API takes the system prompt as the top-level `system` parameter; the
// `messages` list holds only user and assistant turns. A system message sent as a user turn
// would be read as something the user said (docs/models.md: system → `system`).
it('sends system messages as the top-level system parameter, not as a user turn (mutation m16m)', async () => {
  await using server = await startAnthropicServer([{ reply: { text: 'ok' } }]);
  const model = new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test-loopback', baseURL: server.url });
  await model.generate({
    messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'hi' }, { role: 'system', content: 'Answer in French.' }],
    tools: [],
    signal: new AbortController().signal,
  });
  const body = server.requests[0]!.body as { system?: unknown; messages: { role: string; content: { type: string; text?: string }[] }[] };
  expect(body.system).toBe('Be terse.\n\nAnswer in French.');
  expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
});

// Anthropic: in the user turn that answers tool_use blocks, the tool_result blocks must come first
// (text after them), or the API answers 400 ("tool_use ids were found without tool_result blocks
// immediately after"). A user message that arrived between the call and its result is merged into
// that turn, after the results.
it('puts tool_result blocks first in their user turn, before a user message that came earlier (mutation m16m)', async () => {
  await using server = await startAnthropicServer([{ reply: { text: 'ok' } }]);
  const model = new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test-loopback', baseURL: server.url });
  await model.generate({
    messages: [
      { role: 'user', content: 'add 1 and 2' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_1', name: 'add', args: { a: 1, b: 2 } }] },
      { role: 'user', content: 'and be quick' },
      { role: 'tool', toolCallId: 'toolu_1', name: 'add', content: '3' },
    ],
    tools: [{ name: 'add', description: 'adds', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } }],
    signal: new AbortController().signal,
  });
  const body = server.requests[0]!.body as { messages: { role: string; content: { type: string }[] }[] };
  expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  expect(body.messages[2]!.content.map((block) => block.type)).toEqual(['tool_result', 'text']);
});
