// Red team 14: a misspelt or mistyped OllamaModel option fails at construction, never silently.
import { OllamaModel, ollamaProvider } from '@agentrt/model-ollama';
import { describe, expect, it } from 'vitest';

const base = { model: 'llama3.1', host: 'http://127.0.0.1:11434' };
const invalid = (field: string, text?: string) => expect.objectContaining({ code: 'config_invalid', field, ...(text ? { message: expect.stringContaining(text) } : {}) });

describe('OllamaModel options', () => {
  it('refuses an unknown (misspelt) option, naming it and the near miss', () => {
    expect(() => new OllamaModel({ ...base, keepalive: '10m' } as never)).toThrow(invalid('keepalive', 'did you mean "keepAlive"'));
    expect(() => new OllamaModel({ ...base, options: { temperature: 0 } } as never)).toThrow(invalid('options', 'known: model, host'));
    expect(() => new OllamaModel({ ...base, temperature: 0 } as never)).toThrow(invalid('temperature', 'modelOptions'));
  });

  it('checks host and keepAlive', () => {
    expect(() => new OllamaModel({ ...base, host: 11434 } as never)).toThrow(invalid('host'));
    expect(() => new OllamaModel({ ...base, keepAlive: {} } as never)).toThrow(invalid('keepAlive'));
    expect(() => new OllamaModel({ ...base, keepAlive: Number.NaN })).toThrow(invalid('keepAlive'));
    expect(() => new OllamaModel({ ...base, keepAlive: -1 })).not.toThrow();
    expect(() => new OllamaModel({ ...base, keepAlive: '5m' })).not.toThrow();
    expect(() => new OllamaModel({ ...base, timeoutMs: '5000' } as never)).toThrow(invalid('timeoutMs'));
  });

  it('ollamaProvider refuses a misspelt default when it is made', () => {
    expect(() => ollamaProvider({ hots: 'http://x' } as never)).toThrow(invalid('hots', 'did you mean "host"'));
    expect(() => ollamaProvider({ host: 'http://127.0.0.1:11434' })).not.toThrow();
  });
});
