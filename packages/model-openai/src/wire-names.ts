import { createHash } from 'node:crypto';

/** The most characters Chat Completions takes in a tool call id of the history (a longer one is a 400). */
export const MAX_TOOL_CALL_ID = 40;
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * `value` reduced to the characters `[a-zA-Z0-9_-]` (others become `_`), cut to fit `max` with
 * `_` and 8 hex digits of the SHA-256 of the original: deterministic, so every request of a run
 * maps a call and its result alike (they stay paired, a prompt cache still matches), and two
 * originals that clean to the same text still differ.
 */
export function wireToken(value: string, max: number): string {
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
  return `${value.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, max - 9)}_${hash}`;
}

/**
 * A tool call id as Chat Completions accepts it in the history: unchanged up to 40 characters,
 * longer ones (vLLM's `chatcmpl-tool-<32 hex>`, another provider's, a run-unique rename) mapped
 * by `wireToken`. The runtime keeps the original; only the request carries the mapped id.
 */
export function openAIToolCallId(id: string): string {
  return id.length <= MAX_TOOL_CALL_ID ? id : wireToken(id, MAX_TOOL_CALL_ID);
}

/**
 * A tool name as Chat Completions accepts it in the history (`^[a-zA-Z0-9_-]+$`, tools take at
 * most 64 characters): unchanged when it fits. A name the model invented (`functions.lookup`,
 * `multi_tool_use.parallel`, empty) — answered with `tool_not_found` — is mapped by `wireToken`,
 * or every later request of the run would be refused.
 */
export function openAIToolName(name: string): string {
  return NAME.test(name) ? name : wireToken(name, 64);
}
