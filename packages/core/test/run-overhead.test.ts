import { createRuntime, fingerprint, MemoryStore, type StoredRunEvent } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { add } from './helpers.js';

// The fixed cost of a run (start and finish) takes shortcuts for the common case: text input
// without zod, its fingerprint without the general canonical walk, MemoryStore's hot methods
// without async functions. These tests pin that the shortcuts give what the general paths gave.

const texts = ['go', 'x', '"quoted" \\ back', 'line\nbreak\ttab\u0000nul', 'émoji 😀 \u2028\u2029', 'lone \ud800 surrogate', '</script><!--', '{"content":"x","role":"user"}', 'a'.repeat(5000)];

describe('run overhead shortcuts', () => {
  it('a text input keeps the fingerprint of the general canonical JSON (stored fingerprints stay valid)', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')], { whenExhausted: 'cycle' }), store });
    for (const text of texts) {
      for (const system of [undefined, '', 'You are terse. "Really" \\ 😀']) {
        const result = await runtime.run(system === undefined ? text : { input: text, system });
        const input = system ? [{ role: 'system', content: system }, { role: 'user', content: text }] : [{ role: 'user', content: text }];
        const record = await store.getRun(result.runId);
        expect(record?.inputFingerprint, JSON.stringify([text, system])).toBe(fingerprint(input));
        expect(record?.input).toEqual(input);
      }
    }
  });

  it('the same input as text and as a transcript is the same idempotent run', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')], { whenExhausted: 'cycle' }) });
    const first = await runtime.run({ input: 'hello "you"', system: 'sys', idempotencyKey: 'k1' });
    const again = await runtime.run({ input: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hello "you"' }], idempotencyKey: 'k1' });
    expect(again.runId).toBe(first.runId);
    await expect(runtime.run({ input: 'hello you', system: 'sys', idempotencyKey: 'k1' })).rejects.toMatchObject({ code: 'idempotency_conflict' });
  });

  it('invalid run options are still refused by field, whatever shortcut they would have taken', async () => {
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]) });
    const cases: [Record<string, unknown>, string][] = [
      [{ input: '' }, 'run.input'],
      [{ input: 'x', system: 3 }, 'run.system'],
      [{ input: 'x', runId: '' }, 'run.runId'],
      [{ input: 'x', runId: 'has space' }, 'run.runId'],
      [{ input: 'x', runId: 'r'.repeat(201) }, 'run.runId'],
      [{ input: 'x', idempotencyKey: '' }, 'run.idempotencyKey'],
      [{ input: 'x', idempotencyKey: 'k'.repeat(501) }, 'run.idempotencyKey'],
      [{ input: 'x', signal: { aborted: false } }, 'run.signal'],
      [{ input: 'x', maxOutputRepairs: 1.5 }, 'run.maxOutputRepairs'],
      [{ input: 'x', maxOutputRepairs: 11 }, 'run.maxOutputRepairs'],
      [{ input: 'x', maxOutputRepairs: Number.NaN }, 'run.maxOutputRepairs'],
      [{ input: 'x', metadata: [1] }, 'run.metadata'],
    ];
    for (const [options, field] of cases) {
      await expect(runtime.run(options as never), JSON.stringify(options)).rejects.toMatchObject({ code: 'config_invalid', field });
    }
    // Unknown keys are refused on the shortcut as by the strict zod parse (red team 5: an ignored
    // `limits` or misspelt option ran without what its caller set); the longest valid run id passes.
    await expect(runtime.run({ input: 'x', runId: 'r'.repeat(200), extra: true } as never)).rejects.toMatchObject({ code: 'config_invalid', field: 'run.extra' });
    const ok = await runtime.run({ input: 'x', runId: 'r'.repeat(200) });
    expect(ok.runId).toBe('r'.repeat(200));
  });

  it('run_started and run_finished keep their fields, frozen, and the result is the caller\'s own copy', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }), ScriptedModel.answer('three')]), tools: [add], store });
    const events: StoredRunEvent[] = [];
    for await (const event of runtime.stream({ input: 'go', metadata: { team: 'a' } })) if ('seq' in event) events.push(event as StoredRunEvent);
    const started = events.find((e) => e.type === 'run_started')!;
    expect(started).toMatchObject({ type: 'run_started', messageCount: 1, tools: ['add'], metadata: { team: 'a' }, seq: 1 });
    expect(Object.isFrozen(started) && Object.isFrozen((started as { tools: unknown }).tools)).toBe(true);
    const stored = await store.listEvents(events[0]!.runId);
    expect(stored.map((e) => e.type)).toEqual(events.map((e) => e.type));
    // The script is spent: this run fails (stopDetail and error), in the key order results always had.
    const failed = await runtime.run('again');
    expect(Object.keys(failed)).toEqual(['runId', 'status', 'stopReason', 'stopDetail', 'steps', 'toolCalls', 'toolCallsRefused', 'usage', 'startedAt', 'endedAt', 'error']);
    const other = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('fine')], { whenExhausted: 'cycle' }), store });
    const result = await other.run('again');
    expect(Object.keys(result)).toEqual(['runId', 'status', 'stopReason', 'output', 'steps', 'toolCalls', 'toolCallsRefused', 'usage', 'startedAt', 'endedAt']);
    (result as { usage: { inputTokens: number } }).usage.inputTokens = -1;
    (result as { steps: number }).steps = 99;
    const record = await store.getRun(result.runId);
    expect(record?.result?.steps).not.toBe(99);
    expect(record?.result?.usage.inputTokens).not.toBe(-1);
    (record as unknown as { input: unknown[] }).input.push('x');
    (record!.result as { usage: { outputTokens: number } }).usage.outputTokens = -5;
    const again = await store.getRun(result.runId);
    expect(again?.input).toHaveLength(1);
    expect(again?.result?.usage.outputTokens).not.toBe(-5);
  });

  it('MemoryStore hot methods reject (never throw) on a closed store or a bad call, and hand out fresh copies', async () => {
    const store = new MemoryStore();
    const { run } = await store.createRun({ runId: 'r1', input: [{ role: 'user', content: 'x' }], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: new Date().toISOString() });
    const lease = (await store.acquireLease({ runId: 'r1', owner: 'me', ttlMs: 1000 }))!;
    expect(lease).toEqual({ runId: 'r1', owner: 'me', epoch: 1, expiresAt: expect.any(Number) });
    expect(await store.acquireLease({ runId: 'r1', owner: 'other', ttlMs: 1000 })).toBeUndefined();
    (run as unknown as { input: unknown[] }).input.push('mutated');
    expect((await store.getRun('r1'))?.input).toHaveLength(1);
    await store.setKillFlag({ scope: 'r1', reason: 'stop', at: new Date().toISOString() });
    const flag = await store.getKillFlag('r1');
    (flag as { reason: string }).reason = 'changed';
    expect((await store.getKillFlag('r1'))?.reason).toBe('stop');
    expect(await store.getKillFlag('other-run')).toBeUndefined();
    const calls = [
      () => store.commitStep({ runId: 'missing', step: {} as never, events: [], usageDelta: { inputTokens: 0, outputTokens: 0, costUsd: 0 } }),
      () => store.saveDecision({ runId: 'missing', decision: {} as never }),
      () => store.finishRun({ runId: 'missing', result: {} as never, events: [] }),
      () => store.acquireLease({ runId: 'missing', owner: 'me', ttlMs: 10 }),
      () => store.releaseLease(undefined as never),
    ];
    for (const call of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = call())).not.toThrow();
      await expect(promise).rejects.toBeDefined();
    }
    await store.close();
    for (const call of [() => store.getKillFlag('r1'), () => store.createRun({ runId: 'r2', input: [], inputFingerprint: 'f', toolsFingerprint: 't', createdAt: '' })]) {
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = call())).not.toThrow();
      await expect(promise).rejects.toMatchObject({ code: 'store_unavailable' });
    }
  });
});
