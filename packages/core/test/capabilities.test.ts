import { AgentrtError, ConfigError, resolveCapabilities, TEXT_ONLY, type ModelCapabilities } from '@agentrt/core';
import { describe, expect, it } from 'vitest';

const VISION: ModelCapabilities = { ...TEXT_ONLY, imageTypes: ['image/png', 'image/jpeg'], partsInToolResults: true, structuredOutput: true };
const fieldOf = (fn: () => unknown) => {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return AgentrtError.isInstance(error) && error.code === 'config_invalid' ? (error as ConfigError).field : String(error);
  }
};

describe('resolveCapabilities', () => {
  it('returns the defaults, frozen, when nothing overrides them', () => {
    const caps = resolveCapabilities(VISION, undefined);
    expect(caps).toEqual(VISION);
    expect(Object.isFrozen(caps) && Object.isFrozen(caps.imageTypes)).toBe(true);
  });

  it('lays an override over the defaults, lower-casing media types and keeping wildcards', () => {
    expect(resolveCapabilities(VISION, { imageTypes: [] })).toEqual({ ...VISION, imageTypes: [] });
    expect(resolveCapabilities(VISION, { imageTypes: ['IMAGE/WebP', 'image/*'], reasoning: true })).toEqual({ ...VISION, imageTypes: ['image/webp', 'image/*'], reasoning: true });
    expect(resolveCapabilities(TEXT_ONLY, { fileTypes: ['*'] }).fileTypes).toEqual(['*']);
  });

  it.each([
    ['null', null, 'capabilities'],
    ['an array', [], 'capabilities'],
    ['an unknown key', { video: true }, 'capabilities.video'],
    ['__proto__ as a key', JSON.parse('{"__proto__": {"imageTypes": ["image/png"]}}'), 'capabilities.__proto__'],
    ['a string list', { imageTypes: 'image/png' }, 'capabilities.imageTypes'],
    ['a malformed media type', { fileTypes: ['pdf'] }, 'capabilities.fileTypes'],
    ['a non-image type among images', { imageTypes: ['application/pdf'] }, 'capabilities.imageTypes'],
    ['a non-string entry', { imageTypes: [42] }, 'capabilities.imageTypes'],
    ['a non-boolean flag', { reasoning: 'yes' }, 'capabilities.reasoning'],
  ])('refuses %s, naming the field', (_name, override, field) => {
    expect(fieldOf(() => resolveCapabilities(VISION, override))).toBe(field);
  });
});
