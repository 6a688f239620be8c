import { AnthropicModel } from '@agentrt/model-anthropic';
import { anthropicWire, startLoopbackServer, type ProviderWire } from '@agentrt/testing';
import { expect, it } from 'vitest';

/** The real wire, except the server reports a stop reason named like an Object.prototype member. */
const hostile = (reason: string): ProviderWire => ({
  ...anthropicWire,
  render: (reply, body) => ({ ...(anthropicWire.render(reply, body) as Record<string, unknown>), stop_reason: reason }),
  renderStream: (reply, body) => anthropicWire.renderStream(reply, body).map((frame) => frame.replace(/"stop_reason":"end_turn"/, `"stop_reason":${JSON.stringify(reason)}`)),
});

it.each(['constructor', 'toString', '__proto__', 'valueOf'])('maps a server stop_reason %s to "other", never to an inherited property', async (reason) => {
  await using server = await startLoopbackServer(hostile(reason), [{ reply: { text: 'hi' } }, { reply: { text: 'hi' } }]);
  const model = new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test-loopback', baseURL: server.url });
  const response = await model.generate({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal });
  expect(response.finishReason).toBe('other');
  let streamed: unknown;
  for await (const event of model.stream!({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal })) if (event.type === 'response') streamed = event.response.finishReason;
  expect(streamed).toBe('other');
});
