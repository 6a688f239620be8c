// Red team 14: a misspelt or mistyped AnthropicModel option fails at construction, never silently.
import { AnthropicModel, anthropicProvider } from '@agentrt/model-anthropic';
import { describe, expect, it } from 'vitest';

const base = { model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test' };
const invalid = (field: string, text?: string) => expect.objectContaining({ code: 'config_invalid', field, ...(text ? { message: expect.stringContaining(text) } : {}) });

describe('AnthropicModel options', () => {
  it('refuses an unknown (misspelt) option, naming it and the near miss', () => {
    expect(() => new AnthropicModel({ ...base, maxToken: 100 } as never)).toThrow(invalid('maxToken', 'did you mean "maxTokens"'));
    expect(() => new AnthropicModel({ ...base, max_tokens: 100 } as never)).toThrow(invalid('max_tokens', 'did you mean "maxTokens"'));
    expect(() => new AnthropicModel({ ...base, thinkng: { budgetTokens: 2048 } } as never)).toThrow(invalid('thinkng', 'did you mean "thinking"'));
  });

  it('checks temperature against the API range and the string options', () => {
    for (const temperature of [-1, 1.5, Number.POSITIVE_INFINITY, '0.5']) expect(() => new AnthropicModel({ ...base, temperature } as never)).toThrow(invalid('temperature'));
    expect(() => new AnthropicModel({ ...base, temperature: 1 })).not.toThrow();
    expect(() => new AnthropicModel({ ...base, baseURL: {} } as never)).toThrow(invalid('baseURL'));
    expect(() => new AnthropicModel({ ...base, timeoutMs: '5000' } as never)).toThrow(invalid('timeoutMs'));
  });

  it('refuses a misspelt key inside thinking (it was ignored: { budgetTokens, adaptiv: true } ran manual thinking)', () => {
    expect(() => new AnthropicModel({ ...base, thinking: { budgetTokens: 2048, adaptiv: true } } as never)).toThrow(invalid('thinking.adaptiv', 'did you mean "adaptive"'));
    expect(() => new AnthropicModel({ ...base, thinking: { budget_tokens: 2048 } } as never)).toThrow(invalid('thinking.budget_tokens', 'did you mean "budgetTokens"'));
    expect(() => new AnthropicModel({ ...base, thinking: { budgetTokens: 2048 } })).not.toThrow();
    expect(() => new AnthropicModel({ ...base, thinking: { adaptive: true } })).not.toThrow();
  });

  it('anthropicProvider refuses a misspelt default when it is made', () => {
    expect(() => anthropicProvider({ maxToken: 100 } as never)).toThrow(invalid('maxToken', 'did you mean "maxTokens"'));
    expect(() => anthropicProvider({ apiKey: 'sk-ant-test', maxTokens: 100 })).not.toThrow();
  });
});
