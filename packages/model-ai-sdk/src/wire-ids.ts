import { createHash } from 'node:crypto';

/** Which provider's rules tool call ids and names in the history must follow (by the profile's family). */
export type WireRules = 'openai' | 'anthropic' | undefined;

/** A tool name in the history: OpenAI's pattern, and the Messages API's for `tool_use.name` (its spec's strictest form). */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ANTHROPIC_ID = /^[a-zA-Z0-9_-]+$/;

/** Allowed characters of `value` (others → `_`), cut to fit `max` with `_` and 8 hex digits of the SHA-256 of `hashed` (default `value`): deterministic, distinct for distinct originals. */
function wireToken(value: string, max: number, hashed = value): string {
  const hash = createHash('sha256').update(hashed).digest('hex').slice(0, 8);
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

/**
 * The tool call ids of one request: `use(id)` for each call in history order, `result(id)` for
 * each result. Anthropic refuses a request whose `tool_use` ids repeat ("`tool_use` ids must be
 * unique"), which a per-id mapping cannot rule out: a model may send an id equal to the mapped
 * form of an earlier one (copying `call_1_3f2a9c01` from its history), or reuse its own id in a
 * later turn. The first call keeps `wireToolCallId(id)`; a later one whose wire id is taken gets
 * another hash (of the id and a counter), so earlier turns keep their ids as the history grows.
 * A result refers to the latest call of its id. Other rules: `wireToolCallId` as it is.
 */
export class WireToolCallIds {
  private readonly taken = new Set<string>();
  private readonly latest = new Map<string, string>();

  constructor(private readonly rules: WireRules) {}

  use(id: string): string {
    let wire = wireToolCallId(id, this.rules);
    if (this.rules !== 'anthropic') return wire;
    for (let n = 1; this.taken.has(wire); n++) wire = wireToken(id, 64, `${id}\u0000${n}`);
    this.taken.add(wire);
    this.latest.set(id, wire);
    return wire;
  }

  result(id: string): string {
    return this.latest.get(id) ?? wireToolCallId(id, this.rules);
  }
}
