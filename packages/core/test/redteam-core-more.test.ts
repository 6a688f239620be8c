/** More red-team attacks on the core hot path: streaming models that ignore their signal, hook mutations, timeouts of a loop that never waits. */
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectRunInvariants, loopingModel } from './helpers.js';


const t = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: () => 'r' });

describe('more', () => {
  it('a loop that never waits for a timer still stops at its timeoutMs', async () => {
    const store = new MemoryStore();
    const model = loopingModel();
    const runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { timeoutMs: 100, maxSteps: 10_000_000, maxToolCalls: 10_000_000 } });
    const r = await runtime.run('go');
    expect(r.stopReason).toBe('timeout');
    await expectRunInvariants(store, r.runId, r);
  }, 60_000);

  it('onStepEnd and onRunEnd hooks cannot change what is stored', async () => {
    const store = new MemoryStore();
    const model = loopingModel();
    const tamper = (o: unknown) => {
      const walk = (v: unknown) => {
        if (!v || typeof v !== 'object') return;
        for (const k of Object.keys(v)) {
          const c = (v as Record<string, unknown>)[k];
          if (typeof c === 'string') try { (v as Record<string, unknown>)[k] = 'TAMPERED'; } catch { /* frozen */ }
          else walk(c);
        }
      };
      walk(o);
    };
    const runtime = createRuntime({ model, tools: [t], store, loopDetection: false, limits: { maxSteps: 3 }, hooks: [{ onStepEnd: (s) => tamper(s), onRunEnd: (r) => tamper({ ...r, runId: undefined }) }] });
    const r = await runtime.run('go');
    const stored = JSON.stringify(await store.loadSteps(r.runId)) + JSON.stringify(await store.listEvents(r.runId)) + JSON.stringify(await store.getRun(r.runId));
    expect(stored.match(/.{120}TAMPERED.{40}/g)).toBeNull();
  });
});
