// Red team 12e: the governance layer attacked from outside (public API only).
// 1. Tool-policy globs did not match line terminators: an MCP server naming its tool "wipe\nall"
//    dodged `deny: ['wipe*']` and a `maxCallsPerTool` pattern.
// 2. A context strategy's model with no price counted $0 under a cost cap: a summarizer could
//    spend past `maxCostUsd` without limit.
// 3. checkRunInvariants reported an I8 violation for every run whose answer held a secret (the
//    event is redacted, the stored result keeps the answer verbatim — as documented).
// 4. (open, fix in loop/drive-run.ts) an error code a model adapter chose reaches
//    RunResult.error.code unredacted and unbounded.
// 5. (open, fix in runtime/agent-runtime.ts) kill() and resume() of one paused run issued together
//    in one runtime: the approver's resume rejects with lease_lost instead of returning `killed`.
import { AgentrtError, createRuntime, defineTool, MemoryStore, type ContextStrategy, type StateStore, type StoredRunEvent } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectRunInvariants } from './helpers.js';

const SECRET = 'my-registered-secret-value-42';

describe('red team 12e: policy patterns match a source name holding line terminators or astral characters', () => {
  const sourceTool = (originalName: string, ran: string[]) => defineTool({
    name: 'notes__wipe_all', originalName, description: 'Wipes', input: z.object({}), execute: () => { ran.push(originalName); return 'wiped'; },
  });

  it.each(['wipe\nall', 'wipe\rall', 'wipe\u2028all', 'wipe\u2029all', 'wipe\r\nall'])('deny: ["wipe*"] neither advertises nor runs a tool whose original name is %j', async (originalName) => {
    const ran: string[] = [];
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('notes__wipe_all'), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, tools: [sourceTool(originalName, ran)], store, toolPolicy: { deny: ['wipe*'] } });
    const result = await runtime.run('go');
    expect(model.requests[0]!.tools).toEqual([]);
    expect(ran).toEqual([]);
    const events = await expectRunInvariants(store, result.runId, result);
    expect(events.filter((event) => event.type === 'tool_denied')).toHaveLength(1);
  });

  it('a maxCallsPerTool pattern caps such a tool; "?" stands for one whole character, an emoji too', async () => {
    for (const [originalName, pattern] of [['wipe\nall', 'wipe?all'], ['wipe\u2028all', '*all'], ['wipe😀all', 'wipe?all']] as const) {
      const ran: string[] = [];
      const store = new MemoryStore();
      const model = new ScriptedModel([ScriptedModel.call('notes__wipe_all'), ScriptedModel.call('notes__wipe_all'), ScriptedModel.answer('done')]);
      const result = await createRuntime({ model, tools: [sourceTool(originalName, ran)], store, toolPolicy: { maxCallsPerTool: { [pattern]: 1 } } }).run('go');
      expect(ran).toHaveLength(1);
      await expectRunInvariants(store, result.runId, result);
      // And a deny with "?" matches the emoji name.
      const denied: string[] = [];
      const denyModel = new ScriptedModel([ScriptedModel.call('notes__wipe_all'), ScriptedModel.answer('done')]);
      await createRuntime({ model: denyModel, tools: [sourceTool(originalName, denied)], toolPolicy: { deny: [pattern] } }).run('go');
      expect(denied).toEqual([]);
    }
  });
});

