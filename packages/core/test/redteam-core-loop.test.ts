/**
 * Red team of the core loop's hot path (shared step message, synchronous execute/commit, the
 * model race slot, wall-clock tool durations, stream consumer turns), through the public API.
 */
import { createRuntime, defineTool, MemoryStore, type ModelAdapter, type RunEvent, type RuntimeHooks, type StoredRunEvent } from '@agentrt/core';
import { ScriptedModel, waitFor } from '@agentrt/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { expectRunInvariants } from './helpers.js';

const SECRET = 'sk-abcdefghijklmnop1234567890ABCD';
const echo = defineTool({ name: 'echo', description: 'echoes', input: z.object({}).passthrough(), execute: (args) => ({ ok: true, n: Object.keys(args as object).length }) });


function checkSeqAt(events: readonly StoredRunEvent[]) {
  for (let i = 1; i < events.length; i++) {
    expect(events[i]!.seq).toBe(events[i - 1]!.seq + 1);
    expect(Date.parse(events[i]!.at)).toBeGreaterThanOrEqual(Date.parse(events[i - 1]!.at));
  }
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('secrets', () => {
  it('never leak through nested args, keys, arrays, reasoning or content into events or the audit', async () => {
    const store = new MemoryStore();
    const seen: RunEvent[] = [];
    const model = new ScriptedModel([
      {
        text: `the key is ${SECRET}`,
        reasoning: `thinking about ${SECRET}`,
        toolCalls: [
          { id: 'c1', name: 'echo', args: { deep: [[['x', SECRET]], { [SECRET]: 1 }], password: ['a', ['b', { q: 5 }]], apiKey: { nested: [1, 2, { v: 'plain' }] } } },
          { id: 'c2', name: 'echo', args: { list: [{ token: [] }, { token: {} }, { token: [[]] }, { token: [null, true, 0] }] } },
        ],
      },
      { text: 'done' },
    ]);
    const runtime = createRuntime({ model, tools: [echo], store, audit: { hashChain: true }, hooks: [{ onEvent: (e) => void seen.push(e) }] });
    const result = await runtime.run('go');
    expect(result.status).toBe('completed');
    const stored = await store.listEvents(result.runId);
    expect(JSON.stringify(seen)).not.toContain(SECRET);
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect(JSON.stringify(stored)).not.toContain('hunter');
    // Below a secret key, numbers are redacted too.
    const started = stored.find((e) => e.type === 'tool_started' && e.toolCallId === 'c1') as Extract<StoredRunEvent, { type: 'tool_started' }>;
    expect(JSON.stringify(started.args)).not.toMatch(/"q":5/);
    const response = stored.find((e) => e.type === 'model_response') as Extract<StoredRunEvent, { type: 'model_response' }>;
    expect(JSON.stringify(response.message)).not.toMatch(/"q":5/);
    expect(JSON.stringify(response.message)).not.toMatch(/"v":"plain"/);
    expect(JSON.stringify(response.message)).toBe(JSON.stringify((seen.find((e) => e.type === 'model_response') as typeof response).message));
    expect((await runtime.verifyAudit(result.runId)).ok).toBe(true);
    await expectRunInvariants(store, result.runId, result);
  });

  it('a secret added to the redactor between runs is redacted in a message the model reuses', async () => {
    const store = new MemoryStore();
    const message = { role: 'assistant' as const, content: 'mytopsecretvalue42 here' };
    const model: ModelAdapter = { provider: 'p', model: 'm', async generate() { return { message, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' }; } };
    const runtime = createRuntime({ model, store, redact: { secrets: ['mytopsecretvalue42'] } });
    const r = await runtime.run('go');
    expect(JSON.stringify(await store.listEvents(r.runId))).not.toContain('mytopsecretvalue42');
  });
});

describe('mutation of events and stored steps', () => {
  it('an onEvent hook or a stream consumer cannot change what is stored', async () => {
    for (const mode of ['hook', 'stream'] as const) {
      const store = new MemoryStore();
      const model = new ScriptedModel([{ text: 'a', toolCalls: [{ id: 'c1', name: 'echo', args: { v: [1, { w: 2 }] } }] }, { text: 'done' }]);
      const tamper = (e: RunEvent) => {
        const anyE = e as unknown as Record<string, unknown>;
        for (const k of Object.keys(anyE)) {
          try { anyE[k] = 'TAMPERED'; } catch { /* frozen */ }
        }
        const msg = (e as { message?: { content?: unknown; toolCalls?: { args: Record<string, unknown> }[] } }).message;
        try { if (msg && typeof msg === 'object') msg.content = 'TAMPERED'; } catch { /* frozen */ }
        try { msg?.toolCalls?.[0] && (msg.toolCalls[0].args.v = 'TAMPERED'); } catch { /* frozen */ }
        try { (msg?.toolCalls as unknown[] | undefined)?.push('TAMPERED'); } catch { /* frozen */ }
        const args = (e as { args?: Record<string, unknown> }).args;
        try { if (args && typeof args === 'object') args.v = 'TAMPERED'; } catch { /* frozen */ }
      };
      let runId: string;
      if (mode === 'hook') {
        const runtime = createRuntime({ model, tools: [echo], store, hooks: [{ onEvent: tamper }] });
        runId = (await runtime.run('go')).runId;
      } else {
        const runtime = createRuntime({ model, tools: [echo], store });
        runId = '';
        for await (const e of runtime.stream('go')) { runId = e.runId; tamper(e); }
      }
      const stored = JSON.stringify(await store.listEvents(runId));
      const steps = JSON.stringify(await store.loadSteps(runId));
      expect(stored, mode).not.toContain('TAMPERED');
      expect(steps, mode).not.toContain('TAMPERED');
      expect((await store.getRun(runId))?.status).toBe('completed');
      await expectRunInvariants(store, runId);
    }
  });

  it('a tool mutating its args does not change the stored step or the event', async () => {
    const store = new MemoryStore();
    const mutator = defineTool({ name: 'mut', description: 'm', input: z.object({ list: z.array(z.number()) }), execute: (args) => { try { args.list.push(99); } catch { /* frozen */ } return 'ok'; } });
    const model = new ScriptedModel([{ text: '', toolCalls: [{ id: 'c1', name: 'mut', args: { list: [1] } }] }, { text: 'done' }]);
    const r = await createRuntime({ model, tools: [mutator], store }).run('go');
    const steps = await store.loadSteps(r.runId);
    expect((steps[0]!.messages[0] as unknown as { toolCalls: { args: unknown }[] }).toolCalls[0]!.args).toEqual({ list: [1] });
    const events = await store.listEvents(r.runId);
    expect(JSON.stringify(events)).not.toContain('"list":[1,99]');
  });

  it('an adapter reusing and rewriting one message object each step: every stored step is what was answered then', async () => {
    const store = new MemoryStore();
    const message = { role: 'assistant' as const, content: '', toolCalls: [{ id: 'c0', name: 'echo', args: { step: 0 } as Record<string, unknown> }] };
    let n = 0;
    const requests: string[] = [];
    const model: ModelAdapter = {
      provider: 'p', model: 'm',
      async generate(request) {
        requests.push(JSON.stringify(request.messages));
        n++;
        if (n === 4) return { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
        message.toolCalls[0]!.id = `c${n}`;
        message.toolCalls[0]!.args.step = n;
        message.content = `step ${n}`;
        return { message, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' };
      },
    };
    const r = await createRuntime({ model, tools: [echo], store, loopDetection: false }).run('go');
    expect(r.status).toBe('completed');
    const steps = await store.loadSteps(r.runId);
    expect(steps.map((s) => (s.messages[0] as { content: string }).content)).toEqual(['step 1', 'step 2', 'step 3', 'done']);
    await expectRunInvariants(store, r.runId, r);
  });

  it('stored step and event equal a JSON round trip of the model message (toJSON, Date, NaN, undefined, sparse arrays)', async () => {
    const store = new MemoryStore();
    const sparse: unknown[] = [1];
    sparse[3] = 4;
    const args = { d: new Date(0), nan: Number.NaN, inf: -Infinity, u: undefined, sparse, custom: { toJSON: () => ({ replaced: true }) }, nested: [undefined, () => 1] };
    const msg = { role: 'assistant' as const, content: 'x', toolCalls: [{ id: 'c1', name: 'echo', args }] };
    let n = 0;
    const model: ModelAdapter = { provider: 'p', model: 'm', async generate() { return n++ === 0 ? { message: msg, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' } : { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' }; } };
    const seen: RunEvent[] = [];
    const r = await createRuntime({ model, tools: [echo], store, hooks: [{ onEvent: (e) => void seen.push(e) }] }).run('go');
    const expected = JSON.parse(JSON.stringify(msg));
    const steps = await store.loadSteps(r.runId);
    expect(steps[0]!.messages[0]).toEqual(expected);
    const ev = (await store.listEvents(r.runId)).find((e) => e.type === 'model_response') as Extract<StoredRunEvent, { type: 'model_response' }>;
    expect(ev.message).toEqual(expected);
    expect((seen.find((e) => e.type === 'model_response') as typeof ev).message).toEqual(expected);
    // The adapter's message is untouched.
    expect(args.u).toBeUndefined();
    expect('u' in args).toBe(true);
    expect(Object.isFrozen(args)).toBe(false);
    expect(Object.isFrozen(msg)).toBe(false);
  });
});
