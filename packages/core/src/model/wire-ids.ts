import { createHash } from 'node:crypto';

/**
 * Whose rules the tool call ids and names of a request's history must follow: OpenAI's Chat
 * Completions or Anthropic's Messages API (undefined: sent as they are).
 */
export type WireRules = 'openai' | 'anthropic' | undefined;

/** A tool name in the history: OpenAI's pattern, and the Messages API's for `tool_use.name` (its spec's strictest form). */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ANTHROPIC_ID = /^[a-zA-Z0-9_-]+$/;
/** The most characters Chat Completions takes in a tool call id of the history (a longer one is a 400). */
const OPENAI_MAX_ID = 40;

/**
 * `value` reduced to `[a-zA-Z0-9_-]` (others become `_`), cut to fit `max` characters with `_` and
 * 8 hex digits of the SHA-256 of `hashed` (default: `value`): deterministic, so every request of a
 * run maps a call and its result alike (they stay paired, a prompt cache still matches), and two
 * originals that clean to the same text still differ.
 */
export function wireToken(value: string, max: number, hashed = value): string {
  const hash = createHash('sha256').update(hashed).digest('hex').slice(0, 8);
  return `${value.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, max - 9)}_${hash}`;
}

/**
 * A tool call id as the provider accepts it in the history (a refused one fails every later
 * request of the run): Chat Completions takes at most 40 characters (vLLM's ids have 46), the
 * Messages API only `^[a-zA-Z0-9_-]+$` (Kimi's `functions.lookup:0`). Unchanged when it fits,
 * else mapped by `wireToken`. The runtime keeps the original; only the request carries this.
 */
export function wireToolCallId(id: string, rules: WireRules): string {
  if (rules === 'openai') return id.length <= OPENAI_MAX_ID ? id : wireToken(id, OPENAI_MAX_ID);
  if (rules === 'anthropic') return ANTHROPIC_ID.test(id) ? id : wireToken(id, 64);
  return id;
}

/**
 * A tool name as the provider accepts it in the history (both: `^[a-zA-Z0-9_-]{1,64}$`). Every
 * tool agentrt defines fits and is never touched; a name a model invented (`functions.lookup:0`,
 * empty, too long; answered `tool_not_found`) is mapped by `wireToken`, the same in every request.
 */
export function wireToolName(name: string, rules: WireRules): string {
  return rules !== undefined && !TOOL_NAME.test(name) ? wireToken(name, 64) : name;
}

/**
 * The tool call ids of one request: `use(id)` for each call in history order, `result(id)` for
 * each result. The Messages API refuses a request whose `tool_use` ids repeat ("`tool_use` ids
 * must be unique"), which a per-id mapping cannot rule out: a model may send an id equal to the
 * mapped form of an earlier one (copying `call_1_3f2a9c01` from its history), or reuse its own id
 * in a later turn. Under Anthropic's rules the first call keeps `wireToolCallId(id)` and a later
 * one whose wire id is taken gets another hash (of the id and a counter), so earlier turns keep
 * their ids as the history grows; a result refers to the latest call of its id. Other rules:
 * `wireToolCallId` as it is.
 */
export class WireToolCallIds {
  private readonly taken = new Set<string>();
  private readonly latest = new Map<string, string>();

  constructor(private readonly rules: WireRules) {}

  /** The wire id of a call (in history order). */
  use(id: string): string {
    let wire = wireToolCallId(id, this.rules);
    if (this.rules !== 'anthropic') return wire;
    for (let n = 1; this.taken.has(wire); n++) wire = wireToken(id, 64, `${id}\u0000${n}`);
    this.taken.add(wire);
    this.latest.set(id, wire);
    return wire;
  }

  /** The wire id a result refers to: that of the latest call with its id. */
  result(id: string): string {
    return this.latest.get(id) ?? wireToolCallId(id, this.rules);
  }
}
