import { createRuntime, defineTool, MemoryStore, type RunResult, type StoredRunEvent } from '@agentrt/core';
import { OpenAIModel, type OpenAIModelOptions } from '@agentrt/model-openai';
import { checkRunInvariants, type LoopbackServer, type LoopbackStep, startOpenAIServer } from '@agentrt/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

// RELIABILITY.md 5.1 rows F-02, F-04, F-05 and F-09 at the run level: the official openai SDK
// behind OpenAIModel, against the loopback OpenAI server, core's MemoryStore, and
// I1–I8 (checkRunInvariants) after every run. (The adapter-level halves live in the conformance
// suite, describeModelAdapter; these rows also state what the *run* records.)

let store: MemoryStore;
let server: LoopbackServer | undefined;
beforeEach(() => {
  store = new MemoryStore();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

const start = async (steps: LoopbackStep[]) => (server = await startOpenAIServer(steps));
const model = (s: LoopbackServer, options: Partial<OpenAIModelOptions> = {}) =>
  new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${s.url}/v1`, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, ...options });
const retries = (events: readonly StoredRunEvent[]) => events.filter((e) => e.type === 'model_retry') as Extract<StoredRunEvent, { type: 'model_retry' }>[];
const invariants = async (result: RunResult<unknown>) => expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);

describe('F-02 persistent 429', () => {
  it('fails retryable model_rate_limited with its committed step intact; a later resume completes without re-running the recorded tool', async () => {
    let executed = 0;
    const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => (executed++, a + b) });
    const s = await start([
      { reply: { toolCalls: [{ id: 'call_f02', name: 'add', args: { a: 1, b: 2 } }] } },
      // Longer than the retry budget (3 attempts).
      ...Array.from({ length: 3 }, () => ({ status: 429, headers: { 'retry-after': '0' }, message: 'rate limited' })),
    ]);
    const runtime = createRuntime({ model: model(s), tools: [add], store });
    const failed = await runtime.run('add 1 and 2');
    expect(failed).toMatchObject({ status: 'failed', stopReason: 'error', steps: 1, toolCalls: 1, error: { code: 'model_rate_limited', retryable: true } });
    expect(s.requests).toHaveLength(4);
    const committed = await store.loadSteps(failed.runId);
    expect(committed).toHaveLength(1);
    expect(committed[0]!.messages.filter((m) => m.role === 'tool')).toMatchObject([{ toolCallId: 'call_f02', content: '3' }]);
    await invariants(failed);

    s.push({ reply: { text: 'three' } });
    const resumed = await runtime.resume(failed.runId);
    expect(resumed).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'three', steps: 2 });
    expect(executed).toBe(1);
    expect(s.requests).toHaveLength(5);
    // The resumed request carries the recorded result: replayed, not re-run.
    expect(JSON.stringify(s.requests[4]!.body)).toContain('call_f02');
    await invariants(resumed);
  });
});

describe('F-04 500/502/503', () => {
  it('two failures then success: bounded exponential backoff with full jitter; the run completes; usage counted once', async () => {
    const s = await start([{ status: 500 }, { status: 502 }, { reply: { text: 'recovered', usage: { inputTokens: 9, outputTokens: 2 } } }]);
    // Pin the jitter draw: full jitter over min(maxDelay, base × 2^(n−1)) gives 0.5 × 40, 0.5 × 80.
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const runtime = createRuntime({ model: model(s, { retry: { maxAttempts: 4, baseDelayMs: 40, maxDelayMs: 60 } }), store });
    const result = await runtime.run('hi');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'recovered', usage: { inputTokens: 9, outputTokens: 2 } });
    expect(s.requests).toHaveLength(3);
    const events = retries(await runtime.events(result.runId));
    expect(events.map((e) => [e.code, e.attempt, e.delayMs])).toEqual([['model_unavailable', 1, 20], ['model_unavailable', 2, 30]]);
    await invariants(result);
  });

  it('the doubling is capped at maxDelayMs and each wait is a random draw below it', async () => {
    const s = await start([{ status: 503 }, { status: 503 }, { status: 503 }, { reply: { text: 'ok' } }]);
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const runtime = createRuntime({ model: model(s, { retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 25 } }), store });
    const result = await runtime.run('hi');
    expect(result.stopReason).toBe('final_answer');
    // 0.999 × min(25, 10), × min(25, 20), × min(25, 40).
    expect(retries(await runtime.events(result.runId)).map((e) => e.delayMs)).toEqual([10, 20, 25]);
    await invariants(result);
  });

  it('always failing: model_unavailable after exactly maxAttempts HTTP attempts; run failed/error', async () => {
    const s = await start(Array.from({ length: 6 }, (_, i) => ({ status: [500, 502, 503][i % 3]! })));
    const runtime = createRuntime({ model: model(s, { retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 } }), store });
    const result = await runtime.run('hi');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', steps: 0, error: { code: 'model_unavailable', retryable: true } });
    expect(s.requests).toHaveLength(4);
    const events = retries(await runtime.events(result.runId));
    expect(events).toHaveLength(3);
    for (const event of events) expect(event.delayMs).toBeLessThanOrEqual(20);
    await invariants(result);
  });
});

describe('F-05 non-retryable statuses', () => {
  it.each([[400, 'model_bad_request'], [401, 'model_auth'], [403, 'model_auth'], [404, 'model_bad_request'], [422, 'model_bad_request']] as const)(
    '%i: 0 retries, %s, run failed/error',
    async (status, code) => {
      const s = await start([{ status, message: `scripted ${status}` }, { reply: { text: 'never' } }]);
      const runtime = createRuntime({ model: model(s), store });
      const result = await runtime.run('hi');
      expect(result).toMatchObject({ status: 'failed', stopReason: 'error', steps: 0, error: { code } });
      expect(s.requests).toHaveLength(1);
      expect(retries(await runtime.events(result.runId))).toEqual([]);
      await invariants(result);
    },
  );
});

describe('F-09 empty / odd output', () => {
  it('no text and no tool calls, twice: model_output_invalid after one retry; stopReason error', async () => {
    const s = await start([{ reply: { text: '' } }, { reply: { text: '' } }, { reply: { text: 'never asked' } }]);
    const runtime = createRuntime({ model: model(s), store });
    const result = await runtime.run('hi');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', steps: 0, error: { code: 'model_output_invalid' } });
    expect(s.requests.length).toBeLessThanOrEqual(2);
    await invariants(result);
  });

  it('finish_reason=content_filter with no output: model_output_invalid after at most one retry; stopReason error', async () => {
    const s = await start([
      { reply: { text: '', finishReason: 'content_filter' } },
      { reply: { text: '', finishReason: 'content_filter' } },
      { reply: { text: 'never asked' } },
    ]);
    const runtime = createRuntime({ model: model(s), store });
    const result = await runtime.run('hi');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', steps: 0, error: { code: 'model_output_invalid' } });
    expect(s.requests.length).toBeLessThanOrEqual(2);
    await invariants(result);
  });
});