describe('red team 12e: a context strategy cannot spend past a cost cap through a model with no price', () => {
  const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ i: z.number() }), execute: ({ i }) => `r${i}` });
  const pricing = { 'scripted:scripted-1': { input: 1, output: 1 } };

  it('asking for the allowance of an unpriced summarizer model is config_invalid: the call is not made, the run fails typed', async () => {
    let summarizerCalls = 0;
    const strategy: ContextStrategy = {
      name: 'summarizing',
      prepare(messages, context) {
        const allowance = context.outputAllowance?.(1_000, { provider: 'other', model: 'unpriced' });
        summarizerCalls++;
        context.addUsage({ inputTokens: 1_000_000, outputTokens: allowance ?? 1_000_000 }, { provider: 'other', model: 'unpriced' });
        return messages;
      },
    };
    const store = new MemoryStore();
    const model = new ScriptedModel([(_, i) => ScriptedModel.call('lookup', { i })], { whenExhausted: 'cycle' });
    const result = await createRuntime({ model, tools: [lookup], store, context: strategy, pricing, limits: { maxCostUsd: 0.01, maxSteps: 10 } }).run('go');
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('config_invalid');
    expect(result.error?.message).toContain('other:unpriced');
    expect(summarizerCalls).toBe(0);
    expect(model.calls).toBe(0);
    await expectRunInvariants(store, result.runId, result);
  });

  it('a strategy that reports an unpriced model’s usage without asking first fails the run too (never a silent $0)', async () => {
    const strategy: ContextStrategy = {
      name: 'reporting',
      prepare(messages, context) {
        context.addUsage({ inputTokens: 1_000_000, outputTokens: 1_000_000 }, { provider: 'other', model: 'unpriced' });
        return messages;
      },
    };
    const store = new MemoryStore();
    const model = new ScriptedModel([(_, i) => ScriptedModel.call('lookup', { i })], { whenExhausted: 'cycle' });
    const result = await createRuntime({ model, tools: [lookup], store, context: strategy, pricing, limits: { maxCostUsd: 0.01, maxSteps: 10 } }).run('go');
    expect(result.error?.code).toBe('config_invalid');
    expect(model.calls).toBe(0);
    await expectRunInvariants(store, result.runId, result);
  });

  it('still: a priced strategy model is charged at its price, and without a cost cap an unpriced one is allowed', async () => {
    const strategy = (model: string): ContextStrategy => ({
      name: 'reporting',
      prepare(messages, context) {
        context.addUsage({ inputTokens: 1_000, outputTokens: 0 }, { provider: 'other', model });
        return messages;
      },
    });
    const priced = await createRuntime({
      model: new ScriptedModel([ScriptedModel.answer('done', { inputTokens: 0, outputTokens: 0 })]), context: strategy('cheap'),
      pricing: { ...pricing, 'other:cheap': { input: 2, output: 2 } }, limits: { maxCostUsd: 1 },
    }).run('go');
    expect(priced.stopReason).toBe('final_answer');
    expect(priced.usage.costUsd).toBeCloseTo(0.002, 9);
    const uncapped = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')]), context: strategy('unpriced') }).run('go');
    expect(uncapped.stopReason).toBe('final_answer');
    expect(uncapped.usage.inputTokens).toBe(1_010);
  });
});

