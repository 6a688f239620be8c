import { createRuntime, resolveModelString } from '@agentrt/core';
import { AiSdkModel, aiSdkProvider, type AiSdkLanguageModel } from '@agentrt/model-ai-sdk';
import { startAnthropicServer, startOpenAIServer, type LoopbackServer } from '@agentrt/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { afterEach, describe, expect, it } from 'vitest';

const configError = (make: () => unknown) => {
  try {
    make();
    return undefined;
  } catch (error) {
    return error as { code?: string; field?: string; message: string };
  }
};
const fake = (modelId: string): AiSdkLanguageModel => ({ specificationVersion: 'v3', provider: 'acme.chat', modelId, doGenerate: async () => ({}), doStream: async () => ({}) });

describe('aiSdkProvider: provider strings', () => {
  const servers: LoopbackServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('runs "ai-sdk:openai/…" and "ai-sdk:anthropic/…" against the loopback servers; modelOptions override the defaults', async () => {
    const openaiServer = await startOpenAIServer([{ reply: { text: 'from openai' } }]);
    const anthropicServer = await startAnthropicServer([{ reply: { text: 'from anthropic' } }]);
    servers.push(openaiServer, anthropicServer);
    const plugin = aiSdkProvider({
      providers: {
        openai: createOpenAI({ apiKey: 'sk-loopback', baseURL: `${openaiServer.url}/v1` }).chat,
        anthropic: createAnthropic({ apiKey: 'sk-ant-loopback', baseURL: `${anthropicServer.url}/v1` }),
      },
      defaults: { maxOutputTokens: 500 },
    });
    const viaOpenAI = await createRuntime({ model: 'ai-sdk:openai/gpt-4o-mini', plugins: [plugin] }).run('hi');
    const viaAnthropic = await createRuntime({ model: 'ai-sdk:anthropic/claude-sonnet-4-5', modelOptions: { maxOutputTokens: 321 }, plugins: [plugin] }).run('hi');
    expect([viaOpenAI.output, viaAnthropic.output]).toEqual(['from openai', 'from anthropic']);
    expect((openaiServer.requests[0]!.body as { model: string; max_tokens: number })).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 500 });
    expect((anthropicServer.requests[0]!.body as { model: string; max_tokens: number })).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 321 });
  });

  it('takes a user-chosen prefix; the model id is everything after the first "/"', () => {
    const seen: string[] = [];
    const plugin = aiSdkProvider({ prefix: 'vercel', providers: { openrouter: (id) => (seen.push(id), fake(id)), acme: { languageModel: (id: string) => fake(`lm:${id}`) } } });
    const adapter = resolveModelString('vercel:openrouter/meta-llama/llama-3.1-70b', [plugin]);
    expect(adapter).toBeInstanceOf(AiSdkModel);
    expect(adapter.model).toBe('meta-llama/llama-3.1-70b');
    expect(seen).toEqual(['meta-llama/llama-3.1-70b']);
    expect(resolveModelString('vercel:acme/x', [plugin]).model).toBe('lm:x');
    expect(configError(() => resolveModelString('ai-sdk:acme/x', [plugin]))).toMatchObject({ code: 'config_invalid', field: 'model' });
  });

  it('an unknown provider name, or a string without "/", is config_invalid on model naming it and the configured ones', () => {
    const plugin = aiSdkProvider({ providers: { openai: (id: string) => fake(id) } });
    for (const spec of ['ai-sdk:mistral/large', 'ai-sdk:__proto__/x', 'ai-sdk:constructor/x', 'ai-sdk:toString/x', 'ai-sdk:openai', 'ai-sdk:/gpt-4o', 'ai-sdk:openai/']) {
      const error = configError(() => createRuntime({ model: spec, plugins: [plugin] }));
      expect(error, spec).toMatchObject({ code: 'config_invalid', field: 'model' });
      expect(error!.message).toContain('openai');
    }
    expect(configError(() => createRuntime({ model: 'ai-sdk:mistral/large', plugins: [plugin] }))!.message).toContain('"mistral"');
  });

  it('a provider that has no such model is config_invalid on model, with the cause', () => {
    const refusing = { languageModel: (id: string): AiSdkLanguageModel => { throw Object.assign(new Error(`No such languageModel: ${id}`), { name: 'AI_NoSuchModelError' }); } };
    const error = configError(() => resolveModelString('ai-sdk:acme/ghost', [aiSdkProvider({ providers: { acme: refusing } })]));
    expect(error).toMatchObject({ code: 'config_invalid', field: 'model', cause: expect.objectContaining({ name: 'AI_NoSuchModelError' }) });
  });

  it('validates its own options at construction', () => {
    expect(configError(() => aiSdkProvider({ providers: {} }))).toMatchObject({ field: 'providers' });
    expect(configError(() => aiSdkProvider(undefined as never))).toMatchObject({ field: 'providers' });
    expect(configError(() => aiSdkProvider({ providers: { 'open/ai': (id: string) => fake(id) } }))).toMatchObject({ field: 'providers.open/ai' });
    expect(configError(() => aiSdkProvider({ providers: { openai: 'gpt-4o' as never } }))).toMatchObject({ field: 'providers.openai' });
    expect(configError(() => aiSdkProvider({ prefix: 'AI SDK', providers: { openai: (id: string) => fake(id) } }))).toMatchObject({ code: 'config_invalid', field: 'provider' });
  });
});
