import { AgentrtError, createRuntime, type ToolMessage } from '@agentrt/core';
import { calculate, createMathTools, DEFAULT_LIMITS, evaluate, parseExpression } from '@agentrt/tools-math';
import { MATH_ATTACKS, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const codeOf = (run: () => unknown) => {
  try {
    const value = run();
    return typeof value === 'number' ? 'evaluated' : `returned a ${typeof value}`;
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};

describe('red team: the math pack validates what a plugin author passes it', () => {
  it('createMathTools refuses bad options with config_invalid naming the field', () => {
    const bad: [unknown, string][] = [
      [null, 'options'], [{ maxLength: -5 }, 'maxLength'], [{ maxLength: 1e9 }, 'maxLength'], [{ maxLength: Number.NaN }, 'maxLength'],
      [{ maxDepth: Number.POSITIVE_INFINITY }, 'maxDepth'], [{ maxDepth: 0 }, 'maxDepth'], [{ maxDepth: 1_000 }, 'maxDepth'], [{ maxDepth: '64' }, 'maxDepth'],
      [{ maxMagnitude: Number.POSITIVE_INFINITY }, 'maxMagnitude'], [{ evaluate: true }, 'evaluate'],
    ];
    for (const [options, field] of bad) {
      expect(() => createMathTools(options as never), JSON.stringify(options)).toThrow(expect.objectContaining({ code: 'config_invalid', field }));
    }
    expect(createMathTools({ maxLength: 10_000, maxDepth: 256 })).toHaveLength(1);
    expect(createMathTools(undefined)).toHaveLength(1);
  });

  it('evaluate() of a hand-built tree never returns an inherited property or throws untyped', () => {
    const nodes: unknown[] = [
      { kind: 'const', name: '__proto__' }, { kind: 'const', name: 'constructor' }, { kind: 'const', name: 'toString' },
      { kind: 'call', name: 'constructor', args: [] }, { kind: 'call', name: '__proto__', args: [] }, { kind: 'call', name: 'sqrt', args: 'not an array' },
      { kind: 'call', name: 'sqrt', args: [{ kind: 'number', value: 4 }, { kind: 'number', value: 9 }] },
      { kind: 'binary', op: '**', left: { kind: 'number', value: 2 }, right: { kind: 'number', value: 3 } },
      { kind: 'binary', op: '+', left: null, right: { kind: 'number', value: 1 } },
      { kind: 'unary', op: '!', arg: { kind: 'number', value: 1 } }, { kind: 'number', value: '1' }, { kind: 'number', value: 10n },
      { kind: 'eval', source: 'process.exit()' }, null, undefined, 42, 'pi', [],
    ];
    for (const node of nodes) expect(codeOf(() => evaluate(node as never)), JSON.stringify(node, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toBe('expression_rejected');
    let deep: unknown = { kind: 'number', value: 1 };
    for (let i = 0; i < 100_000; i++) deep = { kind: 'unary', op: '-', arg: deep };
    expect(codeOf(() => evaluate(deep as never))).toBe('expression_rejected');
    expect(evaluate(parseExpression('2 + 3'))).toBe(5);
  });

  it('calculate() with limits beyond the documented bounds still rejects hostile depth with a typed error', () => {
    const limits = { ...DEFAULT_LIMITS, maxLength: 1_000_000, maxDepth: Number.POSITIVE_INFINITY };
    for (const expression of ['('.repeat(100_000) + '1' + ')'.repeat(100_000), '-'.repeat(200_000) + '1', 'sqrt('.repeat(50_000) + '1' + ')'.repeat(50_000), '2^'.repeat(100_000) + '1']) {
      expect(codeOf(() => calculate(expression, limits)), expression.slice(0, 12)).toMatch(/^(expression_rejected|math_domain_error)$/);
    }
  });

  it(`rejects all ${MATH_ATTACKS.length} MATH_ATTACKS through a run, each with a typed tool result`, async () => {
    const model = new ScriptedModel([ScriptedModel.parallel(MATH_ATTACKS.map((expression, i) => ({ name: 'calculate', args: { expression }, id: `m${i}` }))), ScriptedModel.answer('done')]);
    const result = await createRuntime({ model, tools: createMathTools(), loopDetection: false, limits: { maxToolCalls: MATH_ATTACKS.length } }).run('go');
    expect(result.stopReason).toBe('final_answer');
    for (const message of model.requests[1]!.messages.filter((m): m is ToolMessage => m.role === 'tool')) {
      expect(['expression_rejected', 'math_domain_error', 'tool_args_invalid'], String(message.content).slice(0, 80)).toContain(message.code);
    }
  });
});
