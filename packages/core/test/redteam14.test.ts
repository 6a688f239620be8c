// Red team 14: one shared "unknown option, did you mean …" check for every package's constructor options.
import { checkKnownOptions, ConfigError, editDistance, nearestName } from '@agentrt/core';
import { describe, expect, it } from 'vitest';

const KNOWN = ['model', 'maxTokens', 'temperature', 'timeoutMs'] as const;
const thrown = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('checkKnownOptions', () => {
  it('passes an object whose keys are all known, and leaves a non-object to the caller', () => {
    expect(() => checkKnownOptions({ model: 'x', maxTokens: 1 }, KNOWN)).not.toThrow();
    expect(() => checkKnownOptions({}, KNOWN)).not.toThrow();
    for (const value of [undefined, null, 'x', 3]) expect(() => checkKnownOptions(value, KNOWN)).not.toThrow();
  });

  it('refuses a misspelt key with config_invalid naming it, the near miss and the known names', () => {
    const error = thrown(() => checkKnownOptions({ model: 'x', maxToken: 100 }, KNOWN));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'config_invalid', field: 'maxToken' });
    expect(error.message).toBe('Invalid option "maxToken": unknown option (did you mean "maxTokens"?) (known: model, maxTokens, temperature, timeoutMs)');
  });

  it('finds a near miss that differs only in case, however long the name', () => {
    expect(thrown(() => checkKnownOptions({ TIMEOUTMS: 1 }, KNOWN)).message).toContain('did you mean "timeoutMs"');
    expect(thrown(() => checkKnownOptions({ Temprature: 1 }, KNOWN)).message).toContain('did you mean "temperature"');
  });

  it('names what the options are of, and gives no near miss for a far name', () => {
    const error = thrown(() => checkKnownOptions({ colour: 'red' }, KNOWN, 'OpenAIModel'));
    expect(error).toMatchObject({ code: 'config_invalid', field: 'colour' });
    expect(error.message).toBe('Invalid option "colour": unknown option of OpenAIModel (known: model, maxTokens, temperature, timeoutMs)');
  });
});

describe('nearestName and editDistance', () => {
  it('prefers the closest candidate, case-insensitively, within two edits', () => {
    expect(nearestName('limt', ['limits', 'limit'])).toBe('limit');
    expect(nearestName('KEYPREFIX', ['url', 'keyPrefix'])).toBe('keyPrefix');
    expect(nearestName('zzzzzz', ['url', 'keyPrefix'])).toBeUndefined();
    expect(editDistance('shema', 'schema')).toBe(1);
    expect(editDistance('a', 'abcd')).toBeGreaterThan(2);
  });
});
