import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, defineTool, type RunResult, type Tool } from '@agentrt/core';
import { createOtelHooks } from '@agentrt/otel';
import { SqliteStore } from '@agentrt/store-sqlite';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { named, telemetry, useContextManager } from './harness.js';

let disposeContext: () => void;
let dir: string;
beforeAll(() => {
  disposeContext = useContextManager();
  dir = mkdtempSync(join(tmpdir(), 'agentrt-otel-'));
});
afterAll(() => {
  disposeContext();
  rmSync(dir, { recursive: true, force: true });
});

function tools(): Tool[] {
  return [
    defineTool({ name: 'lookup', description: 'Reads a balance', input: z.object({ account: z.string() }), execute: ({ account }) => ({ account, balance: 100 }) }),
    defineTool({ name: 'transfer', description: 'Moves money', input: z.object({ amount: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: ({ amount }) => `moved ${amount}` }),
  ];
}

/** The script of the whole run: two pauses for approval, then an answer. */
const script = () => [
  ScriptedModel.parallel([{ name: 'lookup', args: { account: 'a1' }, id: 'c_lookup' }, { name: 'transfer', args: { amount: 10 }, id: 'c_t1' }]),
  ScriptedModel.call('transfer', { amount: 20 }, { id: 'c_t2' }),
  ScriptedModel.answer('moved 30'),
];

describe('a resumed run', () => {
  it('links each resumed drive to the first drive and the previous one, across runtimes sharing a store', async () => {
    const path = join(dir, 'runs.db');
    const first = telemetry();
    const storeA = new SqliteStore({ path });
    const runtimeA = createRuntime({ model: new ScriptedModel(script()), store: storeA, tools: tools(), hooks: [createOtelHooks({ tracerProvider: first.tracerProvider, meterProvider: first.meterProvider, agentName: 'bank' })] });
    const paused = await runtimeA.run({ input: 'move 30', runId: 'run-resume-1' });
    expect(paused.stopReason).toBe('awaiting_approval');
    await runtimeA.close();

    const [agentA] = named(first.spans(), 'invoke_agent bank');
    expect(agentA!.attributes).toMatchObject({ 'agentrt.stop_reason': 'awaiting_approval', 'agentrt.run.status': 'paused', 'agentrt.run.resumed': false });
    expect(agentA!.events.map((event) => [event.name, event.attributes?.['agentrt.approval.tool_call_ids']])).toEqual([['agentrt.approval.requested', ['c_t1']]]);
    // The pure call ran before the pause; the guarded one did not.
    expect(named(first.spans(), 'execute_tool lookup')[0]!.attributes['agentrt.tool.outcome']).toBe('executed');
    expect(named(first.spans(), 'execute_tool transfer')).toEqual([]);

    // Drive 2: another runtime (as another process would be), its own tracer, same database file.
    const second = telemetry();
    const modelB = new ScriptedModel(script().slice(1));
    const runtimeB = createRuntime({ model: modelB, store: new SqliteStore({ path }), tools: tools(), hooks: [createOtelHooks({ tracerProvider: second.tracerProvider, agentName: 'bank', metrics: false })] });
    const pausedAgain = await runtimeB.resume('run-resume-1', { approvals: { c_t1: 'approve' } });
    expect(pausedAgain.stopReason).toBe('awaiting_approval');
    await runtimeB.close();
    const [agentB] = named(second.spans(), 'invoke_agent bank');
    expect(agentB!.attributes).toMatchObject({ 'agentrt.run.resumed': true, 'agentrt.run.id': 'run-resume-1', 'agentrt.step.index': 0 });
    expect(agentB!.spanContext().traceId).not.toBe(agentA!.spanContext().traceId);
    expect(agentB!.links.map((link) => [link.context.traceId, link.context.spanId, link.attributes?.['agentrt.link.type']])).toEqual([
      [agentA!.spanContext().traceId, agentA!.spanContext().spanId, 'origin'],
    ]);
    expect(agentB!.events.map((event) => event.name)).toEqual(['agentrt.approval.decided', 'agentrt.approval.requested']);
    const bTools = Object.fromEntries(second.spans().filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool').map((span) => [span.attributes['gen_ai.tool.call.id'], span.attributes['agentrt.tool.outcome']]));
    expect(bTools).toEqual({ c_lookup: 'replayed', c_t1: 'executed' });

    // Drive 3: links to the first drive (origin) and to drive 2 (previous).
    const third = telemetry();
    const runtimeC = createRuntime({ model: new ScriptedModel(script().slice(2)), store: new SqliteStore({ path }), tools: tools(), hooks: [createOtelHooks({ tracerProvider: third.tracerProvider, agentName: 'bank', metrics: false })] });
    const done: RunResult = await runtimeC.resume('run-resume-1', { approvals: { c_t2: 'approve' } });
    expect(done).toMatchObject({ stopReason: 'final_answer', output: 'moved 30' });
    const [agentC] = named(third.spans(), 'invoke_agent bank');
    expect(agentC!.links.map((link) => [link.context.spanId, link.attributes?.['agentrt.link.type']])).toEqual([
      [agentA!.spanContext().spanId, 'origin'],
      [agentB!.spanContext().spanId, 'previous'],
    ]);
    expect(agentC!.attributes).toMatchObject({ 'agentrt.stop_reason': 'final_answer', 'agentrt.run.steps': 3 });
    await assertRunInvariants({ store: runtimeC.store, runId: 'run-resume-1', result: done });
    await runtimeC.close();
    await Promise.all([first.shutdown(), second.shutdown(), third.shutdown()]);
  });

  it('links to a first drive made in another process', async () => {
    const path = join(dir, 'child.db');
    const fixture = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'first-drive.mjs');
    const child = spawnSync(process.execPath, [fixture, path, 'run-child-1'], { encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    const origin = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { stopReason: string; traceId: string; spanId: string };
    expect(origin.stopReason).toBe('awaiting_approval');

    const t = telemetry();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')]), store: new SqliteStore({ path }), tools: tools(), hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })] });
    const result = await runtime.resume('run-child-1', { approvals: { c_t1: 'approve' } });
    expect(result.stopReason).toBe('final_answer');
    const [agent] = named(t.spans(), 'invoke_agent');
    expect(agent!.links).toHaveLength(1);
    expect(agent!.links[0]!.context).toMatchObject({ traceId: origin.traceId, spanId: origin.spanId });
    await runtime.close();
    await t.shutdown();
  });

  it('ignores corrupt or hostile annotations instead of linking to garbage', async () => {
    const t = telemetry();
    const store = new SqliteStore({ path: join(dir, 'corrupt.db') });
    const planted = createRuntime({
      model: new ScriptedModel([ScriptedModel.call('transfer', { amount: 1 }, { id: 'c_t1' })]),
      store, tools: tools(),
      hooks: [{
        wrapRun: (info, next) => {
          info.annotate('agentrt.otel.origin', JSON.parse('{"traceId":"not-hex","spanId":"0000000000000000","__proto__":{"polluted":true}}'));
          info.annotate('agentrt.otel.drive', { traceId: '00000000000000000000000000000000', spanId: 'abcdefabcdefabcd' });
          return next();
        },
      }],
    });
    expect((await planted.run({ input: 'go', runId: 'run-corrupt' })).stopReason).toBe('awaiting_approval');
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store, tools: tools(), hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false })] });
    expect((await runtime.resume('run-corrupt', { approvals: { c_t1: 'approve' } })).stopReason).toBe('final_answer');
    expect(named(t.spans(), 'invoke_agent')[0]!.links).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await runtime.close();
    await t.shutdown();
  });

  it('writes no annotations when linking is off', async () => {
    const t = telemetry();
    const store = new SqliteStore({ path: join(dir, 'nolink.db') });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store, hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, linkResumedRuns: false })] });
    const result = await runtime.run('hi');
    expect((await runtime.events(result.runId)).some((event) => event.type === 'run_annotated')).toBe(false);
    await runtime.close();
    await t.shutdown();
  });
});
