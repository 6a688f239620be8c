import { AgentrtError, createRuntime, DEFAULT_MAX_RESPONSE_BYTES, defineTool, MemoryStore, type Message, type ModelStreamEvent, type RetryPolicy, type RunResult } from '@agentrt/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { endlessBody } from '../loopback/endless-body.js';
import type { LoopbackServer, LoopbackStep, RecordedRequest } from '../loopback/loopback-server.js';
import type { ModelAdapterSuiteOptions } from './model-adapter.js';

const MiB = 1024 * 1024;
const FAST: RetryPolicy = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
/** A text the wires send as one delta (their pieces are 8 characters), found again in the rendered frames. */
const TEXT_MARK = 'ZqZqZqZq';
/** Tool arguments whose middle piece (the wires cut arguments into 12-character pieces) is all mark. */
const ARGS_MARK = 'Zq'.repeat(6);
const ARGS = 'Zq'.repeat(12);
/** A delta of 4 KiB: the wire cost per byte stays low (a few thousand events per bound), the output grows as fast as the body. */
const BIG_PIECE = 'Zq'.repeat(2048);
const add = defineTool({ name: 'add', description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const user = (content: string): Message => ({ role: 'user', content });
const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as AgentrtError;
  }
  throw new Error('expected the call to fail');
};
const memoryNow = () => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
};
async function streamedRun(stream: AsyncIterable<{ type: string }>): Promise<{ result: RunResult; deltas: number }> {
  let result: RunResult | undefined;
  let deltas = 0;
  for await (const event of stream) {
    if (event.type === 'model_delta') deltas++;
    if (event.type === 'run_finished') result = (event as unknown as { result: RunResult }).result;
  }
  return { result: result!, deltas };
}

/**
 * The frames of a streamed answer in the provider's own wire format, as the strict server renders
 * it for `request`: the frames before the first one carrying `mark`, and that frame.
 */
function streamParts(server: LoopbackServer, request: RecordedRequest, reply: Parameters<LoopbackServer['wire']['renderStream']>[0], mark: string) {
  const frames = server.wire.renderStream(reply, request.body);
  const at = frames.findIndex((frame) => frame.includes(mark));
  if (at < 0) throw new Error(`the ${server.wire.name} wire rendered no frame with ${mark}`);
  // The same frame with a 4 KiB piece in place of the mark (a delta may be any length).
  return { head: frames.slice(0, at).join(''), frame: frames[at]!, large: frames[at]!.replace(mark, BIG_PIECE) };
}

/**
 * Hostile-provider bounds every adapter must keep (part of `describeModelAdapter`): an answer
 * without end — a stream of deltas that never stops, a stream line that never ends, a JSON body
 * without end, a `Content-Length` over the bound — fails the call with `model_unavailable`
 * (`details.maxResponseBytes`) and bounded memory; a `Retry-After` that cannot fit the run's
 * deadline fails the run at once with `model_rate_limited`, not `timeout`.
 */
