import { mathPlugin } from './plugin.js';

export { calculate, parseExpression, evaluate, DEFAULT_LIMITS } from './expression.js';
export type { ExpressionLimits } from './expression.js';
export { createMathTools, mathPlugin, mathOptionsSchema } from './plugin.js';
export type { MathToolOptions } from './plugin.js';
export default mathPlugin;
