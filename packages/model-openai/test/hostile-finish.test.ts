import { OpenAIModel } from '@agentrt/model-openai';
import { openaiWire, startLoopbackServer, type ProviderWire } from '@agentrt/testing';
import { expect, it } from 'vitest';

/** The real wire, except the server reports a finish reason named like an Object.prototype member. */
const hostile = (reason: string): ProviderWire => ({
  ...openaiWire,
  render: (reply, body) => {
    const rendered = openaiWire.render(reply, body) as { choices: { finish_reason: string }[] };
    rendered.choices[0]!.finish_reason = reason;
    return rendered;
  },
  renderStream: (reply, body) => openaiWire.renderStream(reply, body).map((frame) => frame.replace(/"finish_reason":"stop"/, `"finish_reason":${JSON.stringify(reason)}`)),
});

it.each(['constructor', 'toString', '__proto__', 'valueOf'])('maps a server finish_reason %s to "other", never to an inherited property', async (reason) => {
  await using server = await startLoopbackServer(hostile(reason), [{ reply: { text: 'hi' } }, { reply: { text: 'hi' } }]);
  const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1` });
  const response = await model.generate({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal });
  expect(response.finishReason).toBe('other');
  let streamed: unknown;
  for await (const event of model.stream!({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal })) if (event.type === 'response') streamed = event.response.finishReason;
  expect(streamed).toBe('other');
});
