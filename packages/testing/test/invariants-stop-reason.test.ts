/**
 * `checkRunInvariants` flags a terminal run whose recorded stop reason is not one of
 * `STOP_REASONS` (a store or plugin that recorded junk; red team 8 found the runtime could record
 * a stop policy's junk answer, and the invariants said nothing).
 */
import { createRuntime, MemoryStore, type StateStore } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

describe('I1: the recorded stop reason', () => {
  it('a known reason passes; a junk one is a violation', async () => {
    const base = new MemoryStore();
    let junk = false;
    const store: StateStore = new Proxy(base, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'finishRun' || !junk) return typeof value === 'function' ? value.bind(target) : value;
        return (input: Parameters<StateStore['finishRun']>[0]) => target.finishRun({ ...input, result: { ...input.result, stopReason: 'nope' as never } });
      },
    });
    const runtime = createRuntime({ model: new ScriptedModel([{ text: 'a' }, { text: 'b' }]), store });
    const good = await runtime.run('go');
    expect((await checkRunInvariants({ store: base, runId: good.runId })).violations).toEqual([]);
    junk = true;
    const bad = await runtime.run('go');
    const report = await checkRunInvariants({ store: base, runId: bad.runId });
    expect(report.violations.some((v) => v.includes('is not a stop reason'))).toBe(true);
  });
});
