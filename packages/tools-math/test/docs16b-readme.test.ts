// docs16b: packages/tools-math/README.md — the plugin example, options, results and errors.
import 'reflect-metadata';
import { AgentrtError, createRuntimeAsync } from '@agentrt/core';
import { calculate, createMathTools } from '@agentrt/tools-math';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : 'untyped';
  }
  return undefined;
}

describe('packages/tools-math/README.md', () => {
  it("createRuntimeAsync({ plugins: ['@agentrt/tools-math'] }) offers calculate", async () => {
    const model = new ScriptedModel([ScriptedModel.call('calculate', { expression: '2^10 + sqrt(16)' }), ScriptedModel.answer('done')]);
    const runtime = await createRuntimeAsync({ model, plugins: ['@agentrt/tools-math'], pluginBase: new URL('..', import.meta.url).pathname });
    const result = await runtime.run('compute');
    expect(result.stopReason).toBe('final_answer');
    expect(model.requests[0]!.tools.map((t) => t.name)).toEqual(['calculate']);
    expect(JSON.parse(model.requests[1]!.messages.at(-1)!.content as string)).toMatchObject({ result: 1028 });
  });

  it('options are bounded; anything else is config_invalid', async () => {
    expect(await codeOf(() => createMathTools({ maxLength: 10_001 }))).toBe('config_invalid');
    expect(await codeOf(() => createMathTools({ maxDepth: 257 }))).toBe('config_invalid');
    expect(await codeOf(() => createMathTools({ other: 1 } as never))).toBe('config_invalid');
    expect(await codeOf(() => createMathTools(null as never))).toBe('config_invalid');
  });

  it('results of the calculate tool: { expression, result }, exact digits, approximate flags, 0.1 + 0.2 as a double', async () => {
    const [tool] = createMathTools();
    const run = (expression: string) => tool!.execute({ expression }, { runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'k', signal: new AbortController().signal }) as Promise<Record<string, unknown>>;
    expect(await run('1 + 2')).toEqual({ expression: '1 + 2', result: 3 });
    expect(await run('123456789 * 987654321')).toMatchObject({ approximate: true, note: expect.any(String) });
    expect(await run('2^64')).toMatchObject({ exact: '18446744073709551616' });
    expect((await run('0.1 + 0.2')).result).toBe(0.30000000000000004);
    expect(await run('2^53 + 1')).toMatchObject({ approximate: true });
    expect(calculate('0.1 + 0.2')).toBe(0.30000000000000004);
  });

  it('errors: expression_rejected and math_domain_error', async () => {
    expect(await codeOf(() => calculate('process.exit()'))).toBe('expression_rejected');
    expect(await codeOf(() => calculate('1/0'))).toBe('math_domain_error');
    expect(await codeOf(() => calculate('sqrt(-1)'))).toBe('math_domain_error');
    expect(await codeOf(() => calculate('factorial(171)'))).toBe('math_domain_error');
    expect(await codeOf(() => calculate('1e301 * 1'))).toBe('math_domain_error');
  });
});
