import {
  AgentrtError, createRuntime, defineTool, findPairingViolations, MemoryStore, TEXT_ONLY,
  type Message, type ModelAdapter, type ModelCapabilities, type ModelStreamEvent, type OutputSpec, type RetryPolicy,
} from '@agentrt/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { MEDIA_SAMPLES } from '../corpora/media.js';
import { assertRunInvariants } from '../invariants.js';
import type { LoopbackServer, LoopbackStep } from '../loopback/loopback-server.js';
import { settlesWithin, waitFor } from '../wait-for.js';
import { ABORT_SETTLE_MS, describeModelAdapterContract } from './model-adapter-contract.js';
import { describeModelAdapterLimits } from './model-adapter-limits.js';

/** What `describeModelAdapter` passes to `create`. */
export interface AdapterSuiteCreateOptions {
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
  readonly capabilities?: Partial<ModelCapabilities>;
  readonly reasoning?: boolean;
  /** The adapter's bound of one response (`maxResponseBytes`); absent: the adapter's default. */
  readonly maxResponseBytes?: number;
}

/** Options of `describeModelAdapter`. */
export interface ModelAdapterSuiteOptions {
  readonly name: string;
  /** Starts the provider's strict loopback server. */
  start(steps?: readonly LoopbackStep[]): Promise<LoopbackServer>;
  /**
   * Builds the adapter under test against the server. `capabilities` overrides what the adapter
   * declares (the suite uses it to declare a text-only configuration); `reasoning: true` turns on
   * the provider's reasoning (e.g. Anthropic thinking, Ollama `think`) where the adapter has it.
   */
  create(server: LoopbackServer, options: AdapterSuiteCreateOptions): ModelAdapter;
  /** Where the provider's wire format can carry malformed tool-call arguments (`none`: it always sends objects). */
  readonly malformedArgs: 'generate' | 'stream' | 'none';
  /** Whether the provider rejects an orphaned tool result/call with a 400 (Ollama does not). */
  readonly rejectsOrphans: boolean;
  /**
   * Whether the adapter reports the model the provider says answered (`ModelResponse.model`, used
   * for `gen_ai.response.model` in traces). Default true; the loopback servers echo the request's model.
   */
  readonly reportsResponseModel?: boolean;
}

