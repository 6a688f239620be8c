// Red team 14: a misspelt or mistyped OpenAIModel option fails at construction, never silently.
import { OpenAIModel, openaiProvider } from '@agentrt/model-openai';
import { describe, expect, it } from 'vitest';

const base = { model: 'gpt-4o-mini', apiKey: 'sk-test' };
const invalid = (field: string, text?: string) => expect.objectContaining({ code: 'config_invalid', field, ...(text ? { message: expect.stringContaining(text) } : {}) });

describe('OpenAIModel options', () => {
  it('refuses an unknown (misspelt) option, naming it and the near miss', () => {
    expect(() => new OpenAIModel({ ...base, maxToken: 100 } as never)).toThrow(invalid('maxToken', 'did you mean "maxTokens"'));
    expect(() => new OpenAIModel({ ...base, baseUrl: 'http://127.0.0.1:1/v1' } as never)).toThrow(invalid('baseUrl', 'did you mean "baseURL"'));
    expect(() => new OpenAIModel({ modle: 'gpt-4o-mini', apiKey: 'sk-test' } as never)).toThrow(invalid('modle', 'did you mean "model"'));
  });

  it('checks temperature, the string options and extraBody', () => {
    for (const temperature of [-0.1, 2.5, Number.NaN, '0.2']) expect(() => new OpenAIModel({ ...base, temperature } as never)).toThrow(invalid('temperature'));
    expect(() => new OpenAIModel({ ...base, temperature: 2 })).not.toThrow();
    expect(() => new OpenAIModel({ ...base, baseURL: 42 } as never)).toThrow(invalid('baseURL'));
    expect(() => new OpenAIModel({ ...base, organization: '' })).toThrow(invalid('organization'));
    expect(() => new OpenAIModel({ ...base, extraBody: [1] } as never)).toThrow(invalid('extraBody'));
    expect(() => new OpenAIModel({ ...base, timeoutMs: '5000' } as never)).toThrow(invalid('timeoutMs'));
    expect(() => new OpenAIModel({ ...base, maxTokens: 1.5 })).toThrow(invalid('maxTokens'));
  });

  it('openaiProvider refuses a misspelt default when it is made', () => {
    expect(() => openaiProvider({ maxToken: 100 } as never)).toThrow(invalid('maxToken', 'did you mean "maxTokens"'));
    expect(() => openaiProvider({ model: 'x' } as never)).toThrow(invalid('model'));
    expect(() => openaiProvider({ apiKey: 'sk-test', maxTokens: 100 })).not.toThrow();
  });
});
