import { TEXT_ONLY, type ModelCapabilities, type OutputSpec } from '@agentrt/core';

// Model families with image and PDF input, and those with Structured Outputs (`json_schema`).
const VISION = /^(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-4-turbo(?!-preview)|gpt-5|o1(?!-mini|-preview)|o3(?!-mini)|o4)/;
const STRUCTURED = /^(?:gpt-4o(?!-2024-05-13)|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1(?!-mini|-preview)|o3|o4)/;

/** `ft:gpt-4o-mini:org::id` and router-style `openai/gpt-4o` name the base model after the prefix. */
const baseModel = (model: string) => model.replace(/^ft:/, '').replace(/^.*\//, '').toLowerCase();

/**
 * What `OpenAIModel` declares for a model id, by family: GPT-4o, 4.1, 4.5, 5 and the o1/o3/o4
 * reasoning models take PNG, JPEG, GIF and WebP images (inline or by URL) and PDF files (inline
 * only), media in tool results through the user-message workaround, and (from the 2024-08-06
 * snapshots on) Structured Outputs. Other ids — older models, and arbitrary names on
 * OpenAI-compatible servers — are text only; override with the `capabilities` option.
 * Chat Completions returns no reasoning, so `reasoning` is false.
 */
export function openAICapabilities(model: string): ModelCapabilities {
  const id = baseModel(model);
  const vision = VISION.test(id);
  return {
    ...TEXT_ONLY,
    ...(vision ? { imageTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'], fileTypes: ['application/pdf'], partsInToolResults: true, imageUrls: true } : {}),
    structuredOutput: STRUCTURED.test(id),
  };
}

type Schema = Record<string, unknown>;
const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const NOT_STRICT = ['oneOf', 'not', 'if', 'then', 'else', 'patternProperties', 'dependentRequired', 'dependentSchemas', 'unevaluatedProperties'];

/** Whether a schema meets Structured Outputs' strict rules: every object closed and all its properties required. */
export function isStrictSchema(schema: unknown): boolean {
  if (!isObject(schema)) return true;
  if (NOT_STRICT.some((keyword) => schema[keyword] !== undefined)) return false;
  if (schema.type === 'object' || isObject(schema.properties)) {
    if (schema.additionalProperties !== false) return false;
    const keys = Object.keys(isObject(schema.properties) ? schema.properties : {});
    const required = Array.isArray(schema.required) ? schema.required : [];
    if (!keys.every((key) => required.includes(key))) return false;
    if (!keys.every((key) => isStrictSchema((schema.properties as Schema)[key]))) return false;
  }
  if (schema.items !== undefined && !isStrictSchema(schema.items)) return false;
  for (const keyword of ['anyOf', 'allOf'] as const) {
    if (Array.isArray(schema[keyword]) && !(schema[keyword] as unknown[]).every(isStrictSchema)) return false;
  }
  for (const defs of ['$defs', 'definitions'] as const) {
    if (isObject(schema[defs]) && !Object.values(schema[defs] as Schema).every(isStrictSchema)) return false;
  }
  return true;
}

/**
 * `request.output` → `response_format`. Structured Outputs take an object-rooted schema; it is
 * sent with `strict: true` when it meets the strict rules and `strict: false` otherwise (e.g.
 * optional properties), where the model follows it on a best-effort basis. A schema whose root
 * is not an object is not sent: the runtime's validation and repair cover it.
 */
export function toResponseFormat(output: OutputSpec): unknown {
  if (!isObject(output.schema) || output.schema.type !== 'object') return undefined;
  return {
    type: 'json_schema',
    json_schema: { name: output.name, schema: output.schema, strict: isStrictSchema(output.schema), ...(output.description ? { description: output.description } : {}) },
  };
}
