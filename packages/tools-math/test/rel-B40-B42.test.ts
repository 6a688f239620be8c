// RELIABILITY.md B-40…B-42 through real runs of the calculate tool: each hostile expression is a
// typed error result the model sees — code execution attempts exactly expression_rejected — within
// the row's numeric bounds (length ≤ 1 000, depth ≤ 64, ≤ 50 ms, magnitude cap), the process and
// Object.prototype untouched, invariants I1–I8 holding.
import { createRuntime, MemoryStore, type ToolMessage } from '@agentrt/core';
import { calculate, createMathTools } from '@agentrt/tools-math';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

async function calculateAll(expressions: string[]) {
  const store = new MemoryStore();
  const model = new ScriptedModel([ScriptedModel.parallel(expressions.map((expression, i) => ({ id: `e${i}`, name: 'calculate', args: { expression } }))), ScriptedModel.answer('done')]);
  const result = await createRuntime({ model, tools: createMathTools(), store, loopDetection: false, limits: { maxToolCalls: 500 } }).run('go');
  expect(result.stopReason).toBe('final_answer');
  expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
  return model.requests[1]!.messages.filter((m): m is ToolMessage => m.role === 'tool');
}

describe('B-40 code execution through the math tool: expression_rejected', () => {
  it('every one of the row\'s inputs', async () => {
    const attacks = [
      'constructor.constructor("return process")()', 'process.exit()', "require('fs')", "import('fs')", 'globalThis', 'this', '__proto__',
      '`${process.pid}`', 'Function("return process")()', '1 /* c */ + 1', '1 // c', '\\u0031 + 1', 'sqrt.constructor', 'abs["constructor"]',
    ];
    const exitCode = process.exitCode;
    const answers = await calculateAll(attacks);
    expect(answers.map((m) => m.code)).toEqual(attacks.map(() => 'expression_rejected'));
    expect(process.exitCode).toBe(exitCode);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

describe('B-41 math DoS: rejected or bounded', () => {
  it('9**9**9, 10 000-deep parentheses, a 1 MB expression, factorial(1e9): typed errors, each under 50 ms of CPU', async () => {
    const cases: [string, string][] = [
      ['9**9**9', 'expression_rejected'],
      ['9^9^9', 'math_domain_error'],
      ['('.repeat(10_000) + '1' + ')'.repeat(10_000), 'tool_args_invalid'],
      ['1+'.repeat(500_000) + '1', 'tool_args_invalid'],
      ['factorial(1e9)', 'math_domain_error'],
    ];
    const answers = await calculateAll(cases.map(([e]) => e));
    expect(answers.map((m) => m.code)).toEqual(cases.map(([, code]) => code));
    for (const [expression] of cases) {
      const started = process.cpuUsage();
      expect(() => calculate(expression)).toThrow();
      const used = process.cpuUsage(started);
      expect((used.user + used.system) / 1000, expression.slice(0, 20)).toBeLessThan(50);
    }
  });

  it('the bounds are the row\'s numbers: 1 000 characters and depth 64 pass, 1 001 and 65 do not; magnitude capped at 1e300', async () => {
    const long = '1+'.repeat(499) + '1' + ' '.repeat(1); // 1 000 characters
    expect(long.length).toBe(1_000);
    const deep = (n: number) => '('.repeat(n) + '1' + ')'.repeat(n);
    const answers = await calculateAll([long, long + ' ', deep(63), deep(65), '10^300', '10^301']);
    expect(answers.map((m) => m.code ?? 'ok')).toEqual(['ok', 'tool_args_invalid', 'ok', 'expression_rejected', 'ok', 'math_domain_error']);
    expect(JSON.parse(answers[0]!.content as string)).toMatchObject({ result: 500 });
  });
});

describe('B-42 math numerics: defined results or typed errors, never a crash', () => {
  it('1/0, 0/0, 1e308*10 are math_domain_error; -0 is 0', async () => {
    const answers = await calculateAll(['1/0', '0/0', '1e308*10', '-0']);
    expect(answers.map((m) => m.code ?? 'ok')).toEqual(['math_domain_error', 'math_domain_error', 'math_domain_error', 'ok']);
    expect(JSON.parse(answers[3]!.content as string).result).toBe(0);
  });
});
