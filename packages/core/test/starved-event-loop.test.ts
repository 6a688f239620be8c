/**
 * A run whose model answers at once and whose tools are synchronous runs on microtasks alone: it
 * never lets the event loop turn, so timers and I/O in the same process wait for it. The loop takes
 * one macrotask turn when it has not had one for a few milliseconds, so a kill or a cancel sent from
 * a timer or from an HTTP request lands before the next model call — not when the run ends.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRuntime, MemoryStore, type StoredRunEvent } from '@agentrt/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectRunInvariants, loopingModel, STARVED_STEPS as STEPS, starvedLimits as limits, syncTool as tool } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('a run that never waits on I/O still lets the event loop turn', () => {
  it('a kill sent from a timer stops it before the run ends', async () => {
    const store = new MemoryStore();
    const model = loopingModel();
    const runtime = createRuntime({ model, tools: [tool], store, limits });
    const runId = 'starved-timer-kill';
    let killedAtCall = -1;
    setTimeout(() => {
      killedAtCall = model.calls;
      void runtime.kill(runId, 'operator stop');
    }, 5);
    const result = await runtime.run({ input: 'go', runId });
    expect(result.stopReason).toBe('killed');
    expect(killedAtCall).toBeGreaterThan(0);
    // The kill landed at the next step's check: no model call after the one in flight.
    expect(model.calls).toBeLessThanOrEqual(killedAtCall + 1);
    expect(result.steps).toBeLessThan(STEPS);
    await expectRunInvariants(store, runId, result);
  });

  it('a cancel through the run signal, aborted from a timer, stops it', async () => {
    const store = new MemoryStore();
    const model = loopingModel();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 5);
    const result = await createRuntime({ model, tools: [tool], store, limits }).run({ input: 'go', signal: controller.signal });
    expect(result.stopReason).toBe('cancelled');
    expect(result.steps).toBeLessThan(STEPS);
  });

  it('a kill sent from an HTTP request to this process stops it', async () => {
    const store = new MemoryStore();
    // Sent once the run is under way (at the first model call), answered by this process.
    let port = 0;
    let asked: Promise<Response> | undefined;
    const model = loopingModel(() => {
      asked ??= fetch(`http://127.0.0.1:${port}/kill`, { method: 'POST' });
    });
    const runtime = createRuntime({ model, tools: [tool], store, limits });
    const runId = 'starved-http-kill';
    const server = createServer((request, response) => {
      void runtime.kill(runId, 'killed over HTTP').then(() => response.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      port = (server.address() as AddressInfo).port;
      const result = await runtime.run({ input: 'go', runId });
      expect(result.stopReason).toBe('killed');
      expect(result.stopDetail).toBe('killed over HTTP');
      expect(result.steps).toBeLessThan(STEPS);
      expect(await (await asked!).text()).toBe('ok');
      const events = await expectRunInvariants(store, runId, result);
      expect(events.at(-1)?.type).toBe('run_finished');
      expect(events.some((e: StoredRunEvent) => e.type === 'run_killed')).toBe(true);
    } finally {
      server.close();
    }
  });

  it('fake timers installed by a test do not hold the run (the turn is taken on Node\'s own setImmediate)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'Date'] });
    const store = new MemoryStore();
    const model = loopingModel();
    // Long enough (in real time) that the loop takes several turns.
    const steps = 3_000;
    const result = await createRuntime({ model, tools: [tool], store, limits: { ...limits, maxSteps: steps, maxToolCalls: steps } }).run('go');
    expect(result.stopReason).toBe('max_steps');
    expect(result.steps).toBe(steps);
  });

  it('many runs at once all get through a kill of all of them from a timer', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: loopingModel(), tools: [tool], store, limits: { ...limits, maxSteps: 4_000, maxToolCalls: 4_000 } });
    setTimeout(() => void runtime.killAll('all stop'), 5);
    const results = await Promise.all(Array.from({ length: 20 }, () => runtime.run('go')));
    for (const result of results) {
      expect(result.stopReason).toBe('killed');
      expect(result.steps).toBeLessThan(4_000);
    }
  });
});