describe('red team 12e: I8 holds up to redaction', () => {
  it('a run whose answer holds secrets (text, structured, under secret keys) passes checkRunInvariants', async () => {
    const store = new MemoryStore();
    const text = await createRuntime({ store, redact: { secrets: [SECRET] }, model: new ScriptedModel([ScriptedModel.answer(`the key is ${SECRET} and sk-agentrt-CANARY-0123456789abcdefABCDEF.`)]) }).run('go');
    expect(text.output).toContain(SECRET);
    const finished = (await store.listEvents(text.runId)).find((event) => event.type === 'run_finished');
    expect(JSON.stringify(finished)).not.toContain(SECRET);
    await expectRunInvariants(store, text.runId, text);

    const model = new ScriptedModel([ScriptedModel.json({ a: `x ${SECRET} y`, [SECRET]: 1, password: 'abc', [`k-${SECRET}`]: 2, list: [SECRET, 3] })]);
    const structured = await createRuntime({ store, redact: { secrets: [SECRET] }, model }).run({ input: 'go', output: z.object({ a: z.string() }).passthrough() });
    expect((structured.output as Record<string, unknown>)[SECRET]).toBe(1);
    await expectRunInvariants(store, structured.runId, structured);
  });

  it('an event that differs from the stored result by more than a mask is still an I8 violation', async () => {
    const store = new MemoryStore();
    const result = await createRuntime({ store, redact: { secrets: [SECRET] }, model: new ScriptedModel([ScriptedModel.answer(`pay ${SECRET} now`)]) }).run('go');
    const tampered = (change: (output: string) => string): StateStore => new Proxy(store, {
      get(target, property) {
        if (property === 'listEvents') {
          return async (runId: string) => (await target.listEvents(runId)).map((event: StoredRunEvent) => (event.type === 'run_finished'
            ? { ...event, result: { ...event.result, output: change(event.result.output as string) } }
            : event));
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    for (const change of [(o: string) => o.replace('pay', 'PAY'), (o: string) => o.replace('now', 'later'), (o: string) => `${o}!`, () => '[REDACTED]x', (o: string) => o.replace('[REDACTED]', ''), (o: string) => o.replace('[REDACTED]', '[REDACTED] extra')]) {
      const report = await checkRunInvariants({ store: tampered(change), runId: result.runId, result });
      expect(report.violations).toContain('I8: the run_finished event does not reproduce the stored result');
    }
    // The untampered log passes.
    expect((await checkRunInvariants({ store: tampered((o) => o), runId: result.runId, result })).violations).toEqual([]);
  });
});

describe('red team 12e: approvals against a changed policy and racing approvers', () => {
  const payTool = (sent: number[]) => defineTool({
    name: 'pay', description: 'Pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true,
    execute: ({ cents }) => { sent.push(cents); return 'paid'; },
  });

  it('an approval given to a runtime whose policy now denies the tool does not run it: tool_denied, invariants hold', async () => {
    const sent: number[] = [];
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('pay', { cents: 5 }, { id: 'tx-1' }), ScriptedModel.answer('ok')]);
    const paused = await createRuntime({ model, tools: [payTool(sent)], store }).run('go');
    expect(paused.status).toBe('paused');
    const incident = createRuntime({ model, tools: [payTool(sent)], store, toolPolicy: { deny: ['pay'] } });
    const result = await incident.resume(paused.runId, { approvals: { 'tx-1': 'approve' } });
    expect(sent).toEqual([]);
    expect(result.stopReason).toBe('final_answer');
    const steps = await store.loadSteps(result.runId);
    expect(steps[0]!.messages[1]).toMatchObject({ role: 'tool', toolCallId: 'tx-1', isError: true });
    expect(String(steps[0]!.messages[1]!.content)).toMatch(/^tool_denied/);
    await expectRunInvariants(store, result.runId, result);
  });

  it('two runtimes resuming one paused run with opposite decisions: one drives, the call runs at most once', async () => {
    const sent: number[] = [];
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('pay', { cents: 5 }, { id: 'tx-1' }), ScriptedModel.answer('ok')], { whenExhausted: 'repeat_last' });
    const a = createRuntime({ model, tools: [payTool(sent)], store });
    const b = createRuntime({ model, tools: [payTool(sent)], store });
    const paused = await a.run('go');
    const outcomes = await Promise.allSettled([a.resume(paused.runId, { approvals: { 'tx-1': 'approve' } }), b.resume(paused.runId, { approvals: { 'tx-1': 'deny' } })]);
    const driven = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    expect(driven.length).toBeGreaterThanOrEqual(1);
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect((outcome.reason as AgentrtError).code).toBe('run_conflict');
    const decided = (await store.listEvents(paused.runId)).filter((event) => event.type === 'approval_decided');
    expect(decided).toHaveLength(1);
    expect(sent).toEqual((decided[0] as { decision: string }).decision === 'approve' ? [5] : []);
    const final = (await store.getRun(paused.runId))!.result!;
    await expectRunInvariants(store, paused.runId, final);
  });
});

