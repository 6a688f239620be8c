import type { ModelCapabilities, OutputSpec } from '@agentrt/core';
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';

/** Claude model ids name family, major and minor version: `claude-sonnet-4-5`, `claude-opus-4-6-20260101`, `claude-sonnet-5`. */
function version(model: string): { major: number; minor: number } | undefined {
  const match = /^claude-(?:opus|sonnet|haiku)-(\d{1,2})(?:-(\d+))?/.exec(model.replace(/^.*\//, '').toLowerCase());
  if (!match) return undefined;
  const minor = match[2] && match[2].length <= 2 ? Number(match[2]) : 0; // 8-digit suffixes are dates
  return { major: Number(match[1]), minor };
}

/**
 * What `AnthropicModel` declares: JPEG, PNG, GIF and WebP images and PDF / plain-text documents,
 * inline or by URL (plain text inline only), natively inside tool results too; structured output
 * (`output_config.format`) on Claude 4.5 and later; reasoning when `thinking` is configured.
 * Override with the `capabilities` option.
 */
export function anthropicCapabilities(model: string, options: { reasoning: boolean }): ModelCapabilities {
  const v = version(model);
  return {
    imageTypes: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'],
    fileTypes: ['application/pdf', 'text/plain'],
    partsInToolResults: true,
    imageUrls: true,
    fileUrls: true,
    structuredOutput: v !== undefined && (v.major > 4 || (v.major === 4 && v.minor >= 5)),
    reasoning: options.reasoning,
  };
}

/**
 * `request.output` → `output_config.format` (JSON outputs). The schema goes through the SDK's
 * `transformJSONSchema` — objects closed, keywords JSON outputs lack (`minimum`, `maxLength`, …)
 * moved into descriptions; the runtime still validates the answer against the full schema.
 * A schema whose root is not an object, or that the transform cannot take, is not sent.
 */
export function toOutputConfig(output: OutputSpec): unknown {
  if (output.schema.type !== 'object') return undefined;
  try {
    return { format: { type: 'json_schema', schema: transformJSONSchema(output.schema as Record<string, unknown>) } };
  } catch {
    return undefined;
  }
}
