import { createHash } from 'node:crypto';

const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;
/** `tool_use.name` in the history: the Messages API's OpenAPI spec gives this pattern (later versions: 1–200 characters); the strictest form is sent. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** `value` as `[a-zA-Z0-9_-]` (others → `_`, at most 55 kept) plus `_` and 8 hex digits of the SHA-256 of `hashed`. */
function wireToken(value: string, hashed: string): string {
  const hash = createHash('sha256').update(hashed).digest('hex').slice(0, 8);
  return `${value.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 55)}_${hash}`;
}

/**
 * A tool call id as the Messages API accepts it in `tool_use.id` and `tool_result.tool_use_id`
 * (`^[a-zA-Z0-9_-]+$`, else a 400 for the whole request): unchanged when it fits. Ids minted by
 * another provider or a hostile server (Kimi's `functions.Bash:0`, an id with `.`, `:`, `/`,
 * spaces or nothing at all) become their allowed characters (others → `_`, at most 55 kept)
 * plus `_` and 8 hex digits of the original's SHA-256 — deterministic, so a call and its result
 * stay paired in every request of the run, and two ids that clean alike still differ. The
 * runtime keeps the original id; only the request carries the mapped one. Within one request,
 * `WireToolUseIds` also keeps the mapped ids unique.
 */
export function anthropicToolUseId(id: string): string {
  if (TOOL_USE_ID.test(id)) return id;
  return wireToken(id, id);
}

/**
 * A tool name as the Messages API accepts it in a history `tool_use` block (`^[a-zA-Z0-9_-]{1,64}$`):
 * unchanged when it fits — every tool agentrt defines does. A name a model invented
 * (`functions.lookup`, `multi_tool_use.parallel`, empty, too long; answered `tool_not_found`) is
 * mapped like an id (allowed characters plus a hash of the original), so the history stays
 * sendable; the run keeps the original.
 */
export function anthropicToolName(name: string): string {
  return TOOL_NAME.test(name) ? name : wireToken(name, name);
}

/**
 * The `tool_use` ids of one request: `use(id)` for each call in history order, `result(id)` for
 * each result. The API refuses a request whose `tool_use` ids repeat ("`tool_use` ids must be
 * unique"), and a per-id mapping cannot rule that out: a model may send an id that equals the
 * mapped form of an earlier one (copying `call_1_3f2a9c01` from its history), or reuse its own
 * id in a later turn. The first call keeps `anthropicToolUseId(id)`; a later one whose mapped id
 * is taken gets another hash (of the id and a counter), so the ids of earlier turns — and a
 * prompt cache over them — never change as the history grows. A result refers to the latest
 * call of its id (the one right before it: pairing is checked on every request).
 */
export class WireToolUseIds {
  private readonly taken = new Set<string>();
  private readonly latest = new Map<string, string>();

  use(id: string): string {
    let wire = anthropicToolUseId(id);
    for (let n = 1; this.taken.has(wire); n++) wire = wireToken(id, `${id}\u0000${n}`);
    this.taken.add(wire);
    this.latest.set(id, wire);
    return wire;
  }

  result(id: string): string {
    return this.latest.get(id) ?? anthropicToolUseId(id);
  }
}