export function describeModelAdapterLimits(options: ModelAdapterSuiteOptions, start: (steps: LoopbackStep[]) => Promise<LoopbackServer>): void {
  describe('response size and deadline bounds', () => {
    it('a stream of text deltas that never ends fails the run with model_unavailable at maxResponseBytes; memory stays bounded', { timeout: 60_000 }, async () => {
      let endless: ReturnType<typeof endlessBody> | undefined;
      const s = await start([{
        respond: (request) => {
          const { head, large } = streamParts(s, request, { text: TEXT_MARK }, TEXT_MARK);
          endless = endlessBody({ head, frame: () => large });
          return { raw: { body: endless.body } };
        },
      }]);
      const baseline = memoryNow();
      const runtime = createRuntime({ model: options.create(s, { retry: FAST, maxResponseBytes: 8 * MiB }), store: new MemoryStore() });
      const { result, deltas } = await streamedRun(runtime.stream('hi'));
      expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_unavailable' } });
      expect(deltas).toBeGreaterThan(0);
      await endless!.stopped;
      // The provider would have gone on for ever: the bound cut it, and the connection was closed.
      expect(endless!.sent).toBeGreaterThan(8 * MiB);
      expect(endless!.sent).toBeLessThan(8 * MiB + 16 * MiB);
      // What the client held meanwhile: the answer so far and the buffers in flight (a generous bound).
      expect(endless!.peakMemory - baseline).toBeLessThan(64 * MiB);
      // Output was visible: never retried.
      expect(s.requests).toHaveLength(1);
    });

    it('a tool-call argument delta that never ends fails the stream with model_unavailable at maxResponseBytes, never retried', { timeout: 60_000 }, async () => {
      let endless: ReturnType<typeof endlessBody> | undefined;
      const s = await start([{
        respond: (request) => {
          const { head, large } = streamParts(s, request, { toolCalls: [{ id: 'call_1', name: 'add', args: { a: ARGS } }] }, ARGS_MARK);
          endless = endlessBody({ head, frame: () => large });
          return { raw: { body: endless.body } };
        },
      }]);
      const adapter = options.create(s, { retry: FAST, maxResponseBytes: 2 * MiB });
      const seen: ModelStreamEvent[] = [];
      const error = await failure((async () => {
        for await (const event of adapter.stream!({ messages: [user('add')], tools: [add.spec], signal: new AbortController().signal })) seen.push(event);
      })());
      expect(error).toMatchObject({ code: 'model_unavailable', details: { maxResponseBytes: 2 * MiB, afterVisibleOutput: true } });
      expect(seen.some((event) => event.type === 'tool_call_delta')).toBe(true);
      expect(seen.some((event) => event.type === 'response')).toBe(false);
      await endless!.stopped;
      expect(endless!.sent).toBeLessThan(2 * MiB + 16 * MiB);
      expect(s.requests).toHaveLength(1);
    });

    it('a stream line that never ends (no line break) fails with model_unavailable before the total bound, retried as unreadable', { timeout: 60_000 }, async () => {
      const sent: ReturnType<typeof endlessBody>[] = [];
      const line: LoopbackStep = {
        respond: (request) => {
          const { head, frame } = streamParts(s, request, { text: TEXT_MARK }, TEXT_MARK);
          const endless = endlessBody({ head: head + frame.slice(0, frame.indexOf(TEXT_MARK)), frame: () => TEXT_MARK.repeat(512) });
          sent.push(endless);
          return { raw: { body: endless.body } };
        },
      };
      const s = await start([line, line, line]);
      const adapter = options.create(s, { retry: FAST, maxResponseBytes: MiB });
      const error = await failure((async () => {
        for await (const _ of adapter.stream!({ messages: [user('hi')], tools: [], signal: new AbortController().signal })) { /* drained */ }
      })());
      expect(error).toMatchObject({ code: 'model_unavailable', retryable: true, details: { maxResponseBytes: MiB } });
      // Nothing visible came out: retried within the policy, each attempt cut off.
      expect(s.requests).toHaveLength(3);
      for (const endless of sent) await endless.stopped;
      for (const endless of sent) expect(endless.sent).toBeLessThan(MiB + 16 * MiB);
    });

    it('a JSON answer without end (generate) fails with model_unavailable at the default maxResponseBytes', { timeout: 60_000 }, async () => {
      const sent: ReturnType<typeof endlessBody>[] = [];
      const huge: LoopbackStep = {
        respond: (request) => {
          const json = JSON.stringify(s.wire.render({ text: TEXT_MARK }, request.body));
          const endless = endlessBody({ head: json.slice(0, json.indexOf(TEXT_MARK)), frame: () => BIG_PIECE });
          sent.push(endless);
          return { raw: { headers: { 'content-type': 'application/json' }, body: endless.body } };
        },
      };
      const s = await start([huge]);
      const error = await failure(options.create(s, { retry: { ...FAST, maxAttempts: 1 } }).generate({ messages: [user('hi')], tools: [], signal: new AbortController().signal }));
      expect(error).toMatchObject({ code: 'model_unavailable', retryable: true, details: { maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES } });
      expect(s.requests).toHaveLength(1);
      for (const endless of sent) await endless.stopped;
      for (const endless of sent) {
        expect(endless.sent).toBeGreaterThan(DEFAULT_MAX_RESPONSE_BYTES);
        expect(endless.sent).toBeLessThan(DEFAULT_MAX_RESPONSE_BYTES + 16 * MiB);
      }
    });

    it('a Content-Length over maxResponseBytes fails at once, without waiting for the body (not model_timeout)', { timeout: 60_000 }, async () => {
      const claim: LoopbackStep = {
        respond: (request) => {
          const json = JSON.stringify(s.wire.render({ text: TEXT_MARK }, request.body));
          // Claims 64 MiB (over the bound), sends a few bytes, then nothing: the client must not wait for the rest.
          return { raw: { headers: { 'content-type': 'application/json', 'content-length': String(64 * MiB) }, body: json.slice(0, 10), then: 'stall' } };
        },
      };
      const s = await start([claim, claim, claim]);
      const error = await failure(options.create(s, { retry: FAST, timeoutMs: 30_000, maxResponseBytes: MiB }).generate({ messages: [user('hi')], tools: [], signal: new AbortController().signal }));
      expect(error).toMatchObject({ code: 'model_unavailable', details: { maxResponseBytes: MiB } });
      expect(s.requests).toHaveLength(3);
    });

    it('a Retry-After that cannot fit the run\'s time limit fails the run at once with model_rate_limited, not timeout (generate and stream)', { timeout: 60_000 }, async () => {
      for (const stream of [false, true]) {
        const s = await start([{ status: 429, headers: { 'retry-after': '600' }, message: 'rate limited' }, { reply: { text: 'too late' } }]);
        const store = new MemoryStore();
        // maxRetryAfterMs allows the 600 s wait; the run's 20 s limit does not.
        const runtime = createRuntime({ model: options.create(s, { retry: { ...FAST, maxRetryAfterMs: 3_600_000 } }), store, limits: { timeoutMs: 20_000 } });
        const result = stream ? (await streamedRun(runtime.stream('hi'))).result : await runtime.run('hi');
        expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_rate_limited', retryable: true } });
        expect(s.requests).toHaveLength(1);
        const events = await runtime.events(result.runId);
        expect(events.filter((event) => event.type === 'model_retry')).toHaveLength(0);
        await s.close();
      }
    });

    it('hostile Retry-After values under a run deadline: huge or far-dated ones fail at once, invalid ones fall back to backoff', { timeout: 60_000 }, async () => {
      const cases: [Record<string, string>, 'fail' | 'retry'][] = [
        [{ 'retry-after': '9'.repeat(400) }, 'fail'], // Infinity seconds
        [{ 'retry-after': 'Fri, 01 Jan 2100 00:00:00 GMT' }, 'fail'],
        [{ 'retry-after-ms': '86400000' }, 'fail'],
        [{ 'retry-after': '-600' }, 'retry'],
        [{ 'retry-after': 'NaN' }, 'retry'],
        [{ 'retry-after-ms': '-1' }, 'retry'],
      ];
      for (const [headers, expected] of cases) {
        const s = await start([{ status: 429, headers, message: 'rate limited' }, { reply: { text: 'ok' } }]);
        const runtime = createRuntime({ model: options.create(s, { retry: { ...FAST, maxRetryAfterMs: 3_600_000 } }), limits: { timeoutMs: 20_000 } });
        const result = await runtime.run('hi');
        if (expected === 'fail') {
          expect(result, JSON.stringify(headers)).toMatchObject({ status: 'failed', error: { code: 'model_rate_limited', retryable: true } });
          expect(s.requests).toHaveLength(1);
        } else {
          expect(result, JSON.stringify(headers)).toMatchObject({ status: 'completed', output: 'ok' });
          expect(s.requests).toHaveLength(2);
        }
        await s.close();
      }
    });

    it('a finalize call answered with a Retry-After past its grace fails at once: finalize_failed with model_rate_limited', { timeout: 60_000 }, async () => {
      const s = await start([
        { reply: { toolCalls: [{ id: 'call_1', name: 'add', args: { a: 1, b: 2 } }] } },
        { status: 429, headers: { 'retry-after': '600' }, message: 'rate limited' },
      ]);
      const runtime = createRuntime({
        model: options.create(s, { retry: { ...FAST, maxRetryAfterMs: 3_600_000 } }),
        tools: [add],
        limits: { maxSteps: 1, timeoutMs: 120_000, finalize: { graceMs: 20_000 } },
      });
      const result = await runtime.run('add');
      expect(result).toMatchObject({ stopReason: 'max_steps' });
      expect(s.requests).toHaveLength(2);
      const events = await runtime.events(result.runId);
      expect(events.find((event) => event.type === 'finalize_failed')).toMatchObject({ code: 'model_rate_limited' });
    });
  });
}
