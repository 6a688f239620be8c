import { OpenAIModel } from '@agentrt/model-openai';
import { openaiWire, startOpenAIServer } from '@agentrt/testing';
import { expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';

// docs/models.md: "each call has its own timeout (`timeoutMs`; for streams the longest silence
// between chunks)". A stream that keeps sending — each gap well under timeoutMs, the whole
// answer longer than it — is not cut.
it('a stream whose chunks keep coming is not timed out by its total length (idle timeout, mutation m16m)', async () => {
  const frames = openaiWire.renderStream({ text: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL' }, { stream: true, stream_options: { include_usage: true } });
  expect(frames.length).toBeGreaterThan(6);
  async function* paced() {
    for (const frame of frames) {
      yield frame;
      await sleep(150);
    }
  }
  await using server = await startOpenAIServer([{ raw: { body: paced() } }]);
  // 8+ frames 150 ms apart: over 1.2 s in all, never more than 150 ms of silence.
  const model = new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, timeoutMs: 800, retry: { maxAttempts: 1 } });
  let text = '';
  let finish: string | undefined;
  for await (const event of model.stream({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal })) {
    if (event.type === 'text_delta') text += event.text;
    if (event.type === 'response') finish = event.response.finishReason;
  }
  expect(text).toBe('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL');
  expect(finish).toBe('stop');
});
