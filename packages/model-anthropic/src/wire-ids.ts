import { createHash } from 'node:crypto';

const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;

/**
 * A tool call id as the Messages API accepts it in `tool_use.id` and `tool_result.tool_use_id`
 * (`^[a-zA-Z0-9_-]+$`, else a 400 for the whole request): unchanged when it fits. Ids minted by
 * another provider or a hostile server (Kimi's `functions.Bash:0`, an id with `.`, `:`, `/`,
 * spaces or nothing at all) become their allowed characters (others → `_`, at most 55 kept)
 * plus `_` and 8 hex digits of the original's SHA-256 — deterministic, so a call and its result
 * stay paired in every request of the run, and two ids that clean alike still differ. The
 * runtime keeps the original id; only the request carries the mapped one.
 */
export function anthropicToolUseId(id: string): string {
  if (TOOL_USE_ID.test(id)) return id;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
  return `${id.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 55)}_${hash}`;
}
