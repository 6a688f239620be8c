// Red team 13b: docs/context.md holds the strategies' options to `config_invalid` — a string
// `"false"` for `pinFirstUser` is refused "not silently true" — yet a misspelt option was ignored
// outright: `pinFirstuser: false` kept pinning, `reserveOutputToken: 4000` reserved nothing. An
// option a strategy does not know is `config_invalid` naming it, with the near miss.
import { ScriptedModel } from '@agentrt/testing';
import { SlidingWindow, Summarize, TokenBudget, TokenizerEstimator, TruncateToolResults } from '@agentrt/context';
import { describe, expect, it } from 'vitest';

describe('unknown strategy options (red team 13b)', () => {
  it.each([
    ['SlidingWindow', () => new SlidingWindow({ maxMessages: 3, pinFirstuser: false } as never), 'pinFirstuser', 'pinFirstUser'],
    ['TokenBudget', () => new TokenBudget({ maxTokens: 8_000, reserveOutputToken: 4_000 } as never), 'reserveOutputToken', 'reserveOutputTokens'],
    ['TruncateToolResults', () => new TruncateToolResults({ maxChars: 1_000, tokeniser: () => 1 } as never), 'tokeniser', 'tokenizer'],
    ['Summarize', () => new Summarize({ model: new ScriptedModel([]), triggerTokens: 1_000, keeplast: 2 } as never), 'keeplast', 'keepLast'],
    ['TokenizerEstimator', () => new TokenizerEstimator({ tokenMultipler: 1.1 } as never), 'tokenMultipler', 'tokenMultiplier'],
  ])('%s refuses a misspelt option', (_name, build, field, near) => {
    expect(build).toThrow(expect.objectContaining({ code: 'config_invalid', field, message: expect.stringContaining(`did you mean "${near}"`) }));
  });

  it('known options still construct', () => {
    expect(new SlidingWindow({ maxTurns: 2, pinFirstUser: false }).name).toBe('sliding_window');
    expect(new TokenBudget({ maxTokens: 100, reserveOutputTokens: 10, tokenMultiplier: 1.1, pinFirstUser: true, cache: true })).toBeDefined();
    expect(new TruncateToolResults({ maxTokens: 100 })).toBeDefined();
    expect(new Summarize({ model: new ScriptedModel([]), triggerTokens: 1_000, keepLast: 4, instructions: 'Sum up.', tokenMultiplier: 1, pinFirstUser: true })).toBeDefined();
    expect(new TokenizerEstimator()).toBeDefined();
  });
});
