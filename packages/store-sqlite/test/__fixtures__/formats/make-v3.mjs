// Wrote v3.db once (schema v3: tool calls refused over maxToolCalls counted apart; the finalize
// record of limits.finalize). Kept to document how the fixture was made; never re-run it over the
// committed file — fixtures are append-only. Usage (built code): node make-v3.mjs /tmp/v3.db
import 'reflect-metadata';
import { AgentrtError, createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

const store = new SqliteStore({ path: process.argv[2] });
const tick = defineTool({ name: 'tick', description: 'ticks', input: z.object({ i: z.number() }), execute: ({ i }) => `tick ${i}` });
const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: () => 'paid' });
const tools = [tick, pay];
const noTools = (request) => request.tools.length === 0;
const ticks = (ids) => ids.map((i) => ({ name: 'tick', args: { i }, id: `t${i}` }));

// 4 parallel calls, cap 3: 3 run, 1 refused; then the finalize answer.
await createRuntime({
  model: new ScriptedModel([ScriptedModel.parallel(ticks([0, 1, 2, 3])), ScriptedModel.answer('three ticks ran, one was refused')]),
  store, tools, audit: { hashChain: true }, limits: { maxToolCalls: 3, finalize: true },
}).run({ runId: 'v3-refused', input: 'tick four times' });

// Paused with a refused call in the paused step: resumed by the corpus test.
await createRuntime({
  model: new ScriptedModel([ScriptedModel.parallel([...ticks([0]), { name: 'pay', args: { cents: 5 }, id: 'v3-p1' }, ...ticks([1, 2])])]),
  store, tools, limits: { maxToolCalls: 3, finalize: true },
}).run({ runId: 'v3-paused', input: 'pay and tick' });

// The finalize record committed, the terminal record never written (the process died): resumed by the corpus test.
let dead = false;
const dying = new Proxy(store, {
  get(target, property, receiver) {
    const value = Reflect.get(target, property, receiver);
    if (typeof value !== 'function') return value;
    return (...args) => {
      if (property === 'close') return Promise.resolve();
      if (property === 'finishRun') dead = true;
      if (dead) return Promise.reject(new AgentrtError('store_unavailable', 'the process died'));
      return value.apply(target, args);
    };
  },
});
await createRuntime({
  model: new ScriptedModel([(request, i) => (noTools(request) ? ScriptedModel.answer('the answer written before the crash') : ScriptedModel.call('tick', { i }, { id: `c${i}` }))], { whenExhausted: 'cycle' }),
  store: dying, tools, leaseTtlMs: 100, limits: { maxSteps: 2, finalize: true },
}).run({ runId: 'v3-finalize-crashed', input: 'tick twice' });
await store.close();
console.log('wrote', process.argv[2]);
