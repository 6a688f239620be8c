import { TEXT_ONLY, type ModelCapabilities } from '@agentrt/core';

/**
 * How media a tool returned reaches the model: `native` puts it inside the tool result (the
 * spec's `content` output), `user-message` sends the result's text plus a note and carries the
 * media in one user message right after that turn's tool results (for providers whose tool
 * results take text only, e.g. OpenAI Chat Completions, which would otherwise serialize the
 * image into the tool text).
 */
export type ToolResultMedia = 'native' | 'user-message';

/** What agentrt knows about a provider package, chosen by the model's `provider` id. */
export interface ProviderProfile {
  /** The provider family (`openai`, `anthropic`), or undefined for a provider without a profile. */
  readonly family: 'openai' | 'anthropic' | undefined;
  readonly capabilities: ModelCapabilities;
  readonly toolResultMedia: ToolResultMedia;
  /** Whether system messages must all come first (Anthropic, Google); OpenAI keeps them in place. */
  readonly systemFirst: boolean;
  /**
   * Whether an assistant turn's reasoning goes back to the model. Off for the OpenAI Responses
   * API: its reasoning items must travel with the ids of the items that followed them (text,
   * function calls), which agentrt messages do not keep, and an orphaned reasoning item is a 400
   * ("Item 'rs_…' of type 'reasoning' was provided without its required following item").
   */
  readonly replayReasoning: boolean;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

// OpenAI model families with image and PDF input, and those with Structured Outputs (as `@agentrt/model-openai`).
const OPENAI_VISION = /^(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-4-turbo(?!-preview)|gpt-5|o1(?!-mini|-preview)|o3(?!-mini)|o4)/;
const OPENAI_STRUCTURED = /^(?:gpt-4o(?!-2024-05-13)|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1(?!-mini|-preview)|o3|o4)/;

/** Claude 4.5 and later take `output_config.format` (as `@agentrt/model-anthropic`). */
function claudeStructured(modelId: string): boolean {
  const match = /claude-(?:opus|sonnet|haiku)-(\d{1,2})(?:-(\d+))?/.exec(modelId.toLowerCase());
  if (!match) return false;
  const major = Number(match[1]);
  const minor = match[2] && match[2].length <= 2 ? Number(match[2]) : 0; // 8-digit suffixes are dates
  return major > 4 || (major === 4 && minor >= 5);
}

/** The Anthropic `thinking` provider option, when it turns thinking on. */
export function anthropicThinking(providerOptions: unknown): { type: 'enabled'; budgetTokens?: number } | { type: 'adaptive' } | undefined {
  const anthropic = isObject(providerOptions) ? providerOptions.anthropic : undefined;
  const thinking = isObject(anthropic) ? anthropic.thinking : undefined;
  if (!isObject(thinking)) return undefined;
  if (thinking.type === 'adaptive') return { type: 'adaptive' };
  if (thinking.type !== 'enabled') return undefined;
  return typeof thinking.budgetTokens === 'number' ? { type: 'enabled', budgetTokens: thinking.budgetTokens } : { type: 'enabled' };
}

/**
 * The profile of a wrapped model, from its `provider` id (`openai.chat`, `openai.responses`,
 * `anthropic.messages`, …) and model id:
 *
 * - `openai.*` — PNG, JPEG, GIF and WebP images (inline or by URL) and PDF files (inline) on the
 *   vision families (GPT-4o, 4.1, 4.5, 5, o1, o3, o4); tool media by the user-message workaround;
 *   Structured Outputs from the 2024-08-06 snapshots on; no reasoning declared; on the Responses
 *   API (`openai.responses`) reasoning the model returns is kept but not sent back.
 * - `anthropic.*` — JPEG, PNG, GIF and WebP images and PDF / plain-text documents, inline or by
 *   URL, natively in tool results; structured output on Claude 4.5 and later; reasoning when
 *   `providerOptions.anthropic.thinking` turns thinking on.
 * - anything else — text only, tool media by the user-message workaround: declare what the model
 *   takes with the `capabilities` option.
 */
export function profileFor(provider: string, modelId: string, providerOptions: unknown): ProviderProfile {
  const family = provider.split('.')[0];
  const id = modelId.replace(/^ft:/, '').replace(/^.*\//, '').toLowerCase();
  if (family === 'openai') {
    const vision = OPENAI_VISION.test(id);
    return {
      family: 'openai',
      capabilities: {
        ...TEXT_ONLY,
        ...(vision ? { imageTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'], fileTypes: ['application/pdf'], partsInToolResults: true, imageUrls: true } : {}),
        structuredOutput: OPENAI_STRUCTURED.test(id),
      },
      toolResultMedia: 'user-message',
      systemFirst: false,
      replayReasoning: provider !== 'openai.responses',
    };
  }
  if (family === 'anthropic') {
    return {
      family: 'anthropic',
      capabilities: {
        imageTypes: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'],
        fileTypes: ['application/pdf', 'text/plain'],
        partsInToolResults: true,
        imageUrls: true,
        fileUrls: true,
        structuredOutput: claudeStructured(id),
        reasoning: anthropicThinking(providerOptions) !== undefined,
      },
      toolResultMedia: 'native',
      systemFirst: true,
      replayReasoning: true,
    };
  }
  return { family: undefined, capabilities: TEXT_ONLY, toolResultMedia: 'user-message', systemFirst: true, replayReasoning: true };
}

const NOT_STRICT = ['oneOf', 'not', 'if', 'then', 'else', 'patternProperties', 'dependentRequired', 'dependentSchemas', 'unevaluatedProperties'];

/** Whether a schema meets OpenAI Structured Outputs' strict rules: every object closed and all its properties required. */
export function isStrictSchema(schema: unknown): boolean {
  if (!isObject(schema)) return true;
  if (NOT_STRICT.some((keyword) => schema[keyword] !== undefined)) return false;
  if (schema.type === 'object' || isObject(schema.properties)) {
    if (schema.additionalProperties !== false) return false;
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required : [];
    if (!Object.keys(properties).every((key) => required.includes(key))) return false;
    if (!Object.values(properties).every(isStrictSchema)) return false;
  }
  if (schema.items !== undefined && !isStrictSchema(schema.items)) return false;
  for (const keyword of ['anyOf', 'allOf'] as const) {
    if (Array.isArray(schema[keyword]) && !(schema[keyword] as unknown[]).every(isStrictSchema)) return false;
  }
  for (const defs of ['$defs', 'definitions'] as const) {
    if (isObject(schema[defs]) && !Object.values(schema[defs] as Json).every(isStrictSchema)) return false;
  }
  return true;
}
