import { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import type { UserMessage } from '../messages.js';
import type { OutputSpec } from '../model.js';
import { headOf, wellFormed } from '../util/text-cut.js';

/** Default of `maxOutputRepairs`. */
export const DEFAULT_MAX_OUTPUT_REPAIRS = 2;

/** Structured output of one run as the loop holds it. */
export interface OutputMode {
  readonly schema: z.ZodType;
  readonly spec: OutputSpec;
  /** Failed answers fed back to the model before the run stops with `output_invalid`. */
  readonly maxRepairs: number;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_ISSUES = 10;
// Cut by `headOf`: these texts are sent to the model, and a lone surrogate half makes providers refuse the request.
const clip = (text: string, max: number) => (text.length > max ? `${headOf(text, max)}…` : text);

/**
 * The `OutputSpec` sent to the model for a zod schema: its JSON schema in output form (all
 * properties required, `additionalProperties: false`), or in input form when the schema has
 * transforms (which have no output form). Throws `ConfigError(field)` unless it describes an object.
 */
export function outputSpecFor(schema: unknown, field: string): OutputSpec {
  if (!(schema instanceof z.ZodType)) throw new ConfigError(field, 'expected a zod schema (z.object({...}))');
  let json: Record<string, unknown>;
  try {
    json = toJson(schema, 'output');
  } catch {
    try {
      json = toJson(schema, 'input');
    } catch (error) {
      throw new ConfigError(field, `schema cannot be represented as JSON schema (${(error as Error).message})`, { cause: error });
    }
  }
  delete json.$schema;
  if (json.type !== 'object') throw new ConfigError(field, 'structured output needs an object schema (z.object({...})); wrap other values in a field');
  const name = typeof json.title === 'string' && NAME.test(json.title) ? json.title : 'output';
  return Object.freeze({ name, schema: json, ...(typeof json.description === 'string' ? { description: json.description } : {}) });
}

function toJson(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, { io }) as Record<string, unknown>;
}

/** Outcome of checking a final answer against the run's schema. */
export type AnswerCheck = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problems: readonly string[] };

const FENCE = /^```(?:json|JSON)?[^\S\r\n]*\r?\n([\s\S]*?)\r?\n[^\S\r\n]*```$/;

/**
 * Parses a final answer as JSON — tolerating exactly one surrounding Markdown code fence
 * (```` ```json ````) — and validates it with the schema. `__proto__` keys are dropped.
 * Problems are bounded (at most 10, each at most 300 characters).
 */
export async function checkAnswer(text: string, schema: z.ZodType): Promise<AnswerCheck> {
  let body = text.trim();
  // The fence's body is parsed even when it holds ``` (a JSON string with a code block); two
  // fenced blocks with text between them are not one JSON value, so they still fail to parse.
  const fenced = FENCE.exec(body);
  if (fenced) body = fenced[1]!.trim();
  let value: unknown;
  try {
    value = JSON.parse(body, (key, item: unknown) => (key === '__proto__' ? undefined : item));
  } catch (error) {
    return { ok: false, problems: [`the answer is not valid JSON: ${clip(wellFormed((error as Error).message), 300)}`] };
  }
  let parsed: z.ZodSafeParseResult<unknown>;
  try {
    parsed = await schema.safeParseAsync(value);
  } catch (error) {
    // A refinement that throws is the schema's failure, reported like an invalid answer.
    return { ok: false, problems: [`the schema could not check the answer: ${clip(error instanceof Error ? error.message : String(error), 300)}`] };
  }
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues;
  const problems = issues.slice(0, MAX_ISSUES).map((issue) => clip(`${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`, 300));
  if (issues.length > MAX_ISSUES) problems.push(`… and ${issues.length - MAX_ISSUES} more problem(s)`);
  return { ok: false, problems };
}

/**
 * The user message that feeds a failed answer's problems back to the model: bounded, with the
 * expected JSON schema (clipped at 4 000 characters) so models without native structured output can comply.
 */
export function repairMessage(spec: OutputSpec, problems: readonly string[]): UserMessage {
  const schema = clip(JSON.stringify(spec.schema), 4_000);
  return {
    role: 'user',
    content: [
      `Your final answer was not accepted: it must be a JSON object matching the output schema "${spec.name}".`,
      'Problems:',
      ...problems.map((problem) => `- ${problem}`),
      `Schema: ${schema}`,
      'Answer again with only the JSON object (no prose, no code fence).',
    ].join('\n'),
  };
}

/** The JSON form of a parsed value as stored (transforms producing non-JSON values are not kept); undefined when it cannot be serialized. */
export function jsonForm(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
