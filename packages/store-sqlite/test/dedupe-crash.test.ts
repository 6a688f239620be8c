// dedupeIdenticalCalls across a crash: the duplicate of a call that finished before the crash takes
// the recorded result on resume instead of running again under its own idempotency key.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRuntime, defineTool, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempStores } from './temp-stores.js';

const CHILD = new URL('./__fixtures__/dedupe-crash.mjs', import.meta.url).pathname;
const { fresh, open } = tempStores('agentrt-dedupe-crash-');

describe('dedupeIdenticalCalls after a crash', () => {
  it('on resume, the duplicate of a call recorded before the crash takes its result (deduplicated), not a second run', async () => {
    const dbPath = fresh();
    const effectsPath = join(dirname(dbPath), 'effects.log');
    const runId = 'dedupe-crash';
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ dbPath, effectsPath, runId })], { stdio: ['ignore', 'ignore', 'inherit'] });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    const effects = () => (existsSync(effectsPath) ? readFileSync(effectsPath, 'utf8').split('\n').filter(Boolean) : []);
    expect(effects()).toEqual([`${runId}:c1`]);

    const store = open(dbPath);
    const charge = defineTool({
      name: 'charge', description: 'charges', input: z.object({ cents: z.number() }), sideEffects: 'idempotent',
      execute: async ({ cents }, ctx) => {
        appendFileSync(effectsPath, `${ctx.idempotencyKey}\n`);
        return `charged ${cents}`;
      },
    });
    const boom = defineTool({ name: 'boom', description: 'dies once charge is recorded', input: z.object({}), sideEffects: 'none', execute: async () => 'fine now' });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')]), tools: [charge, boom], store, dedupeIdenticalCalls: true });
    const result = await runtime.resume(runId, { waitForLeaseMs: 15_000 }); // the dead child's lease (1 s) runs out first
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect(effects()).toEqual([`${runId}:c1`]); // c2 never ran under its own key
    const [step] = await store.loadSteps(runId);
    const tools = step!.messages.filter((m): m is ToolMessage => m.role === 'tool');
    expect(tools.map((m) => [m.toolCallId, m.content])).toEqual([['c1', 'charged 5'], ['c2', 'charged 5'], ['c3', 'fine now']]);
    const finished = (await runtime.events(runId)).filter((e) => e.type === 'tool_finished' && e.toolCallId === 'c2');
    expect(finished.map((e) => (e as { deduplicated?: boolean }).deduplicated)).toEqual([true]);
    await assertRunInvariants({ store, runId, result });
  }, 30_000);
});