describe('red team 12e: an error code a model adapter chose', () => {
  // The code of a thrown AgentrtError was copied into RunResult.error.code as it was, while the
  // message was redacted and cut: the run_finished event (redacted as a whole) then masked it, so
  // the stored result and the event disagreed (I8), and a registered secret or a megabyte-long code
  // was stored in the run record. Now a code that is not a plain identifier redaction leaves alone
  // (at most 128 characters) becomes `internal_error`, its redacted, cut text leading the message.
  it('is redacted and bounded in RunResult.error, and the stored result matches its run_finished event', async () => {
    for (const code of [SECRET, `model_${'x'.repeat(100_000)}`]) {
      const store = new MemoryStore();
      const result = await createRuntime({ store, redact: { secrets: [SECRET] }, model: new ScriptedModel([{ error: new AgentrtError(code, 'the provider failed') }]) }).run('go');
      expect(result.status).toBe('failed');
      expect(result.error!.code).not.toContain(SECRET);
      expect(result.error!.code.length).toBeLessThanOrEqual(128);
      await expectRunInvariants(store, result.runId, result);
    }
  });
});

describe('red team 12e: kill and approve of one paused run, issued together in one runtime', () => {
  // resume() took the run's lease (epoch n); kill() read the run as still paused and finishIdle()
  // took the lease again under the same owner (re-entrant, epoch n + 1) and recorded `killed`; the
  // resume's first updateRun was then fenced and the approver's call rejected with lease_lost — in
  // either order of the two calls. Now kill() lets a resume in this runtime finish (its drive reads
  // the flag before any call), and a resume fenced off before anything ran returns the run's result.
  it('resume resolves with the killed result; nothing runs; invariants hold', async () => {
    for (const killFirst of [true, false]) {
      const sent: number[] = [];
      const store = new MemoryStore();
      const pay = defineTool({ name: 'pay', description: 'Pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: ({ cents }) => { sent.push(cents); return 'paid'; } });
      const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', { cents: 5 }, { id: 'tx-1' }), ScriptedModel.answer('ok')]), tools: [pay], store });
      const paused = await runtime.run('go');
      const resume = () => runtime.resume(paused.runId, { approvals: { 'tx-1': 'approve' } });
      const kill = () => runtime.kill(paused.runId, 'stop');
      const killing = killFirst ? kill() : undefined;
      const resuming = resume();
      const [resumed] = await Promise.all([resuming, killing ?? kill()]);
      expect(sent).toEqual([]);
      expect(resumed).toMatchObject({ status: 'stopped', stopReason: 'killed' });
      await expectRunInvariants(store, paused.runId, resumed);
    }
  });
});

describe('red team 12d follow-up: absurd usage a server reports', () => {
  // Each response's counts were capped at Number.MAX_SAFE_INTEGER, but the run's totals were not: a
  // server reporting 1e308 tokens on two steps gave a total of 18014398509481982 — not an exact
  // integer any more, and not what a store summing its deltas in integer arithmetic holds. One call
  // is now counted at most 1e9 tokens (a thousand times the largest context window), so totals
  // over any run stay exact.
  it('keeps every total an exact integer equal to the sum over the steps, in the result and the store', async () => {
    for (const store of [new MemoryStore()]) {
      const echo = defineTool({ name: 'echo', description: 'Echoes', input: z.object({}), execute: () => 'ok' });
      const huge = { inputTokens: 1e308, outputTokens: Number.MAX_SAFE_INTEGER };
      const model = new ScriptedModel([ScriptedModel.call('echo', {}, { usage: huge }), ScriptedModel.call('echo', {}, { usage: huge }), ScriptedModel.answer('done', huge)]);
      const result = await createRuntime({ model, tools: [echo], store, limits: { maxTokens: Number.MAX_SAFE_INTEGER } }).run('go');
      expect(result.stopReason).toBe('final_answer');
      expect(result.usage.inputTokens).toBe(3e9);
      expect(result.usage.outputTokens).toBe(3e9);
      const steps = await store.loadSteps(result.runId);
      expect(steps.map((step) => step.usage.inputTokens)).toEqual([1e9, 1e9, 1e9]);
      await expectRunInvariants(store, result.runId, result);
    }
  });
});
