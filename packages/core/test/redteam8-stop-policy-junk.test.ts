/** Red team 8: a stop policy answering junk (a string, an unknown reason) fails the run with hook_failed; it never records an unknown stop reason. */
import { createRuntime, defineTool, MemoryStore, STOP_REASONS } from '@agentrt/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectRunInvariants, loopingModel } from './helpers.js';

const tool = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: ({ i }) => i });
const answers: [string, unknown][] = [['a string', 'stop'], ['an unknown reason', { reason: 'nope' }], ['a numeric detail', { reason: 'final_answer', detail: 7 }]];

describe('stop policies that answer junk', () => {
  for (const [name, answer] of answers) {
    for (const async of [false, true]) {
      it(`${name} (${async ? 'async' : 'sync'}) ends the run with error / hook_failed`, async () => {
        const store = new MemoryStore();
        const check = () => (async ? Promise.resolve(answer) : answer);
        const runtime = createRuntime({ model: loopingModel(), tools: [tool], store, limits: { maxSteps: 5, maxToolCalls: 5 }, stopPolicies: [{ name: 'junk', check: check as never }] });
        const result = await runtime.run('go');
        expect(STOP_REASONS).toContain(result.stopReason);
        expect(result).toMatchObject({ stopReason: 'error', status: 'failed', error: { code: 'hook_failed' } });
        await expectRunInvariants(store, result.runId, result);
      });
    }
  }
});
