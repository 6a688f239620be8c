import { AgentrtError, createRuntime, type Tool, type ToolContext, type ToolMessage } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { calculate, createMathTools } from '@agentrt/tools-math';
import { describe, expect, it } from 'vitest';

// Red team 15c: the math pack as a user and a hostile model would use it.

const ctx = (): ToolContext => ({ runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal });
const tool = (): Tool => createMathTools()[0]!;
async function call(expression: string): Promise<{ code?: string; output?: Record<string, unknown>; ms: number }> {
  const started = performance.now();
  const parsed = tool().input.safeParse({ expression });
  if (!parsed.success) return { code: 'tool_args_invalid', ms: 0 };
  try {
    return { output: (await tool().execute(parsed.data, ctx())) as Record<string, unknown>, ms: performance.now() - started };
  } catch (error) {
    return { code: AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`, ms: performance.now() - started };
  }
}

describe('tools-math: what users type (red team 15c)', () => {
  it('precedence, unary minus, right-associative exponents, functions and constants', () => {
    const cases: [string, number][] = [
      ['1 + 2 * 3', 7], ['(1 + 2) * 3', 9], ['10 / 4 * 2', 5], ['10 - 2 - 3', 5], ['2 ^ 3 ^ 2', 512], ['-2 ^ 2', -4], ['(-2) ^ 2', 4],
      ['2 ^ -2', 0.25], ['2 * -3', -6], ['--2', 2], ['1 - -1', 2], ['7 % 3', 1], ['-7 % 3', -1], ['sqrt(16) + abs(-3)', 7],
      ['max(1, 5, 3) - min(4, 2)', 3], ['hypot(3, 4)', 5], ['factorial(10)', 3_628_800], ['round(2.5)', 3], ['floor(-2.5)', -3],
      ['2 * pi', 2 * Math.PI], ['e ^ 1', Math.E], ['log(1000)', 3], ['ln(e)', 1], ['log2(1024)', 10], ['1e3 + .5', 1000.5], ['-0', 0],
      ['1e-400', 0], ['atan2(1, 1) * 4', Math.PI], ['2^53 - 1', Number.MAX_SAFE_INTEGER], ['123456789 * 1000', 123_456_789_000],
    ];
    for (const [expression, expected] of cases) expect(calculate(expression), expression).toBeCloseTo(expected, 12);
  });

  it('integers beyond 2^53 are said to be approximate: the model is never handed wrong digits as an exact answer', async () => {
    // 123456789 * 987654321 = 121932631112635269 exactly; a double gives 121932631112635260 (JSON digits).
    for (const expression of ['123456789 * 987654321', '2^64 - 1', '12345678901234567890', '2^53 + 1', 'factorial(25)', '(2^53 + 1) - 2^53', 'exp(40)', '1e20 / 3', 'pow(3, 40)']) {
      const { output, code } = await call(expression);
      expect(code, expression).toBeUndefined();
      expect(output, expression).toMatchObject({ approximate: true });
      expect(String(output!.note), expression).toMatch(/2\^53/);
    }
    // Exact results carry no flag (the result shape stays { expression, result }).
    for (const expression of ['2^53 - 1', '0.1 + 0.2', '1e-7', 'factorial(18)', '-(2^53 - 1)', '1e20 + 0', '2^60 / 2^10', '2^53 * 2 - 2^54']) {
      const { output } = await call(expression);
      expect(Object.keys(output!).sort(), expression).toEqual(['expression', 'result']);
    }
    // Exact, but JSON would print other digits (2^64 prints 18446744073709552000): the exact digits come along.
    expect((await call('2^64')).output).toEqual({ expression: '2^64', result: 2 ** 64, exact: '18446744073709551616' });
    expect((await call('factorial(22)')).output).toMatchObject({ exact: '1124000727777607680000' });
    expect((await call('pow(2, 70)')).output).toMatchObject({ exact: '1180591620717411303424' });
    expect((await call('-(2^64)')).output).toMatchObject({ exact: '-18446744073709551616' });
    expect((await call('abs(-2^60)')).output).toMatchObject({ exact: '1152921504606846976' });
  });
});

describe('tools-math: hostile expressions (red team 15c) are typed errors, bounded in time, and the run continues', () => {
  const hostile: [string, string][] = [
    ['('.repeat(10_000) + '1' + ')'.repeat(10_000), 'tool_args_invalid'], // over maxLength (1 000) at the schema
    ['('.repeat(400) + '1' + ')'.repeat(400), 'expression_rejected'],
    ['-'.repeat(900) + '1', 'expression_rejected'],
    ['2' + '^2'.repeat(400), 'expression_rejected'],
    ['sqrt('.repeat(150) + '2' + ')'.repeat(150), 'expression_rejected'],
    ['1e309', 'math_domain_error'],
    ['9^9^9^9', 'math_domain_error'],
    ['factorial(171)', 'math_domain_error'],
    ['factorial(1e9)', 'math_domain_error'],
    ['constructor', 'expression_rejected'],
    ['constructor.constructor("return process")()', 'expression_rejected'],
    ['__proto__', 'expression_rejected'],
    ['toString()', 'expression_rejected'],
    ['hasOwnProperty(1)', 'expression_rejected'],
    ['valueOf', 'expression_rejected'],
    ['process.exit()', 'expression_rejected'],
    ['1/0', 'math_domain_error'],
    ['0/0', 'math_domain_error'],
    ['sqrt(-1)', 'math_domain_error'],
    ['2 ** 3', 'expression_rejected'],
    ['1 +', 'expression_rejected'],
    ['', 'tool_args_invalid'],
  ];

  it('each is refused with its code within 50 ms', async () => {
    for (const [expression, code] of hostile) {
      const outcome = await call(expression);
      expect(outcome.code, expression.slice(0, 60)).toBe(code);
      expect(outcome.ms, expression.slice(0, 60)).toBeLessThan(50 * 20); // generous under a busy machine; the bound is the design's 50 ms
    }
    // The longest accepted input: a flat chain of 500 additions (no nesting) is evaluated, not refused.
    expect((await call(`1${'+1'.repeat(499)}`)).output).toMatchObject({ result: 500 });
  });

  it('through a run: every refusal is an error tool result and the run goes on to its answer', async () => {
    const model = new ScriptedModel([...hostile.map(([expression]) => ScriptedModel.call('calculate', { expression })), ScriptedModel.call('calculate', { expression: '6 * 7' }), ScriptedModel.answer('42')]);
    const runtime = createRuntime({ model, tools: createMathTools(), limits: { maxSteps: hostile.length + 2, maxToolCalls: hostile.length + 1 } });
    const result = await runtime.run('compute');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: '42' });
    for (let index = 0; index < hostile.length; index++) expect((model.requests[index + 1]!.messages.at(-1) as ToolMessage).isError, hostile[index]![0].slice(0, 40)).toBe(true);
    expect(JSON.parse((model.requests[hostile.length + 1]!.messages.at(-1) as ToolMessage).content as string)).toEqual({ expression: '6 * 7', result: 42 });
  });
});
