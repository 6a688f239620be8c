import { ConfigError, definePlugin, defineTool, TOKENS, type Tool } from '@agentrt/core';
import { z } from 'zod';
import { DEFAULT_LIMITS, evaluateReporting, parseExpression, type ExpressionLimits } from './expression.js';

/** What the tool adds to a result that passed through an integer beyond 2^53 − 1. */
const APPROXIMATE_NOTE = 'integers beyond 2^53 - 1 (9007199254740991) are not exact here: the result may differ from the exact value in its last digits';

/** Options of the math pack. */
export interface MathToolOptions {
  /** Longest accepted expression, in characters (≤ 10 000). Default 1 000. */
  readonly maxLength?: number;
  /** Deepest nesting (≤ 256). Default 64. */
  readonly maxDepth?: number;
}

export const mathOptionsSchema = z.strictObject({
  maxLength: z.number().int().min(1).max(10_000).optional(),
  maxDepth: z.number().int().min(1).max(256).optional(),
}).optional();

/** The `calculate` tool. Throws `config_invalid` (naming the field) for options outside their bounds or unknown ones. */
export function createMathTools(options: MathToolOptions = {}): Tool[] {
  const parsed = mathOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = (issue as { keys?: string[] }).keys;
    throw new ConfigError([...issue.path.map(String), ...(keys ?? [])].join('.') || 'options', issue.message);
  }
  const limits: ExpressionLimits = { ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(parsed.data ?? {}).filter(([, v]) => v !== undefined)) };
  return [
    defineTool({
      name: 'calculate',
      description: 'Evaluates an arithmetic expression: numbers, + - * / % ^, parentheses, constants pi/e/tau and sqrt, cbrt, abs, sign, round, floor, ceil, trunc, exp, ln, log, log2, log10, sin, cos, tan, asin, acos, atan, atan2, sinh, cosh, tanh, pow, hypot, min, max, factorial. Numbers are doubles: a result beyond 2^53 says approximate: true when it is not exact, or gives its exact digits in exact.',
      input: z.object({ expression: z.string().min(1).max(limits.maxLength).describe('e.g. "sqrt(2) * (3 + 4)^2"') }),
      timeoutMs: 1_000,
      execute: ({ expression }) => {
        const { value, approximate, exact } = evaluateReporting(parseExpression(expression, limits), limits);
        if (approximate) return { expression, result: value, approximate: true, note: APPROXIMATE_NOTE };
        return exact === undefined ? { expression, result: value } : { expression, result: value, exact };
      },
    }),
  ];
}

/** The math pack as a plugin: `plugins: ['@agentrt/tools-math']` or `[{ module: '@agentrt/tools-math', options: { maxLength: 200 } }]`. */
export const mathPlugin = definePlugin<MathToolOptions | undefined>({
  name: '@agentrt/tools-math',
  version: '0.1.0',
  options: mathOptionsSchema,
  register(container, options) {
    for (const tool of createMathTools(options ?? {})) container.register(TOKENS.Tool, { useValue: tool });
  },
});
