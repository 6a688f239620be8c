// tools17c: modelOptions keys are Ollama's documented option names. A typo fails at construction
// (Ollama ignores an unknown option, so `temprature` would quietly keep the default); every known
// name reaches the request's `options` unchanged.
import { OllamaModel } from '@agentrt/model-ollama';
import { startOllamaServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const base = { model: 'llama3.1', host: 'http://127.0.0.1:11434' };
const invalid = (field: string, text?: string) => expect.objectContaining({ code: 'config_invalid', field, ...(text ? { message: expect.stringContaining(text) } : {}) });

// Every option of Ollama's docs/api.md "Generate request (With options)" example, with its example value.
const DOCUMENTED = {
  num_keep: 5, seed: 42, num_predict: 100, top_k: 20, top_p: 0.9, min_p: 0.0, tfs_z: 0.5, typical_p: 0.7, repeat_last_n: 33, temperature: 0.8,
  repeat_penalty: 1.2, presence_penalty: 1.5, frequency_penalty: 1.0, mirostat: 1, mirostat_tau: 0.8, mirostat_eta: 0.6, penalize_newline: true,
  stop: ['\n', 'user:'], numa: false, num_ctx: 1024, num_batch: 2, num_gpu: 1, main_gpu: 0, low_vram: false, f16_kv: true, vocab_only: false,
  use_mmap: true, use_mlock: false, num_thread: 8, num_gqa: 1, rope_frequency_base: 1.1, rope_frequency_scale: 0.8,
};

describe('OllamaModel modelOptions names', () => {
  it('refuses a misspelt option name, naming modelOptions.<key> and the near miss', () => {
    expect(() => new OllamaModel({ ...base, modelOptions: { temprature: 0 } })).toThrow(invalid('modelOptions.temprature', 'did you mean "temperature"'));
    expect(() => new OllamaModel({ ...base, modelOptions: { numCtx: 8192 } })).toThrow(invalid('modelOptions.numCtx', 'did you mean "num_ctx"'));
    expect(() => new OllamaModel({ ...base, modelOptions: { temperature: 0, max_tokens: 10 } })).toThrow(invalid('modelOptions.max_tokens'));
  });

  it('hostile keys: __proto__ (an own key from JSON), constructor, a 1 MB name, the empty name', () => {
    expect(() => new OllamaModel({ ...base, modelOptions: JSON.parse('{"__proto__": {"temperature": 0}}') as Record<string, unknown> })).toThrow(invalid('modelOptions.__proto__'));
    expect(() => new OllamaModel({ ...base, modelOptions: { constructor: 1 } })).toThrow(invalid('modelOptions.constructor'));
    expect(() => new OllamaModel({ ...base, modelOptions: { ['x'.repeat(2 ** 20)]: 1 } })).toThrow(invalid(`modelOptions.${'x'.repeat(2 ** 20)}`));
    expect(() => new OllamaModel({ ...base, modelOptions: { '': 1 } })).toThrow(invalid('modelOptions.'));
    expect(() => new OllamaModel({ ...base, modelOptions: {} })).not.toThrow();
  });

  it('every documented option passes through to the request unchanged (generate and stream)', async () => {
    await using server = await startOllamaServer([{ reply: { text: 'a' } }, { reply: { text: 'b' } }]);
    const model = new OllamaModel({ model: 'llama3.1', host: server.url, modelOptions: DOCUMENTED });
    const request = { messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal };
    expect((await model.generate(request)).message.content).toBe('a');
    for await (const event of model.stream(request)) void event;
    expect(server.requests.map((r) => (r.body as { options?: unknown }).options)).toEqual([DOCUMENTED, DOCUMENTED]);
  });
});
