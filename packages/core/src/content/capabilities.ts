import { ConfigError } from '../errors/config-error.js';
import type { ModelCapabilities } from '../model.js';

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/(?:[a-z0-9][a-z0-9!#$&^_.+-]{0,126}|\*)$/;
const ANY = new Set(['*', '*/*']);
const LISTS = ['imageTypes', 'fileTypes'] as const;
const FLAGS = ['partsInToolResults', 'imageUrls', 'fileUrls', 'structuredOutput', 'reasoning', 'reusesToolCallIds'] as const;

/**
 * An adapter's capabilities: its defaults with a user's `capabilities` option laid over them
 * (e.g. `{ imageTypes: [] }` for a text-only model behind a vision-capable adapter).
 * Validates the override and throws `ConfigError` naming the field (`capabilities.imageTypes`, …)
 * for an unknown key, a non-boolean flag or a malformed media type (wildcards `type/*`, `*` and
 * `*\/*` are accepted). Media types are lower-cased.
 * The result is frozen.
 */
export function resolveCapabilities(defaults: ModelCapabilities, override: unknown, field = 'capabilities'): ModelCapabilities {
  if (override === undefined) return Object.freeze({ ...defaults, imageTypes: Object.freeze([...defaults.imageTypes]), fileTypes: Object.freeze([...defaults.fileTypes]) });
  if (typeof override !== 'object' || override === null || Array.isArray(override)) throw new ConfigError(field, 'expected an object such as { imageTypes: [] }');
  const given = override as Record<string, unknown>;
  const known = new Set<string>([...LISTS, ...FLAGS]);
  for (const key of Object.keys(given)) {
    if (!known.has(key)) throw new ConfigError(`${field}.${key}`, `unknown capability; expected one of ${[...known].join(', ')}`);
  }
  const result: Record<string, unknown> = { ...defaults };
  for (const key of LISTS) {
    const value = given[key];
    if (value === undefined) continue;
    if (!Array.isArray(value)) throw new ConfigError(`${field}.${key}`, 'expected an array of media types such as ["image/png"]');
    result[key] = value.map((type, index) => {
      const lower = typeof type === 'string' ? type.toLowerCase() : '';
      if (!MEDIA_TYPE.test(lower) && !ANY.has(lower)) throw new ConfigError(`${field}.${key}`, `entry ${index} is not a media type (or a wildcard such as "image/*"): ${JSON.stringify(type)}`);
      if (key === 'imageTypes' && !lower.startsWith('image/') && !ANY.has(lower)) throw new ConfigError(`${field}.${key}`, `entry ${index} is not an image/* type: ${JSON.stringify(type)}`);
      return lower;
    });
  }
  for (const key of FLAGS) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new ConfigError(`${field}.${key}`, 'expected true or false');
    result[key] = value;
  }
  const caps = result as unknown as ModelCapabilities;
  return Object.freeze({ ...caps, imageTypes: Object.freeze([...caps.imageTypes]), fileTypes: Object.freeze([...caps.fileTypes]) });
}
