// Red team 14: a misspelt AiSdkModel / aiSdkProvider option fails at construction, never silently.
import { AiSdkModel, aiSdkProvider, type AiSdkLanguageModel } from '@agentrt/model-ai-sdk';
import { describe, expect, it } from 'vitest';

const model: AiSdkLanguageModel = { specificationVersion: 'v3', provider: 'acme.chat', modelId: 'acme-1', doGenerate: async () => ({}), doStream: async () => ({}) } as never;
const invalid = (field: string, text?: string) => expect.objectContaining({ code: 'config_invalid', field, ...(text ? { message: expect.stringContaining(text) } : {}) });

describe('AiSdkModel options', () => {
  it('refuses an unknown (misspelt) option, naming it and the near miss', () => {
    expect(() => new AiSdkModel({ model, maxOutputToken: 100 } as never)).toThrow(invalid('maxOutputToken', 'did you mean "maxOutputTokens"'));
    expect(() => new AiSdkModel({ model, temperature: 0 } as never)).toThrow(invalid('temperature', 'known: model'));
    expect(() => new AiSdkModel({ model, timeoutMs: 1_000 })).not.toThrow();
  });

  it('aiSdkProvider refuses a misspelt option or default when it is made', () => {
    const providers = { acme: () => model };
    expect(() => aiSdkProvider({ providers, default: {} } as never)).toThrow(invalid('default', 'did you mean "defaults"'));
    expect(() => aiSdkProvider({ providers, defaults: { timeoutMS: 5 } } as never)).toThrow(invalid('timeoutMS', 'did you mean "timeoutMs"'));
    expect(() => aiSdkProvider({ providers, defaults: { model } } as never)).toThrow(invalid('model'));
    expect(() => aiSdkProvider({ providers, defaults: { timeoutMs: 5 } })).not.toThrow();
  });
});
