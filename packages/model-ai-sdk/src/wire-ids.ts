import { createHash } from 'node:crypto';

/** Which provider's rules tool call ids and names in the history must follow (by the profile's family). */
export type WireRules = 'openai' | 'anthropic' | undefined;

/** A tool name in the history: OpenAI's pattern, and the Messages API's for `tool_use.name` (its spec's strictest form). */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ANTHROPIC_ID = /^[a-zA-Z0-9_-]+$/;

/** Allowed characters of `value` (others → `_`), cut to fit `max` with `_` and 8 hex digits of its SHA-256: deterministic, distinct for distinct originals. */
function wireToken(value: string, max: number): string {
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
  return `${value.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, max - 9)}_${hash}`;
}

/**
 * A tool call id as the provider accepts it in the history (a refused one fails every later
 * request of the run): OpenAI Chat Completions takes at most 40 characters (vLLM's ids have 46),
 * Anthropic only `^[a-zA-Z0-9_-]+$` (Kimi's `functions.lookup:0`). Unchanged when it fits.
 */
export function wireToolCallId(id: string, rules: WireRules): string {
  if (rules === 'openai') return id.length <= 40 ? id : wireToken(id, 40);
  if (rules === 'anthropic') return ANTHROPIC_ID.test(id) ? id : wireToken(id, 64);
  return id;
}

/**
 * A tool name as the provider accepts it in the history (OpenAI and Anthropic alike:
 * `^[a-zA-Z0-9_-]{1,64}$`): a name the model invented (`functions.lookup:0`, empty, too long;
 * answered `tool_not_found`) is mapped — deterministically, so every request sends the same
 * history. Every tool agentrt defines fits, and is never touched.
 */
export function wireToolName(name: string, rules: WireRules): string {
  return rules !== undefined && !TOOL_NAME.test(name) ? wireToken(name, 64) : name;
}
