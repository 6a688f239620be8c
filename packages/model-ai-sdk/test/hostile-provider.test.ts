// A hostile or broken provider behind an AI SDK provider package (`@ai-sdk/openai` chat), against
// the strict loopback server (requests are validated as OpenAI does; answers are raw bytes).
import { createRuntime, MemoryStore } from '@agentrt/core';
import { AiSdkModel } from '@agentrt/model-ai-sdk';
import { startOpenAIServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { createOpenAI } from '@ai-sdk/openai';
import { describe, expect, it } from 'vitest';

const model = (server: LoopbackServer) => new AiSdkModel({
  model: createOpenAI({ apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1` }).chat('gpt-4o-mini'),
  retry: { baseDelayMs: 1, maxDelayMs: 5 },
});
const request = () => ({ messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal });
const chunk = (choice: Record<string, unknown>) => `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, finish_reason: null, ...choice }] })}\n\n`;
const html: LoopbackStep = { raw: { headers: { 'content-type': 'text/html' }, body: '<html><body>502 Bad Gateway</body></html>' } };

describe('AiSdkModel against a hostile provider', () => {
  it('a stream closed cleanly before any finish reason is cut short, not a final answer: no retry after output, the run fails', async () => {
    const cut: LoopbackStep = { raw: { body: [chunk({ delta: { role: 'assistant', content: 'The answer is' } })] } };
    await using server = await startOpenAIServer([cut, cut]);
    const consumed: string[] = [];
    const attempt = (async () => {
      for await (const event of model(server).stream!(request())) if (event.type === 'text_delta') consumed.push(event.text);
    })();
    await expect(attempt).rejects.toMatchObject({ code: 'model_unavailable', details: { afterVisibleOutput: true } });
    expect(consumed.join('')).toBe('The answer is');
    expect(server.requests).toHaveLength(1);

    const result = await createRuntime({ model: model(server), store: new MemoryStore() }).stream('hi');
    let final: { status: string; stopReason: string; output?: unknown; error?: { code: string } } | undefined;
    for await (const event of result) if (event.type === 'run_finished') final = event.result;
    expect(final).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_unavailable' } });
    expect(final!.output).toBeUndefined();
  });

  it('a 200 whose body cannot be read (an HTML page) is model_unavailable and retried, never model_bad_request', async () => {
    await using server = await startOpenAIServer([html, html, { reply: { text: 'ok' } }]);
    expect((await model(server).generate(request())).message.content).toBe('ok');
    expect(server.requests).toHaveLength(3);
    await using failing = await startOpenAIServer([html, html, html]);
    await expect(model(failing).generate(request())).rejects.toMatchObject({ code: 'model_unavailable', retryable: true });
    expect(failing.requests).toHaveLength(3);
  });
});
