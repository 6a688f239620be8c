// RELIABILITY.md B-52 (env dump) and B-54 (audit completeness: exactly one audit event for each
// denial, kill, stop, approval, budget stop and late-result discard; retries are in
// model-openai/test/rel-B51-B54.test.ts, `agentrt trace` in cli/test/cli.test.ts), with invariants.
import { createRuntime, defineTool, MemoryStore, type StoredRunEvent, type ToolMessage } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel, SECRET_CANARIES, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const count = (events: StoredRunEvent[], type: string) => events.filter((e) => e.type === type).length;
const invariants = async (store: MemoryStore, runId: string, result: unknown) => {
  expect((await checkRunInvariants({ store, runId, result: result as never })).violations).toEqual([]);
};

describe('B-52 a tool returns process.env', () => {
  it('secrets in it are redacted in the audit, the stored steps, and the model-visible copy (the default policy)', async () => {
    const planted = Object.fromEntries(SECRET_CANARIES.map((secret, i) => [`AGENTRT_REL_B52_${i}`, secret]));
    Object.assign(process.env, planted, { AGENTRT_REL_B52_PASSWORD: 'hunter2-unknown-format-password', DATABASE_URL: 'postgres://app:s3cr3t-db-pass@db.internal:5432/app' });
    try {
      const dump = defineTool({ name: 'env', description: 'dumps the environment', input: z.object({}), execute: () => ({ ...process.env }) });
      const store = new MemoryStore();
      const model = new ScriptedModel([ScriptedModel.call('env'), ScriptedModel.answer('ok')]);
      const result = await createRuntime({ model, tools: [dump], store, limits: { maxToolOutputChars: 1_000_000 } }).run('go');
      expect(result.stopReason).toBe('final_answer');
      const visible = JSON.stringify(model.requests[1]!.messages.at(-1));
      const stored = JSON.stringify(await store.listEvents(result.runId)) + JSON.stringify(await store.loadSteps(result.runId));
      for (const secret of [...SECRET_CANARIES, 'hunter2-unknown-format-password', 's3cr3t-db-pass']) {
        expect(visible, secret).not.toContain(secret);
        expect(stored, secret).not.toContain(secret);
      }
      // Not blanked wholesale: harmless variables stay readable.
      expect(visible).toContain('AGENTRT_REL_B52_0');
      await invariants(store, result.runId, result);
    } finally {
      for (const key of Object.keys(process.env)) if (key.startsWith('AGENTRT_REL_B52_')) delete process.env[key];
      delete process.env.DATABASE_URL;
    }
  });
});

describe('B-54 exactly one audit event per decision', () => {
  it('a denial: one tool_denied', async () => {
    const store = new MemoryStore();
    const wipe = defineTool({ name: 'wipe', description: 'w', input: z.object({}), execute: () => 'x' });
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('wipe'), ScriptedModel.answer('ok')]), tools: [wipe], store, toolPolicy: { deny: ['wipe'] } }).run('go');
    const events = await store.listEvents(result.runId);
    expect(count(events, 'tool_denied')).toBe(1);
    expect(count(events, 'run_finished')).toBe(1);
    await invariants(store, result.runId, result);
  });

  it('a kill: one run_killed and one run_finished', async () => {
    const store = new MemoryStore();
    let started = false;
    const hang = defineTool({ name: 'hang', description: 'h', input: z.object({}), execute: (_a, ctx) => { started = true; return new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))); } });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('hang')]), tools: [hang], store });
    const running = runtime.run({ input: 'go', runId: 'b54-kill' });
    await waitFor(() => started, { message: 'the tool started' });
    await runtime.kill('b54-kill', 'operator');
    const result = await running;
    expect(result.stopReason).toBe('killed');
    const events = await store.listEvents(result.runId);
    expect(count(events, 'run_killed')).toBe(1);
    expect(count(events, 'run_finished')).toBe(1);
    await invariants(store, result.runId, result);
  });

  it.each([
    ['max_steps', { maxSteps: 2 }],
    ['token_budget', { maxTokens: 700, maxSteps: 50 }],
    ['max_tool_calls', { maxToolCalls: 3, maxSteps: 50 }],
  ] as const)('a %s stop: one limit_reached and one run_finished', async (reason, limits) => {
    const store = new MemoryStore();
    const quick = defineTool({ name: 'quick', description: 'q', input: z.object({ i: z.number() }), execute: ({ i }) => i });
    let n = 0;
    const model = new ScriptedModel([() => ScriptedModel.parallel([{ name: 'quick', args: { i: n++ } }, { name: 'quick', args: { i: n++ } }], { usage: { inputTokens: 200, outputTokens: 100 } })], { whenExhausted: 'cycle' });
    const result = await createRuntime({ model, tools: [quick], store, limits }).run('go');
    expect(result.stopReason).toBe(reason);
    const events = await store.listEvents(result.runId);
    expect(events.filter((e) => e.type === 'limit_reached')).toEqual([expect.objectContaining({ stopReason: reason })]);
    expect(count(events, 'run_finished')).toBe(1);
    await invariants(store, result.runId, result);
  });

  it('an approval: one approval_requested, one approval_decided, one run_paused', async () => {
    const store = new MemoryStore();
    const gated = defineTool({ name: 'gated', description: 'g', input: z.object({}), requiresApproval: true, execute: () => 'done' });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('gated', {}, { id: 'g1' }), ScriptedModel.answer('ok')]), tools: [gated], store });
    const paused = await runtime.run('go');
    const result = await runtime.resume(paused.runId, { approvals: { g1: 'approve' } });
    // Approving twice is a no-op: still one decision.
    await runtime.resume(paused.runId, { approvals: { g1: 'approve' } });
    const events = await store.listEvents(result.runId);
    expect(count(events, 'approval_requested')).toBe(1);
    expect(count(events, 'approval_decided')).toBe(1);
    expect(count(events, 'run_paused')).toBe(1);
    expect(count(events, 'run_finished')).toBe(1);
    await invariants(store, result.runId, result);
  });

  it('a late-result discard: one late_result_discarded', async () => {
    const store = new MemoryStore();
    const stubborn = defineTool({ name: 'stubborn', description: 's', input: z.object({}), timeoutMs: 30, execute: () => new Promise((resolve) => setTimeout(() => resolve('too late'), 80)) });
    const model = new ScriptedModel([ScriptedModel.call('stubborn'), { text: 'waited', delayMs: 150 }]);
    const result = await createRuntime({ model, tools: [stubborn], store }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect((model.requests[1]!.messages.at(-1) as ToolMessage).code).toBe('tool_timeout');
    const events = await store.listEvents(result.runId);
    expect(count(events, 'late_result_discarded')).toBe(1);
    await invariants(store, result.runId, result);
  });
});
