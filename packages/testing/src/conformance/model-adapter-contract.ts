import { AgentrtError, defineTool, type Message, type ModelRequest, type ModelStreamEvent } from '@agentrt/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { LoopbackServer, LoopbackStep, ScriptedReply } from '../loopback/loopback-server.js';
import { settlesWithin, waitFor } from '../wait-for.js';
import type { ModelAdapterSuiteOptions } from './model-adapter.js';

const FAST = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
const add = defineTool({ name: 'add', description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const user = (content: string): Message => ({ role: 'user', content });
const request = (messages: Message[], signal = new AbortController().signal): ModelRequest => ({ messages, tools: [add.spec], signal });
const drain = async (events: AsyncIterable<ModelStreamEvent>) => {
  const out: ModelStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
};
const finalOf = (events: ModelStreamEvent[]) => {
  const last = events.at(-1);
  if (last?.type !== 'response') throw new Error(`the stream ended with ${last?.type ?? 'nothing'}, not a response event`);
  return last.response;
};
const failure = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
};
const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
};
/** The credential the adapter sent (`Authorization: Bearer …`, `x-api-key`, `api-key`), if any. */
const credentialOf = (s: LoopbackServer): string | undefined => {
  const headers = s.requests[0]?.headers ?? {};
  const raw = [headers.authorization, headers['x-api-key'], headers['api-key']].flat().find((value): value is string => typeof value === 'string' && value !== '');
  const token = raw?.replace(/^(?:Bearer|Basic)\s+/i, '').trim();
  return token && token.length >= 8 ? token : undefined;
};
/** Every argument given to console output and stream writes while `body` runs. */
async function printedDuring(body: () => Promise<void>): Promise<string> {
  const seen: unknown[] = [];
  const spies = [
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) => vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void seen.push(...args))),
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (seen.push(chunk), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (seen.push(chunk), true)),
  ];
  try {
    await body();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return seen.map((item) => (item instanceof Error ? `${item.message} ${item.stack}` : typeof item === 'string' ? item : Buffer.isBuffer(item) ? item.toString() : JSON.stringify(item) ?? String(item))).join('\n');
}

/** How long an aborted call may take to settle before the case fails (the checks below want it under 5 s). */
export const ABORT_SETTLE_MS = 6_000;

/**
 * The adapter contract beyond the transport (part of `describeModelAdapter`): the stream honours
 * the caller's abort; the request is never changed; the tools reach the wire; streamed answers
 * carry usage and finish reason as generated ones do; `length` is reported; parallel tool calls
 * keep the provider's ids, distinct and in order; no error carries the credential; nothing the
 * provider sends is printed. Each case was missing when an adapter with that one fault passed the
 * suite (mutants 15g).
 */
