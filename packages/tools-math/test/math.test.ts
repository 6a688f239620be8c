import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentrtError, createRuntimeAsync, type ToolMessage } from '@agentrt/core';
import { calculate, createMathTools } from '@agentrt/tools-math';
import { describeToolPack, MATH_ATTACKS, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

describeToolPack({
  name: '@agentrt/tools-math',
  tools: () => createMathTools(),
  samples: { calculate: { valid: { expression: '2 + 3 * 4' }, invalid: [{}, { expression: 42 }, { expression: '' }, { expression: 'x'.repeat(1_001) }], failing: { expression: '1/0' } } },
});

const codeOf = (expression: string) => {
  try {
    calculate(expression);
    return 'evaluated';
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};

describe('calculate', () => {
  it.each([
    ['2 + 3 * 4', 14], ['(2 + 3) * 4', 20], ['2 ^ 3 ^ 2', 512], ['-2 ^ 2', -4], ['10 % 4', 2], ['sqrt(16) + abs(-3)', 7],
    ['min(3, 1, 2)', 1], ['max(3, 1, 2)', 3], ['round(2.5)', 3], ['log(1000)', 3], ['ln(e)', 1], ['factorial(5)', 120],
    ['pi', Math.PI], ['2e3 + .5', 2000.5], ['-0', 0], ['1e308 * 1', 1e300 > 1e308 ? 0 : NaN],
  ])('%s = %d', (expression, value) => {
    if (Number.isNaN(value)) expect(codeOf(expression)).toBe('math_domain_error');
    else expect(calculate(expression)).toBeCloseTo(value, 10);
  });

  it(`rejects or bounds every one of ${MATH_ATTACKS.length} attack expressions with a typed error, fast`, () => {
    expect(MATH_ATTACKS.length).toBeGreaterThanOrEqual(40);
    for (const attack of MATH_ATTACKS) {
      // CPU time of this process, not wall time: a busy machine delays the test but cannot make it fail.
      const started = process.cpuUsage();
      const code = codeOf(attack);
      const used = process.cpuUsage(started);
      expect(['expression_rejected', 'math_domain_error'], `${attack.slice(0, 60)} → ${code}`).toContain(code);
      expect((used.user + used.system) / 1000, attack.slice(0, 60)).toBeLessThan(50);
    }
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });

  it('gives defined results or typed errors for numeric edge cases (B-42)', () => {
    expect(codeOf('1/0')).toBe('math_domain_error');
    expect(codeOf('0/0')).toBe('math_domain_error');
    expect(codeOf('1e308*10')).toBe('math_domain_error');
    expect(Object.is(calculate('-0'), 0)).toBe(true);
  });

  it('contains no JavaScript evaluator anywhere in the pack (static check)', () => {
    const src = join(import.meta.dirname, '..', 'src');
    for (const file of readdirSync(src)) {
      const text = readFileSync(join(src, file), 'utf8');
      expect(text, file).not.toMatch(/\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(|node:vm|from\s+['"]vm['"]/);
    }
  });

  it('is loaded by specifier with validated options and used in a run', async () => {
    const model = new ScriptedModel([ScriptedModel.call('calc__calculate', { expression: '6 * 7' }), ScriptedModel.answer('42')]);
    const runtime = await createRuntimeAsync({ model, plugins: [{ module: '@agentrt/tools-math', namespace: 'calc', options: { maxLength: 100 } }], pluginBase: import.meta.dirname });
    const result = await runtime.run('what is 6 * 7?');
    expect(result.stopReason).toBe('final_answer');
    expect((model.requests[1]!.messages.at(-1) as ToolMessage).content).toBe('{"expression":"6 * 7","result":42}');
    await expect(createRuntimeAsync({ model, plugins: [{ module: '@agentrt/tools-math', options: { maxLength: -1 } }], pluginBase: import.meta.dirname })).rejects.toMatchObject({ code: 'config_invalid', field: 'plugins.@agentrt/tools-math.maxLength' });
  });
});
