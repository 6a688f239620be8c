// docs16b: docs/models.md and packages/model-openai/README.md — the provider swap snippet against
// the loopback OpenAI server, and the "options are checked at construction" claims.
import 'reflect-metadata';
import { AgentrtError, createRuntime, defineTool } from '@agentrt/core';
import { OpenAIModel, openaiProvider } from '@agentrt/model-openai';
import { startOpenAIServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

function thrownSync(fn: () => unknown): AgentrtError & { field?: string } {
  try {
    fn();
  } catch (error) {
    expect(AgentrtError.isInstance(error)).toBe(true);
    return error as AgentrtError & { field?: string };
  }
  throw new Error('expected a throw');
}

const getWeather = defineTool({ name: 'get_weather', description: 'Weather in a city', input: z.object({ city: z.string() }), execute: ({ city }) => `${city}: 21°C, sunny` });

describe('docs/models.md "Swapping providers is one line"', () => {
  it('model as a provider:model string through the provider plugin, provider defaults on the plugin, per-runtime options in modelOptions', async () => {
    await using server = await startOpenAIServer([
      { reply: { toolCalls: [{ id: 'c1', name: 'get_weather', args: { city: 'Paris' } }], finishReason: 'tool_calls', usage: { inputTokens: 20, outputTokens: 5 } } },
      { reply: { text: 'Sunny, 21°C.', usage: { inputTokens: 30, outputTokens: 5 } } },
    ]);
    const runtime = createRuntime({
      model: 'openai:gpt-4o-mini',
      plugins: [openaiProvider({ apiKey: 'sk-test-loopback', timeoutMs: 30_000 })],
      modelOptions: { baseURL: `${server.url}/v1` },
      tools: [getWeather],
    });
    const result = await runtime.run('Weather in Paris?');
    expect(result).toMatchObject({ stopReason: 'final_answer', output: 'Sunny, 21°C.', toolCalls: 1 });
    expect(server.requests.length).toBe(2);
  });

  it('an unknown provider or a string without provider: is config_invalid on model at construction', () => {
    expect(thrownSync(() => createRuntime({ model: 'acme:big-1', plugins: [openaiProvider({ apiKey: 'x' })] }))).toMatchObject({ code: 'config_invalid', field: 'model' });
    expect(thrownSync(() => createRuntime({ model: 'gpt-4o-mini', plugins: [openaiProvider({ apiKey: 'x' })] }))).toMatchObject({ code: 'config_invalid', field: 'model' });
  });
});

describe('docs/models.md "Options are checked at construction"', () => {
  it('maxToken is refused with the near miss and the known names; ranges are checked', () => {
    const typo = thrownSync(() => new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'x', maxToken: 100 } as never));
    expect(typo).toMatchObject({ code: 'config_invalid', field: 'maxToken' });
    expect(typo.message).toContain('unknown option of OpenAIModel (did you mean "maxTokens"?)');
    expect(typo.message).toContain('known:');
    expect(thrownSync(() => new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'x', temperature: 2.5 }))).toMatchObject({ code: 'config_invalid', field: 'temperature' });
    expect(thrownSync(() => new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'x', maxTokens: 1.5 }))).toMatchObject({ code: 'config_invalid', field: 'maxTokens' });
    expect(thrownSync(() => new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'x', timeoutMs: 0 }))).toMatchObject({ code: 'config_invalid', field: 'timeoutMs' });
    expect(thrownSync(() => openaiProvider({ maxToken: 1 } as never))).toMatchObject({ code: 'config_invalid' });
  });

  it('capabilities override: a text-only declaration refuses an image before any request (unsupported_content)', async () => {
    await using server = await startOpenAIServer([{ reply: { text: 'never' } }]);
    const model = new OpenAIModel({ model: 'gpt-4o', apiKey: 'x', baseURL: `${server.url}/v1`, capabilities: { imageTypes: [], fileTypes: [] } });
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    const result = await createRuntime({ model }).run({ input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: png }] }] });
    expect(result).toMatchObject({ stopReason: 'error', error: { code: 'unsupported_content' } });
    expect(server.requests.length).toBe(0);
  });
});
