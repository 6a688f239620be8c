import type { z } from 'zod';
import type { FinishReason } from '../model.js';

/** Why arguments were rejected. */
export type ArgsRejection = 'json_parse' | 'not_object' | 'schema' | 'truncated';

/** Outcome of parsing and validating tool arguments. */
export type ArgsOutcome = { readonly ok: true; readonly args: unknown } | { readonly ok: false; readonly reason: ArgsRejection; readonly message: string };

const PREVIEW = 200;
const preview = (text: string) => (text.length > PREVIEW ? `${text.slice(0, PREVIEW)}… (${text.length} chars)` : text);
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Deep copy keeping only JSON data and dropping `__proto__`/`constructor`/`prototype` keys (prototype-pollution guard). */
function sanitize(value: unknown, depth = 0): unknown {
  if (depth > 64) throw new RangeError('arguments nest deeper than 64 levels');
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => sanitize(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (UNSAFE_KEYS.has(key)) continue;
    out[key] = sanitize((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

/**
 * Turns what the model sent into an arguments object: a string is parsed as JSON
 * (no repair: fenced blocks, single quotes and trailing commas are rejected);
 * the result must be a plain object. Never throws.
 */
export function parseToolArgs(raw: unknown, finishReason: FinishReason): ArgsOutcome {
  let value = raw;
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
      return { ok: false, reason: 'json_parse', message: `arguments are not valid JSON (${(error as Error).message}): ${preview(raw)}` };
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

/** Validates parsed arguments against a tool's zod schema; at most 10 issues are reported, the message is ≤ 1 KB. */
export function validateToolArgs(schema: z.ZodType, args: unknown): ArgsOutcome {
  const parsed = schema.safeParse(args);
  if (parsed.success) return { ok: true, args: parsed.data };
  const issues = parsed.error.issues.slice(0, 10).map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  const more = parsed.error.issues.length > 10 ? `; and ${parsed.error.issues.length - 10} more` : '';
  const message = `arguments do not match the schema: ${issues.join('; ')}${more}`;
  return { ok: false, reason: 'schema', message: message.length > 1024 ? `${message.slice(0, 1020)}…` : message };
}
