import type { z } from 'zod';
import type { FinishReason } from '../model.js';
import type { ToolGate } from '../governance/tool-gate.js';
import { canonicalJson } from '../util/canonical-json.js';
import { exceedsDepth } from '../util/json-depth.js';
import { headOf, wellFormed } from '../util/text-cut.js';
import { describeThrown } from './tool-output.js';

/** Why arguments were rejected. */
export type ArgsRejection = 'json_parse' | 'not_object' | 'schema' | 'truncated';

/** Outcome of parsing and validating tool arguments. */
export type ArgsOutcome = { readonly ok: true; readonly args: unknown } | { readonly ok: false; readonly reason: ArgsRejection; readonly message: string };

const PREVIEW = 200;
// Cut by `headOf`: the preview goes back to the model in an error result, where a lone surrogate half makes providers refuse the request.
const preview = (text: string) => (text.length > PREVIEW ? `${headOf(text, PREVIEW)}… (${text.length} chars)` : text);
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Deep copy keeping only JSON data and dropping `__proto__`/`constructor`/`prototype` keys (prototype-pollution guard). */
function sanitize(value: unknown, depth = 0): unknown {
  if (depth > MAX_ARGS_DEPTH) throw new RangeError(`arguments nest deeper than ${MAX_ARGS_DEPTH} levels`);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => sanitize(item, depth + 1));
  const out: Record<string, unknown> = {};
  // Own enumerable keys in their order (as Object.keys lists them), without an array of them.
  for (const key in value) {
    if (!hasOwn.call(value, key) || UNSAFE_KEYS.has(key)) continue;
    out[key] = sanitize((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Deepest nesting of tool-call arguments: deeper arguments are rejected (`tool_args_invalid`, `schema`). */
export const MAX_ARGS_DEPTH = 64;

/**
 * Arguments as the transcript keeps them: unchanged, unless they nest deeper than
 * `MAX_ARGS_DEPTH`, have a cycle or cannot be read. Adapters parse the model's JSON into objects,
 * and thousands of levels would overflow the stack of every serializer (stores, events, the next
 * request). Too deep: a copy cut one level below the limit (a marker string there), which the
 * loop rejects as too deep (`schema`). A cycle or a throwing getter (not JSON at all): a marker
 * text the loop rejects as not JSON (`json_parse`). Either way the result serializes anywhere.
 */
export function boundArgs(args: unknown): unknown {
  const notJson = '[arguments that are not JSON: a cycle or an unreadable value]';
  try {
    if (!exceedsDepth(args, MAX_ARGS_DEPTH)) return args;
  } catch {
    return notJson;
  }
  let broken = false;
  const seen = new WeakSet<object>();
  const copy = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (depth > MAX_ARGS_DEPTH) return '[nested too deep]';
    if (seen.has(value)) {
      broken = true;
      return null;
    }
    seen.add(value);
    try {
      if (Array.isArray(value)) return value.map((item) => copy(item, depth + 1));
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) Object.defineProperty(out, key, { value: copy((value as Record<string, unknown>)[key], depth + 1), enumerable: true, writable: true, configurable: true });
      return out;
    } catch {
      broken = true;
      return null;
    } finally {
      seen.delete(value);
    }
  };
  const out = copy(args, 0);
  return broken ? notJson : out;
}

/**
 * The text that stands in the transcript for arguments nested deeper than `MAX_ARGS_DEPTH` (a
 * response's arguments are replaced by it before anything walks them). `parseToolArgs` answers it
 * with `schema` and this message, not as JSON that fails to parse.
 */
export const TOO_DEEP_ARGS = `arguments nested deeper than ${MAX_ARGS_DEPTH} levels were dropped; send flatter arguments`;

/**
 * Turns what the model sent into an arguments object: a string is parsed as JSON
 * (no repair: fenced blocks, single quotes and trailing commas are rejected);
 * the result must be a plain object. Never throws.
 */
export function parseToolArgs(raw: unknown, finishReason: FinishReason): ArgsOutcome {
  let value = raw;
  if (raw === TOO_DEEP_ARGS) return { ok: false, reason: 'schema', message: TOO_DEEP_ARGS };
  if (typeof raw === 'string') {
    if (raw.trim() === '') {
      return { ok: false, reason: finishReason === 'length' ? 'truncated' : 'json_parse', message: 'arguments are empty; send a JSON object' };
    }
    try {
      value = JSON.parse(raw);
    } catch (error) {
      if (finishReason === 'length') {
        return { ok: false, reason: 'truncated', message: `arguments were cut off at the output token limit: ${preview(raw)}; send shorter arguments` };
      }
      return { ok: false, reason: 'json_parse', message: `arguments are not valid JSON (${wellFormed((error as Error).message)}): ${preview(raw)}` };
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'not_object', message: `arguments must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` };
  }
  try {
    return { ok: true, args: sanitize(value) };
  } catch (error) {
    return { ok: false, reason: 'schema', message: (error as Error).message };
  }
}

/** Validates parsed arguments against a tool's zod schema; at most 10 issues are reported, the message is ≤ 1 KB. A schema that throws refuses the arguments. Never throws. */
export function validateToolArgs(schema: z.ZodType, args: unknown): ArgsOutcome {
  let parsed: ReturnType<z.ZodType['safeParse']>;
  try {
    parsed = schema.safeParse(args);
  } catch (error) {
    // A refinement or transform that throws: the arguments are refused, the run goes on.
    return { ok: false, reason: 'schema', message: `the tool's schema failed while checking the arguments: ${describeThrown(error, 200)}` };
  }
  if (parsed.success) return { ok: true, args: parsed.data };
  const issues = parsed.error.issues.slice(0, 10).map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  const more = parsed.error.issues.length > 10 ? `; and ${parsed.error.issues.length - 10} more` : '';
  const message = `arguments do not match the schema: ${issues.join('; ')}${more}`;
  return { ok: false, reason: 'schema', message: message.length > 1024 ? `${headOf(message, 1020)}…` : message };
}

/**
 * The arguments loop detection compares, as canonical JSON: for an allowed, registered tool the
 * schema-validated arguments when they pass (so key order and keys the schema strips do not make
 * a repeated call look new), else the parsed arguments. Also returns that validation, so the
 * caller does not run the schema twice. A denied tool's schema is never run here.
 */
export function loopKeyArgs(gate: Pick<ToolGate, 'find' | 'isAllowed'> | undefined, name: string, args: unknown): { readonly canonical: string; readonly checked: ArgsOutcome | undefined } {
  const tool = gate?.find(name);
  const checked = tool && gate!.isAllowed(name) ? validateToolArgs(tool.input, args) : undefined;
  if (checked?.ok) {
    try {
      return { canonical: canonicalJson(checked.args), checked };
    } catch {
      // A transform produced a value that cannot be walked: compare the parsed arguments instead.
    }
  }
  return { canonical: canonicalJson(args), checked };
}