export function describeModelAdapterContract(options: ModelAdapterSuiteOptions, start: (steps: LoopbackStep[]) => Promise<LoopbackServer>): void {
  describe('adapter contract', () => {
    it('honours the caller abort signal in a stream, before and after output, without retrying', async () => {
      const s = await start([{ hang: true }]);
      const adapter = options.create(s, { timeoutMs: 30_000, retry: FAST });
      if (!adapter.stream) return;
      const before = new AbortController();
      const pending = drain(adapter.stream(request([user('hi')], before.signal)));
      pending.catch(() => undefined);
      await waitFor(() => s.requests.length === 1, { message: 'the request reached the provider' });
      let started = Date.now();
      before.abort(new Error('caller gave up'));
      // Bounded: an adapter that ignores the abort fails here, not at the test runner's timeout.
      await expect(settlesWithin(pending, ABORT_SETTLE_MS, 'the aborted stream')).rejects.toThrow('caller gave up');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(s.requests).toHaveLength(1);
      // After output: the provider sent some text, then nothing.
      const text = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
      const frames = s.wire.renderStream({ text }, s.requests[0]!.body);
      // Half the frames: well inside the text (the wires send it in pieces of a few characters).
      s.push({ reply: { text }, stallAfter: Math.floor(frames.length / 2) }, { reply: { text: 'no' } });
      const after = new AbortController();
      const seen: ModelStreamEvent[] = [];
      const streaming = (async () => {
        for await (const event of adapter.stream!(request([user('hi')], after.signal))) seen.push(event);
      })();
      streaming.catch(() => undefined);
      await waitFor(() => seen.some((event) => event.type === 'text_delta'), { message: 'a text delta arrived', timeoutMs: 10_000 });
      started = Date.now();
      after.abort(new Error('caller gave up mid-stream'));
      await expect(settlesWithin(streaming, ABORT_SETTLE_MS, 'the stream aborted mid-answer')).rejects.toThrow('caller gave up mid-stream');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(s.requests).toHaveLength(2);
    });

    it('leaves the request unchanged: a deeply frozen transcript and tool list work, generate and stream', async () => {
      const s = await start([{ reply: { text: 'fine' } }, { reply: { text: 'fine again' } }]);
      const adapter = options.create(s, { retry: FAST });
      const messages: Message[] = [
        { role: 'system', content: 'be brief' },
        user('add 1 and 2'),
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_frozen', name: 'add', args: { a: 1, b: 2 } }] },
        { role: 'tool', toolCallId: 'call_frozen', name: 'add', content: '3' },
        user('and then?'),
      ];
      const snapshot = structuredClone(messages);
      const frozen = deepFreeze(structuredClone(messages));
      const tools = deepFreeze([structuredClone(add.spec)]);
      expect((await adapter.generate({ messages: frozen, tools, signal: new AbortController().signal })).message.content).toBe('fine');
      if (adapter.stream) expect(finalOf(await drain(adapter.stream({ messages: frozen, tools, signal: new AbortController().signal }))).message.content).toBe('fine again');
      expect(frozen).toEqual(snapshot);
      // And an unfrozen one is not changed either.
      s.push({ reply: { text: 'third' } });
      await adapter.generate(request(messages));
      expect(messages).toEqual(snapshot);
      expect(s.requests.filter((r) => r.rejected)).toEqual([]);
    });

    it('asks the provider on every call: the same request twice gets two answers, as objects of their own', async () => {
      const s = await start([{ reply: { text: 'first answer' } }, { reply: { text: 'second answer' } }, { reply: { text: 'third answer' } }, { reply: { text: 'fourth answer' } }]);
      const adapter = options.create(s, { retry: FAST });
      const same = request([user('say something')]);
      const first = await adapter.generate(same);
      const second = await adapter.generate(same);
      expect([first.message.content, second.message.content]).toEqual(['first answer', 'second answer']);
      expect(second).not.toBe(first);
      expect(second.message).not.toBe(first.message);
      if (adapter.stream) {
        const streamed = [finalOf(await drain(adapter.stream(same))), finalOf(await drain(adapter.stream(same)))];
        expect(streamed.map((r) => r.message.content)).toEqual(['third answer', 'fourth answer']);
      }
      expect(s.requests).toHaveLength(adapter.stream ? 4 : 2);
    });

    it('sends the request\'s tools on the wire (generate and stream)', async () => {
      const s = await start([{ reply: { text: 'a' } }, { reply: { text: 'b' } }]);
      const adapter = options.create(s, { retry: FAST });
      await adapter.generate(request([user('hi')]));
      expect(JSON.stringify(s.requests[0]!.body)).toContain('Adds two numbers');
      if (adapter.stream) {
        await drain(adapter.stream(request([user('hi')])));
        expect(JSON.stringify(s.requests[1]!.body)).toContain('Adds two numbers');
      }
    });

    it('a streamed answer reports usage and finish reason as a generated one does (text, tool calls, length)', async () => {
      const replies: [ScriptedReply, string][] = [
        [{ text: 'streamed with usage', usage: { inputTokens: 13, outputTokens: 5 } }, 'stop'],
        [{ toolCalls: [{ id: 'call_su', name: 'add', args: { a: 1, b: 2 } }], usage: { inputTokens: 17, outputTokens: 9 } }, 'tool_calls'],
        [{ text: 'cut short by the', finishReason: 'length', usage: { inputTokens: 11, outputTokens: 4 } }, 'length'],
      ];
      const s = await start(replies.flatMap(([reply]) => [{ reply }, { reply }]));
      const adapter = options.create(s, { retry: FAST });
      for (const [reply, finishReason] of replies) {
        const generated = await adapter.generate(request([user('go')]));
        expect(generated, JSON.stringify(reply)).toMatchObject({ usage: reply.usage, finishReason });
        if (!adapter.stream) continue;
        const streamed = finalOf(await drain(adapter.stream(request([user('go')]))));
        expect(streamed, JSON.stringify(reply)).toMatchObject({ usage: reply.usage, finishReason });
        expect(streamed.message.content).toBe(generated.message.content);
        expect(streamed.message.toolCalls?.map(({ name, args }) => ({ name, args }))).toEqual(generated.message.toolCalls?.map(({ name, args }) => ({ name, args })));
      }
    });

    it('parallel tool calls keep the provider\'s ids, distinct and in order (generate and stream)', async () => {
      const reply: ScriptedReply = { toolCalls: [{ id: 'call_par_one', name: 'add', args: { a: 1, b: 2 } }, { id: 'call_par_two', name: 'add', args: { a: 3, b: 4 } }] };
      const s = await start([{ reply }, { reply }]);
      const adapter = options.create(s, { retry: FAST });
      const responses = [await adapter.generate(request([user('add twice')]))];
      if (adapter.stream) responses.push(finalOf(await drain(adapter.stream(request([user('add twice')])))));
      // A wire without ids (Ollama's) leaves them to the runtime: empty, or distinct.
      const carriesIds = JSON.stringify(s.wire.render(reply, s.requests[0]!.body)).includes('call_par_one');
      for (const response of responses) {
        const calls = response.message.toolCalls ?? [];
        expect(calls.map(({ name, args }) => ({ name, args }))).toEqual([{ name: 'add', args: { a: 1, b: 2 } }, { name: 'add', args: { a: 3, b: 4 } }]);
        expect(response.finishReason).toBe('tool_calls');
        const ids = calls.map((call) => call.id);
        if (carriesIds) expect(ids).toEqual(['call_par_one', 'call_par_two']);
        else if (ids.some((id) => id !== '')) expect(new Set(ids).size).toBe(ids.length);
      }
    });

    it('no error carries the credential the adapter sent, and nothing the provider sends is printed', async () => {
      const canary = 'CANARY-server-text-7f3a';
      const s = await start([
        { status: 401, message: `invalid key ${canary}` },
        { status: 400, message: `bad request ${canary}` },
        ...Array.from({ length: 3 }, () => ({ status: 500, message: `internal ${canary}` })),
        ...Array.from({ length: 3 }, () => ({ status: 429, headers: { 'retry-after-ms': '1' }, message: `slow down ${canary}` })),
        { reply: { text: `an answer ${canary}` } },
      ]);
      const adapter = options.create(s, { retry: FAST });
      const errors: unknown[] = [];
      const printed = await printedDuring(async () => {
        for (let i = 0; i < 4; i++) errors.push(await failure(adapter.generate(request([user('hi')]))));
        await adapter.generate(request([user('hi')]));
      });
      expect(s.requests).toHaveLength(9);
      const credential = credentialOf(s);
      for (const error of errors) {
        expect(AgentrtError.isInstance(error), String(error)).toBe(true);
        const typed = error as AgentrtError;
        const shown = `${typed.message} ${JSON.stringify(typed.details ?? {})}`;
        if (credential) expect(shown, typed.code).not.toContain(credential);
      }
      expect(printed).not.toContain(canary);
      if (credential) expect(printed).not.toContain(credential);
    });
  });
}