const add = defineTool({ name: 'add', description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const signal = () => new AbortController().signal;
const request = (messages: Message[]) => ({ messages, tools: [add.spec], signal: signal() });
const user = (content: string): Message => ({ role: 'user', content });
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`;
  }
};
const drain = async (events: AsyncIterable<ModelStreamEvent>) => {
  const out: ModelStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
};
const FAST: RetryPolicy = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

/**
 * The model adapter conformance suite: the real SDK behind the adapter, against a strict
 * loopback server of the provider. Counts HTTP attempts, so stacked retries fail it.
 */
export function describeModelAdapter(options: ModelAdapterSuiteOptions): void {
  describe(`ModelAdapter conformance: ${options.name}`, () => {
    let server: LoopbackServer | undefined;
    const start = async (steps: LoopbackStep[]) => (server = await options.start(steps));
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });
    // First: the cases a subtly wrong adapter fails most often, and the quickest.
    describeModelAdapterContract(options, start);

    it('maps a text answer, its usage and finish reason', async () => {
      const s = await start([{ reply: { text: 'hello there', usage: { inputTokens: 21, outputTokens: 4 } } }]);
      const adapter = options.create(s, { retry: FAST });
      const { model, id, ...response } = await adapter.generate(request([user('hi')]));
      expect(response).toEqual({ message: { role: 'assistant', content: 'hello there' }, usage: { inputTokens: 21, outputTokens: 4 }, finishReason: 'stop' });
      expect(s.requests).toHaveLength(1);
      if (options.reportsResponseModel !== false) expect(model).toBe(adapter.model);
      if (id !== undefined) expect(typeof id).toBe('string');
    });

    it('maps tool calls with object arguments', async () => {
      const s = await start([{ reply: { toolCalls: [{ id: 'call_a1', name: 'add', args: { a: 2, b: 3 } }] } }]);
      const response = await options.create(s, { retry: FAST }).generate(request([user('add')]));
      expect(response.finishReason).toBe('tool_calls');
      expect(response.message.toolCalls).toHaveLength(1);
      expect(response.message.toolCalls![0]).toMatchObject({ name: 'add', args: { a: 2, b: 3 } });
    });

    it('runs the loop end to end: the provider accepts every transcript the runtime sends', async () => {
      const s = await start([{ reply: { toolCalls: [{ id: 'call_x', name: 'add', args: { a: 40, b: 2 } }] } }, { reply: { text: 'It is 42.' } }]);
      const result = await createRuntime({ model: options.create(s, { retry: FAST }), tools: [add] }).run({ input: 'what is 40 + 2?', system: 'be brief' });
      expect(result).toMatchObject({ stopReason: 'final_answer', output: 'It is 42.', steps: 2, toolCalls: 1 });
      expect(s.requests.filter((r) => r.rejected)).toEqual([]);
      expect(JSON.stringify(s.requests[1]!.body)).toContain('42');
    });

    it('streams text deltas and assembles tool calls', async () => {
      const s = await start([
        { reply: { text: 'streamed answer text' } },
        { reply: { toolCalls: [{ id: 'call_s', name: 'add', args: { a: 1, b: 2 } }] } },
      ]);
      const adapter = options.create(s, { retry: FAST });
      const first = await drain(adapter.stream!(request([user('hi')])));
      const deltas = first.filter((e) => e.type === 'text_delta').map((e) => (e as { text: string }).text);
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('')).toBe('streamed answer text');
      const final = first.at(-1);
      expect(final?.type === 'response' && final.response.message.content).toBe('streamed answer text');
      if (options.reportsResponseModel !== false) expect(final?.type === 'response' && final.response.model).toBe(adapter.model);
      const second = await drain(adapter.stream!(request([user('add')])));
      const response = second.at(-1);
      expect(response?.type === 'response' && response.response.message.toolCalls?.[0]).toMatchObject({ name: 'add', args: { a: 1, b: 2 } });
    });

    if (options.malformedArgs !== 'none') {
      it('passes malformed tool-call arguments to the loop, which answers tool_args_invalid', async () => {
        const s = await start([{ reply: { toolCalls: [{ id: 'call_bad', name: 'add', args: '{"a": 1, "b": ' }], finishReason: 'length' } }, { reply: { text: 'sorry' } }]);
        const model = options.create(s, { retry: FAST });
        const runtime = createRuntime({ model, tools: [add] });
        const result = options.malformedArgs === 'stream'
          ? await (async () => {
            let last: unknown;
            for await (const event of runtime.stream('add')) if (event.type === 'run_finished') last = event.result;
            return last as { stopReason: string };
          })()
          : await runtime.run('add');
        expect(result.stopReason).toBe('final_answer');
        expect(JSON.stringify(s.requests[1]!.body)).toContain('tool_args_invalid');
      });
    }

    it('honours Retry-After in seconds on 429, then succeeds; usage counted once; each retry audited (F-01)', async () => {
      const s = await start([
        { status: 429, headers: { 'retry-after': '1' }, message: 'rate limited' },
        { status: 429, headers: { 'retry-after': '1' }, message: 'rate limited' },
        { reply: { text: 'ok', usage: { inputTokens: 7, outputTokens: 3 } } },
      ]);
      const store = new MemoryStore();
      const started = Date.now();
      const runtime = createRuntime({ model: options.create(s, { retry: FAST }), store });
      const result = await runtime.run('hi');
      // Two waits of at least 1 s each (a timer may fire a millisecond early).
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_990);
      expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'ok', usage: { inputTokens: 7, outputTokens: 3 } });
      expect(s.requests).toHaveLength(3);
      const retries = (await runtime.events(result.runId)).filter((e) => e.type === 'model_retry');
      expect(retries).toMatchObject([{ code: 'model_rate_limited', attempt: 1 }, { code: 'model_rate_limited', attempt: 2 }]);
      // At least what the provider asked, plus a jitter of at most min(baseDelayMs, Retry-After / 2).
      for (const retry of retries as { delayMs: number }[]) {
        expect(retry.delayMs).toBeGreaterThanOrEqual(1_000);
        expect(retry.delayMs).toBeLessThanOrEqual(1_000 + Math.min(FAST.baseDelayMs ?? 0, 500));
      }
      await assertRunInvariants({ store, runId: result.runId, result });
    });

    it('reads hostile Retry-After values safely: invalid ones fall back to backoff, huge ones are capped, none throws (F-03)', async () => {
      const past = new Date(Date.now() - 3_600_000).toUTCString();
      const far = 'Fri, 01 Jan 2100 00:00:00 GMT';
      // [headers, the wait expected]: a number of ms, 'backoff' or 'cap'.
      const cases: [Record<string, string>, number | 'backoff' | 'cap'][] = [
        [{ 'retry-after': '-5' }, 'backoff'],
        [{ 'retry-after': '1 2' }, 'backoff'],
        [{ 'retry-after': 'soon-ish' }, 'backoff'],
        [{ 'retry-after': '1e3' }, 'backoff'],
        [{ 'retry-after': past }, 'backoff'],
        [{ 'retry-after-ms': '-100' }, 'backoff'],
        [{ 'retry-after-ms': '0x10' }, 'backoff'],
        [{ 'retry-after-ms': 'Infinity' }, 'backoff'],
        [{ 'retry-after': '86400' }, 'cap'],
        [{ 'retry-after': '9'.repeat(400) }, 'cap'],
        [{ 'retry-after': far }, 'cap'],
        [{ 'retry-after-ms': '25' }, 25],
        [{ 'retry-after': '0' }, 0],
      ];
      const s = await start([...cases.map(([headers]) => ({ status: 429, headers })), { reply: { text: 'ok' } }]);
      // Backoff is full jitter: pin the random draw so a backoff wait is told apart from 0 and from the cap.
      const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
      try {
        const runtime = createRuntime({ model: options.create(s, { retry: { maxAttempts: 20, baseDelayMs: 40, maxDelayMs: 40, maxRetryAfterMs: 60 } }) });
        const result = await runtime.run('hi');
        expect(result).toMatchObject({ stopReason: 'final_answer', output: 'ok' });
        const delays = (await runtime.events(result.runId)).flatMap((e) => (e.type === 'model_retry' ? [e.delayMs] : []));
        // Backoff: 0.999 × 40. A Retry-After under the cap: jittered up by 0.999 × min(40, wait / 2), at most the cap;
        // one at or over the cap: spread below it, 60 − 0.999 × min(40, 60 / 2).
        const honoured = (ms: number) => Math.round(Math.min(60, ms + 0.999 * Math.min(40, ms / 2)));
        expect(delays).toEqual(cases.map(([, wait]) => (wait === 'backoff' ? 40 : wait === 'cap' ? Math.round(60 - 0.999 * 30) : honoured(wait))));
        expect(s.requests).toHaveLength(cases.length + 1);
      } finally {
        random.mockRestore();
      }
    });

    it('honours retry-after-ms and HTTP-date forms; ignores garbage (falls back to backoff)', async () => {
      const date = new Date(Date.now() + 1000).toUTCString();
      const s = await start([
        { status: 429, headers: { 'retry-after-ms': '30' } },
        { status: 429, headers: { 'retry-after': date } },
        { status: 503, headers: { 'retry-after': 'soon-ish' } },
        { reply: { text: 'ok' } },
      ]);
      const response = await options.create(s, { retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 10 } }).generate(request([user('hi')]));
      expect(response.message.content).toBe('ok');
      expect(s.requests).toHaveLength(4);
    });

    it('caps an absurd Retry-After at maxRetryAfterMs', async () => {
      const s = await start([{ status: 429, headers: { 'retry-after': '86400' } }, { reply: { text: 'ok' } }]);
      const started = Date.now();
      await options.create(s, { retry: { ...FAST, maxRetryAfterMs: 50 } }).generate(request([user('hi')]));
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('gives up on a persistent 429 after exactly maxAttempts HTTP attempts (SDK retries are off)', async () => {
      const s = await start(Array.from({ length: 5 }, () => ({ status: 429, headers: { 'retry-after-ms': '1' } })));
      expect(await codeOf(options.create(s, { retry: FAST }).generate(request([user('hi')])))).toBe('model_rate_limited');
      expect(s.requests).toHaveLength(3);
    });

    it('a run that exhausts its retries fails as retryable and resumes later without re-running tools (F-02)', async () => {
      let executed = 0;
      const counted = defineTool({ name: 'add', description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => { executed++; return a + b; } });
      const s = await start([
        { reply: { toolCalls: [{ id: 'call_f2', name: 'add', args: { a: 1, b: 2 } }] } },
        ...Array.from({ length: 3 }, () => ({ status: 429, headers: { 'retry-after-ms': '1' } })),
      ]);
      const runtime = createRuntime({ model: options.create(s, { retry: FAST }), tools: [counted] });
      const failed = await runtime.run('add');
      expect(failed).toMatchObject({ status: 'failed', stopReason: 'error', steps: 1, error: { code: 'model_rate_limited', retryable: true } });
      s.push({ reply: { text: 'three' } });
      const resumed = await runtime.resume(failed.runId);
      expect(resumed).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'three', steps: 2 });
      expect(executed).toBe(1);
    });

    it('retries 500/502/503 with backoff and recovers; always failing ends model_unavailable', async () => {
      const s = await start([{ status: 500 }, { status: 502 }, { reply: { text: 'recovered' } }]);
      expect((await options.create(s, { retry: FAST }).generate(request([user('hi')]))).message.content).toBe('recovered');
      s.push({ status: 503 }, { status: 503 }, { status: 503 });
      expect(await codeOf(options.create(s, { retry: FAST }).generate(request([user('hi')])))).toBe('model_unavailable');
      expect(s.requests).toHaveLength(6);
    });

    it.each([[400, 'model_bad_request'], [401, 'model_auth'], [403, 'model_auth'], [404, 'model_bad_request'], [422, 'model_bad_request']])(
      'does not retry %i (%s)',
      async (status, code) => {
        const s = await start([{ status, message: `scripted ${status}` }, { reply: { text: 'never' } }]);
        expect(await codeOf(options.create(s, { retry: FAST }).generate(request([user('hi')])))).toBe(code);
        expect(s.requests).toHaveLength(1);
      },
    );

    it('maps a context-length 400 to context_overflow', async () => {
      const s = await start([{ status: 400, message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens." }]);
      expect(await codeOf(options.create(s, { retry: FAST }).generate(request([user('hi')])))).toBe('context_overflow');
    });

    it('times out a silent provider with model_timeout, retrying within the policy', async () => {
      const s = await start([{ hang: true }, { hang: true }]);
      const started = Date.now();
      // 1 s per attempt: each request surely reaches the provider before its attempt times out, even on a busy machine.
      expect(await codeOf(options.create(s, { timeoutMs: 1_000, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }).generate(request([user('hi')])))).toBe('model_timeout');
      expect(s.requests).toHaveLength(2);
      // Our timeout, not the SDK's (600 s by default): two attempts, well under 10 s.
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('times out a provider that sends its headers and then nothing: generate and stream, retried within the policy (F-06)', async () => {
      const s = await start([{ reply: { text: 'never sent' }, stallAfter: 0 }, { reply: { text: 'never sent' }, stallAfter: 0 }]);
      const adapter = options.create(s, { timeoutMs: 1_000, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
      expect(await codeOf(adapter.generate(request([user('hi')])))).toBe('model_timeout');
      expect(s.requests).toHaveLength(2);
      if (adapter.stream) {
        s.push({ reply: { text: 'never sent' }, stallAfter: 0 }, { reply: { text: 'never sent' }, stallAfter: 0 });
        expect(await codeOf(drain(adapter.stream(request([user('hi')]))))).toBe('model_timeout');
        expect(s.requests).toHaveLength(4);
      }
    });

    it('a stream that stalls after output is never retried; the run fails, nothing committed (F-06, F-07)', async () => {
      // Longer than the 256 characters the runtime's stream redaction holds back, so deltas reach the caller.
      const text = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
      const reply = { text };
      const s = await start([]);
      // Stall once about 320 characters of text went out.
      const frames = s.wire.renderStream(reply, { model: 'any', stream: true, stream_options: { include_usage: true } });
      const first = frames.findIndex((frame) => frame.includes('word0'));
      expect(first).toBeGreaterThanOrEqual(0);
      s.push({ reply, stallAfter: first + 40 }, { reply: { text: 'should not be asked' } });
      const store = new MemoryStore();
      const runtime = createRuntime({ model: options.create(s, { timeoutMs: 1_000, retry: FAST }), store });
      let result: Awaited<ReturnType<typeof runtime.run>> | undefined;
      let deltas = 0;
      for await (const event of runtime.stream('hi')) {
        if (event.type === 'model_delta') deltas++;
        if (event.type === 'run_finished') result = event.result;
      }
      expect(deltas).toBeGreaterThan(0);
      expect(result).toMatchObject({ status: 'failed', stopReason: 'error', steps: 0, error: { retryable: true } });
      expect(['model_timeout', 'model_unavailable']).toContain(result!.error!.code);
      expect(s.requests).toHaveLength(1);
      expect(await store.loadSteps(result!.runId)).toEqual([]);
      await assertRunInvariants({ store, runId: result!.runId, result: result! });
    });

    it('discards an answer that arrives after the call timed out: model_timeout, no step committed (F-06)', async () => {
      let sent = 0;
      const s = await start([{ reply: () => (sent++, { text: 'too late' }), delayMs: 1_500 }]);
      const store = new MemoryStore();
      const runtime = createRuntime({ model: options.create(s, { timeoutMs: 500, retry: { maxAttempts: 1 } }), store });
      const result = await runtime.run('hi');
      expect(result).toMatchObject({ status: 'failed', stopReason: 'error', steps: 0, error: { code: 'model_timeout', retryable: true } });
      // The provider answers after the timeout: nothing of it reaches the run.
      await waitFor(() => sent === 1, { message: 'the late answer was produced', timeoutMs: 10_000 });
      await new Promise((resolve) => setImmediate(resolve));
      expect(await runtime.getRun(result.runId)).toMatchObject({ status: 'failed' });
      expect(JSON.stringify(await runtime.events(result.runId))).not.toContain('too late');
      expect(await store.loadSteps(result.runId)).toEqual([]);
      await assertRunInvariants({ store, runId: result.runId, result });
    });

    it('a stream cut inside a tool call: the partial call is never executed, no retry, model_unavailable, step not committed (F-07)', async () => {
      let executed = 0;
      const counted = defineTool({ name: 'add', description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => { executed++; return a + b; } });
      // Text longer than the 256 characters the runtime's stream redaction holds back, then the call.
      const text = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
      const reply = { text, toolCalls: [{ id: 'call_cut', name: 'add', args: { a: 1234567890, b: 9876543210 } }] };
      const s = await start([]);
      // Cut right after the first frame that carries the arguments: the call has begun (or, where a
      // provider sends a call whole, has arrived), and the stream has not finished.
      const frames = s.wire.renderStream(reply, { model: 'any', stream: true, stream_options: { include_usage: true } });
      const cut = frames.findIndex((frame) => frame.includes('1234567')) + 1;
      expect(cut).toBeGreaterThan(1);
      expect(cut).toBeLessThan(frames.length);
      s.push({ reply, cutStreamAfter: cut }, { reply: { text: 'should not be asked' } });
      const store = new MemoryStore();
      const runtime = createRuntime({ model: options.create(s, { retry: FAST }), tools: [counted], store });
      let result: Awaited<ReturnType<typeof runtime.run>> | undefined;
      const types = new Set<string>();
      for await (const event of runtime.stream('add')) {
        types.add(event.type);
        if (event.type === 'run_finished') result = event.result;
      }
      expect(types.has('model_delta')).toBe(true);
      expect(types.has('tool_started')).toBe(false);
      expect(executed).toBe(0);
      expect(result).toMatchObject({ status: 'failed', stopReason: 'error', steps: 0, toolCalls: 0, error: { code: 'model_unavailable' } });
      expect(s.requests).toHaveLength(1);
      expect(await store.loadSteps(result!.runId)).toEqual([]);
      await assertRunInvariants({ store, runId: result!.runId, result: result! });
    });

    it('never retries a stream that already produced output (stream cut)', async () => {
      const s = await start([{ reply: { text: 'a long answer that will be cut off' }, cutStreamAfter: 4 }, { reply: { text: 'should not be asked' } }]);
      const adapter = options.create(s, { retry: FAST });
      const seen: ModelStreamEvent[] = [];
      const code = await codeOf((async () => {
        for await (const event of adapter.stream!(request([user('hi')]))) seen.push(event);
      })());
      expect(code).toBe('model_unavailable');
      expect(seen.some((e) => e.type === 'text_delta')).toBe(true);
      expect(s.requests).toHaveLength(1);
    });

    it('retries a connection reset before any output', async () => {
      const s = await start([{ reset: true }, { reply: { text: 'second try' } }]);
      expect((await options.create(s, { retry: FAST }).generate(request([user('hi')]))).message.content).toBe('second try');
      expect(s.requests).toHaveLength(2);
    });

    it('honours the caller abort signal promptly, without retrying', async () => {
      const s = await start([{ hang: true }, { reply: { text: 'no' } }]);
      const controller = new AbortController();
      const pending = options.create(s, { timeoutMs: 30_000, retry: FAST }).generate({ messages: [user('hi')], tools: [], signal: controller.signal });
      pending.catch(() => undefined);
      // Aborted once the request is with the provider, so the abort meets a call in flight.
      await waitFor(() => s.requests.length === 1, { message: 'the request reached the provider' });
      const started = Date.now();
      controller.abort(new Error('caller gave up'));
      // Bounded: an adapter that ignores the abort fails here, not at the test runner's timeout.
      await expect(settlesWithin(pending, ABORT_SETTLE_MS, 'the aborted call')).rejects.toThrow('caller gave up');
      // Promptly: far below the 30 s call timeout (a loose bound so a busy machine cannot fail it).
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(s.requests).toHaveLength(1);
    });

    if (options.rejectsOrphans) {
      it('gets the provider\'s 400 for an orphaned tool result, typed model_bad_request, without retry', async () => {
        const s = await start([{ reply: { text: 'never' } }]);
        const orphan: Message[] = [user('hi'), { role: 'tool', toolCallId: 'call_missing', name: 'add', content: '3' }];
        expect(findPairingViolations(orphan).length).toBeGreaterThan(0);
        expect(await codeOf(options.create(s, { retry: FAST }).generate(request(orphan)))).toBe('model_bad_request');
        expect(s.requests).toHaveLength(1);
        expect(s.requests[0]!.rejected?.status).toBe(400);
        const unanswered: Message[] = [user('hi'), { role: 'assistant', content: '', toolCalls: [{ id: 'call_open', name: 'add', args: { a: 1, b: 1 } }] }, user('and?')];
        expect(await codeOf(options.create(s, { retry: FAST }).generate(request(unanswered)))).toBe('model_bad_request');
      });
    }

    describeRichMessages(options, start);
    describeModelAdapterLimits(options, start);
  });
}

/** A stand-in server for reading an adapter's declared capabilities at suite definition time (never contacted). */
export const PROBE: LoopbackServer = {
  url: 'http://127.0.0.1:9', requests: [], wire: undefined as never, push: () => undefined, pending: 0,
  close: async () => undefined, [Symbol.asyncDispose]: async () => undefined,
};

const png = MEDIA_SAMPLES.png;
const visible = (s: LoopbackServer) => s.requests.filter((r) => !r.rejected);
const rejections = (s: LoopbackServer) => s.requests.filter((r) => r.rejected).map((r) => r.rejected!.message);
const bodyText = (s: LoopbackServer, index: number) => JSON.stringify(s.requests[index]?.body);
const summary = (s: LoopbackServer, index: number) => {
  if (!s.wire.inspect) throw new Error(`the ${s.wire.name} loopback wire implements no inspect(); the rich-message cases need it`);
  return s.wire.inspect(s.requests[index]!.body);
};
const shotCall = { id: 'call_shot', name: 'add', args: { a: 1, b: 2 } };
const withShot = (content: Message & { role: 'tool' }): Message[] => [user('take a screenshot'), { role: 'assistant', content: '', toolCalls: [shotCall] }, content];
const ANSWER_SPEC: OutputSpec = {
  name: 'weather',
  schema: { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } }, required: ['city', 'celsius'], additionalProperties: false },
};

/** Capability-driven cases: images, files, tool-result media, unsupported content, reasoning, structured output, maxOutputTokens. */
function describeRichMessages(options: ModelAdapterSuiteOptions, start: (steps: LoopbackStep[]) => Promise<LoopbackServer>): void {
  const caps: ModelCapabilities = options.create(PROBE, {}).capabilities ?? TEXT_ONLY;
  const reasoningCaps = options.create(PROBE, { reasoning: true }).capabilities ?? TEXT_ONLY;

  it('declares well-formed capabilities (lower-case media types, boolean flags)', () => {
    for (const type of [...caps.imageTypes, ...caps.fileTypes]) expect(type).toMatch(/^(?:[a-z0-9.+-]+\/(?:[a-z0-9.+-]+|\*)|\*)$/);
    for (const type of caps.imageTypes) expect(type === '*' || type === '*/*' || type.startsWith('image/')).toBe(true);
    for (const flag of ['partsInToolResults', 'imageUrls', 'fileUrls', 'structuredOutput', 'reasoning'] as const) expect(typeof caps[flag]).toBe('boolean');
  });

  it('refuses content its configuration does not accept before any HTTP request (unsupported_content)', async () => {
    const s = await start([{ reply: { text: 'never' } }]);
    const textOnly = options.create(s, { retry: FAST, capabilities: { imageTypes: [], fileTypes: [], partsInToolResults: false, imageUrls: false, fileUrls: false } });
    expect(textOnly.capabilities?.imageTypes ?? []).toEqual([]);
    const image: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image', mediaType: 'image/png', data: png }] }];
    expect(await codeOf(textOnly.generate(request(image)))).toBe('unsupported_content');
    if (textOnly.stream) expect(await codeOf(drain(textOnly.stream(request(image))))).toBe('unsupported_content');
    // An image type no provider takes, on the default configuration.
    const bmp: Message[] = [{ role: 'user', content: [{ type: 'image', mediaType: 'image/bmp', data: MEDIA_SAMPLES.bmp }] }];
    expect(await codeOf(options.create(s, { retry: FAST }).generate(request(bmp)))).toBe('unsupported_content');
    expect(s.requests).toHaveLength(0);
  });

  it('honours maxOutputTokens on the wire (generate and stream)', async () => {
    const s = await start([{ reply: { text: 'short' } }, { reply: { text: 'short too' } }]);
    const adapter = options.create(s, { retry: FAST });
    await adapter.generate({ ...request([user('hi')]), maxOutputTokens: 77 });
    expect(summary(s, 0).maxOutputTokens).toBe(77);
    if (adapter.stream) {
      await drain(adapter.stream({ ...request([user('hi')]), maxOutputTokens: 55 }));
      expect(summary(s, 1).maxOutputTokens).toBe(55);
    }
    expect(rejections(s)).toEqual([]);
  });

  if (caps.imageTypes.includes('image/png')) {
    it('sends an inline image in a user message in the provider\'s format', async () => {
      const s = await start([{ reply: { text: 'a single pixel' } }]);
      const response = await options.create(s, { retry: FAST }).generate(request([{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image', mediaType: 'image/png', data: png }] }]));
      expect(response.message.content).toBe('a single pixel');
      expect(rejections(s)).toEqual([]);
      expect(bodyText(s, 0)).toContain(png);
      expect(bodyText(s, 0)).toContain('what is this?');
    });

    it('rejects an image whose bytes do not match its media type at the provider, typed model_bad_request', async () => {
      const s = await start([{ reply: { text: 'never' } }]);
      const lying: Message[] = [{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: Buffer.from('not an image at all').toString('base64') }] }];
      expect(await codeOf(options.create(s, { retry: FAST }).generate(request(lying)))).toBe('model_bad_request');
      expect(s.requests).toHaveLength(1);
    });
  }

  if (caps.imageTypes.includes('image/png') && caps.imageUrls) {
    it('sends an image by URL', async () => {
      const s = await start([{ reply: { text: 'a cat' } }]);
      await options.create(s, { retry: FAST }).generate(request([{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', url: 'https://example.com/cat.png' }, { type: 'text', text: 'describe' }] }]));
      expect(rejections(s)).toEqual([]);
      expect(bodyText(s, 0)).toContain('https://example.com/cat.png');
    });
  }

  if (caps.imageTypes.includes('image/png') && caps.partsInToolResults) {
    it('sends an image a tool returned, and the provider accepts the transcript', async () => {
      const s = await start([{ reply: { text: 'the screen is blank' } }, { reply: { text: 'still blank' } }]);
      const adapter = options.create(s, { retry: FAST });
      const transcript = withShot({ role: 'tool', toolCallId: 'call_shot', name: 'add', content: [{ type: 'text', text: 'screenshot taken' }, { type: 'image', mediaType: 'image/png', data: png }] });
      expect((await adapter.generate(request(transcript))).message.content).toBe('the screen is blank');
      expect(bodyText(s, 0)).toContain(png);
      expect(bodyText(s, 0)).toContain('screenshot taken');
      if (adapter.stream) await drain(adapter.stream(request([...transcript, user('and now?')])));
      expect(rejections(s)).toEqual([]);
      expect(findPairingViolations(transcript)).toEqual([]);
    });
  }

  if (caps.fileTypes.includes('application/pdf')) {
    it('sends a PDF in a user message', async () => {
      const s = await start([{ reply: { text: 'a one-page report' } }]);
      const response = await options.create(s, { retry: FAST }).generate(request([{ role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', data: MEDIA_SAMPLES.pdf, filename: 'report.pdf' }, { type: 'text', text: 'summarize' }] }]));
      expect(response.message.content).toBe('a one-page report');
      expect(rejections(s)).toEqual([]);
      expect(bodyText(s, 0)).toContain(MEDIA_SAMPLES.pdf);
    });
  }

  if (caps.structuredOutput) {
    it('asks for structured output in the provider\'s native form', async () => {
      const answer = '{"city":"Paris","celsius":21}';
      const s = await start([{ reply: { text: answer } }, { reply: { text: answer } }]);
      const adapter = options.create(s, { retry: FAST });
      const response = await adapter.generate({ ...request([user('weather in Paris?')]), output: ANSWER_SPEC });
      expect(JSON.parse(response.message.content)).toEqual({ city: 'Paris', celsius: 21 });
      expect(summary(s, 0).outputSchema).toEqual(ANSWER_SPEC.schema);
      if (adapter.stream) {
        const events = await drain(adapter.stream({ ...request([user('weather in Paris?')]), output: ANSWER_SPEC }));
        const last = events.at(-1);
        expect(last?.type === 'response' && JSON.parse(last.response.message.content)).toEqual({ city: 'Paris', celsius: 21 });
        expect(summary(s, 1).outputSchema).toEqual(ANSWER_SPEC.schema);
      }
      expect(rejections(s)).toEqual([]);
    });
  }

  if (reasoningCaps.reasoning) {
    it('returns reasoning apart from the answer and sends it back across three tool steps', async () => {
      const thought = (n: number) => `step ${n}: weighing which numbers to add`;
      const s = await start([
        ...[1, 2, 3].map((n) => ({ reply: { reasoning: [{ text: thought(n) }], toolCalls: [{ id: `call_r${n}`, name: 'add', args: { a: n, b: n } }] } })),
        { reply: { reasoning: [{ text: thought(4) }], text: 'all added' } },
      ]);
      const adapter = options.create(s, { retry: FAST, reasoning: true });
      expect(adapter.capabilities?.reasoning).toBe(true);
      const messages: Message[] = [user('add three pairs')];
      for (let n = 1; n <= 4; n++) {
        const response = await adapter.generate(request(messages));
        expect(response.message.reasoning?.map((r) => r.text)).toEqual([thought(n)]);
        expect(response.message.content).not.toContain('weighing');
        const calls = (response.message.toolCalls ?? []).map((call, i) => ({ ...call, id: call.id || `call_local_${n}_${i}` }));
        messages.push({ ...response.message, ...(calls.length ? { toolCalls: calls } : {}) });
        for (const call of calls) messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: String(n * 2) });
        if (n === 4) expect(response.message.content).toBe('all added');
      }
      expect(rejections(s)).toEqual([]);
      expect(s.requests).toHaveLength(4);
      for (let index = 0; index < 4; index++) expect(summary(s, index).reasoning).toBe(true);
      for (const n of [1, 2, 3]) expect(bodyText(s, 3)).toContain(thought(n));
    });

    it('streams reasoning deltas apart from text deltas; reasoning never becomes the answer', async () => {
      const s = await start([{ reply: { reasoning: [{ text: 'pondering the sum carefully' }], text: 'the answer is 3' } }]);
      const events = await drain(options.create(s, { retry: FAST, reasoning: true }).stream!(request([user('1 + 2?')])));
      const reasoning = events.filter((e) => e.type === 'reasoning_delta').map((e) => (e as { text: string }).text);
      const text = events.filter((e) => e.type === 'text_delta').map((e) => (e as { text: string }).text);
      expect(reasoning.join('')).toBe('pondering the sum carefully');
      expect(text.join('')).toBe('the answer is 3');
      expect(events.findIndex((e) => e.type === 'text_delta')).toBeGreaterThan(events.findLastIndex((e) => e.type === 'reasoning_delta'));
      const last = events.at(-1);
      expect(last?.type === 'response' && last.response.message).toMatchObject({ content: 'the answer is 3', reasoning: [{ text: 'pondering the sum carefully' }] });
    });

    it('runs a reasoning agent through three tool steps end to end; the provider accepts every request', async () => {
      const s = await start([
        ...[1, 2, 3].map((n) => ({ reply: { reasoning: [{ text: `thinking ${n}` }], toolCalls: [{ id: `call_e${n}`, name: 'add', args: { a: n, b: 1 } }] } })),
        { reply: { reasoning: [{ text: 'thinking 4' }], text: 'done adding' } },
      ]);
      const result = await createRuntime({ model: options.create(s, { retry: FAST, reasoning: true }), tools: [add] }).run('add things');
      expect(result).toMatchObject({ stopReason: 'final_answer', output: 'done adding', steps: 4, toolCalls: 3 });
      expect(rejections(s)).toEqual([]);
      expect(visible(s)).toHaveLength(4);
    });
  }
}

