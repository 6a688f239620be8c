// rt17f red team: OllamaModel modelOptions — unknown names are a ConfigError naming the field, and
// every documented option passes through (tools17c). Hostile containers: a Map (serializes to {}),
// a null-prototype object, symbol keys, an inherited or non-enumerable typo.
import { OllamaModel } from '@agentrt/model-ollama';
import { startOllamaServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const base = { model: 'llama3.1', host: 'http://127.0.0.1:11434' };

describe('rt17f: OllamaModel modelOptions', () => {
  it('a Map is refused (it would be sent as {} and its options silently dropped)', () => {
    expect(() => new OllamaModel({ ...base, modelOptions: new Map([['temperature', 0]]) as unknown as Record<string, unknown> })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'modelOptions', message: expect.stringContaining('Map') }));
    expect(() => new OllamaModel({ ...base, modelOptions: new Date() as unknown as Record<string, unknown> })).toThrow(expect.objectContaining({ field: 'modelOptions' }));
  });

  it('unknown names name the field, also in any case and for Object.prototype names', () => {
    for (const key of ['Temperature', 'toString', 'hasOwnProperty', 'temprature', 'max_tokens']) {
      expect(() => new OllamaModel({ ...base, modelOptions: { [key]: undefined } }), key).toThrow(expect.objectContaining({ code: 'config_invalid', field: `modelOptions.${key}` }));
    }
  });

  it('a null-prototype object of documented options passes through to the request', async () => {
    await using server = await startOllamaServer([{ reply: { text: 'a' } }]);
    const options = Object.assign(Object.create(null) as Record<string, unknown>, { temperature: 0, num_ctx: 8192, stop: ['\n'], seed: 7 });
    const model = new OllamaModel({ model: 'llama3.1', host: server.url, modelOptions: options });
    expect((await model.generate({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal })).message.content).toBe('a');
    expect((server.requests[0]!.body as { options?: unknown }).options).toEqual({ temperature: 0, num_ctx: 8192, stop: ['\n'], seed: 7 });
  });
});
