import { AgentrtError } from '@agentrt/core';
import { ToolSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** A tool definition as the server declared it (what is fingerprinted and pinned). */
export interface Definition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  readonly outputSchema?: Record<string, unknown>;
  readonly annotations?: { readonly readOnlyHint: boolean; readonly idempotentHint: boolean; readonly destructiveHint: boolean };
  readonly taskSupport?: string;
}

/** Why a listed tool cannot be offered at all. */
export type RejectionReason = 'invalid_definition' | 'duplicate_name';

/** One tools/list result, read tool by tool: the usable definitions and the rejected ones. */
export interface Listing {
  readonly definitions: ReadonlyMap<string, Definition>;
  readonly rejected: ReadonlyMap<string, { readonly reason: RejectionReason; readonly detail: string }>;
}

/** Longest MCP tool name accepted (the spec suggests at most 128). */
export const MAX_TOOL_NAME_CHARS = 1_024;
/**
 * Largest definition accepted (name, capped description and schemas as JSON): it is sent to the
 * model with every request, so a larger one is not offered (`invalid_definition`).
 */
export const MAX_DEFINITION_BYTES = 64 * 1024;
/**
 * Longest tool description passed on, in UTF-16 code units (characters for most text). A longer
 * one is cut there and ends with a visible marker saying how much was left out.
 */
export const MAX_DESCRIPTION_CHARS = 2_048;

/** A description as the model sees it: at most `MAX_DESCRIPTION_CHARS`, then a marker with the count cut. */
export function capDescription(description: string): string {
  if (description.length <= MAX_DESCRIPTION_CHARS) return description;
  // Never end on half of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(description[MAX_DESCRIPTION_CHARS - 1]!) ? MAX_DESCRIPTION_CHARS - 1 : MAX_DESCRIPTION_CHARS;
  return `${description.slice(0, end)}… [description cut by agentrt: ${description.length - end} more characters not shown]`;
}
/** Deepest nesting of a definition (or a result) the bridge reads; deeper JSON is refused before anything recurses into it. */
export const MAX_JSON_DEPTH = 64;
/** Most tools one listing may hold (all pages together). */
export const MAX_LISTED_TOOLS = 10_000;

/** A tools/list page, read without judging the tools (one bad definition must not fail the others). */
export const ListPageSchema = z.looseObject({ tools: z.array(z.unknown()), nextCursor: z.unknown().optional() });

/** Nesting depth of a JSON value, without recursion; stops counting past `limit`. */
export function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

const nameOf = (raw: unknown) => {
  const name = (raw as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : JSON.stringify(name ?? null).slice(0, 64);
};

/** Why a raw definition is not usable, or its parsed form. */
function read(raw: unknown): { definition: Definition } | { detail: string } {
  const name = (raw as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name.length === 0) return { detail: 'its name is not a non-empty string' };
  if (name.length > MAX_TOOL_NAME_CHARS) return { detail: `its name is longer than ${MAX_TOOL_NAME_CHARS} characters` };
  if (jsonDepth(raw, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return { detail: `it is nested more than ${MAX_JSON_DEPTH} levels deep` };
  // The description is cut before the size is judged: a long one costs at most MAX_DESCRIPTION_CHARS.
  const description = (raw as { description?: unknown }).description;
  const capped = typeof description === 'string' ? { ...(raw as object), description: capDescription(description) } : raw;
  const bytes = Buffer.byteLength(JSON.stringify(capped));
  if (bytes > MAX_DEFINITION_BYTES) return { detail: `its definition (schemas included) is ${bytes} bytes, more than ${MAX_DEFINITION_BYTES}` };
  const parsed = ToolSchema.safeParse(capped);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { detail: `it does not follow the MCP tool schema (${issue ? `${issue.path.join('.') || 'definition'}: ${issue.message}` : 'invalid'})` };
  }
  const tool = parsed.data;
  return {
    definition: {
      name: tool.name,
      description: tool.description ?? '',
      inputSchema: tool.inputSchema as Record<string, unknown>,
      ...(tool.outputSchema ? { outputSchema: tool.outputSchema as Record<string, unknown> } : {}),
      ...(tool.annotations ? { annotations: { readOnlyHint: tool.annotations.readOnlyHint ?? false, idempotentHint: tool.annotations.idempotentHint ?? false, destructiveHint: tool.annotations.destructiveHint ?? true } } : {}),
      ...(tool.execution?.taskSupport ? { taskSupport: tool.execution.taskSupport } : {}),
    },
  };
}

/**
 * Reads the tools of a listing one by one. A definition that does not follow the MCP schema,
 * is nested too deep, is too large or has an over-long name is rejected (`invalid_definition`)
 * without failing the others; a name listed twice is rejected in both places (`duplicate_name`:
 * which one would the server run?). Throws `mcp_output_invalid` past `MAX_LISTED_TOOLS`.
 */
export function readListing(rawTools: readonly unknown[], where: string): Listing {
  if (rawTools.length > MAX_LISTED_TOOLS) throw new AgentrtError('mcp_output_invalid', `${where} lists more than ${MAX_LISTED_TOOLS} tools`);
  const definitions = new Map<string, Definition>();
  const rejected = new Map<string, { reason: RejectionReason; detail: string }>();
  const duplicates = new Set<string>();
  for (const raw of rawTools) {
    const name = nameOf(raw);
    if (definitions.has(name) || rejected.has(name) || duplicates.has(name)) {
      duplicates.add(name);
      continue;
    }
    const outcome = read(raw);
    if ('definition' in outcome) definitions.set(name, outcome.definition);
    else rejected.set(name, { reason: 'invalid_definition', detail: outcome.detail });
  }
  for (const name of duplicates) {
    definitions.delete(name);
    rejected.set(name, { reason: 'duplicate_name', detail: 'the server lists two tools of this name, so which one a call runs is unknown' });
  }
  return { definitions, rejected };
}
