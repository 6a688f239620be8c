// Red team 13a: AnthropicModel over the official SDK against a strict loopback server — streams
// that go on after message_stop, stream errors, usage, stop reasons, server text on the console,
// and the positive path (a full run with a tool, streamed and not).
import { createRuntime, defineTool, MemoryStore, type ModelRequest, type ModelStreamEvent, type RunEvent, type RunResult } from '@agentrt/core';
import { AnthropicModel, type AnthropicModelOptions } from '@agentrt/model-anthropic';
import { startAnthropicServer, waitFor, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

const ev = (type: string, data: Record<string, unknown> = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const start = (usage: Record<string, unknown> = { input_tokens: 10, output_tokens: 1 }) =>
  ev('message_start', { message: { id: 'msg_13a', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage } });
const textBlock = (text: string, index = 0) => [
  ev('content_block_start', { index, content_block: { type: 'text', text: '' } }),
  ev('content_block_delta', { index, delta: { type: 'text_delta', text } }),
  ev('content_block_stop', { index }),
];
const end = (reason = 'end_turn', usage: Record<string, unknown> = { output_tokens: 5 }) => [ev('message_delta', { delta: { stop_reason: reason, stop_sequence: null }, usage }), ev('message_stop')];
const json = (body: unknown): LoopbackStep => ({ raw: { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } });

const model = (server: LoopbackServer, options: Partial<AnthropicModelOptions> = {}) =>
  new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test-loopback', baseURL: server.url, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options });
const request = (extra: Partial<ModelRequest> = {}): ModelRequest => ({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal, ...extra });
async function streamed(adapter: AnthropicModel, req = request()) {
  const events: ModelStreamEvent[] = [];
  for await (const event of adapter.stream(req)) events.push(event);
  const last = events.at(-1);
  if (last?.type !== 'response') throw new Error('no response event');
  return { response: last.response, events };
}

/** An endless body after a complete answer; `closed` resolves when the client closed the connection. */
function endlessAfterStop(tail: string) {
  let close!: () => void;
  const closed = new Promise<void>((resolve) => (close = resolve));
  function* body() {
    try {
      yield start();
      yield* textBlock('hello');
      yield* end();
      for (;;) yield tail;
    } finally {
      close();
    }
  }
  return { body: body(), closed };
}

describe('AnthropicModel: a stream ends at message_stop', () => {
  it('keep-alive comments after message_stop: the answer comes at once and the connection is closed', { timeout: 15_000 }, async () => {
    const { body, closed } = endlessAfterStop(': keep-alive\n\n');
    await using server = await startAnthropicServer([{ raw: { body } }]);
    // Without the fix the SDK reads on until the idle timeout (60 s here) aborts the request.
    const { response } = await streamed(model(server, { timeoutMs: 60_000 }));
    expect(response).toMatchObject({ message: { content: 'hello' }, finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5 } });
    await closed;
  });

  it('ping events after message_stop never push a finished answer past maxResponseBytes', async () => {
    const { body, closed } = endlessAfterStop(ev('ping'));
    await using server = await startAnthropicServer([{ raw: { body } }]);
    const { response } = await streamed(model(server, { maxResponseBytes: 64 * 1024, retry: { maxAttempts: 1 } }));
    expect(response.message.content).toBe('hello');
    await closed;
    expect(server.requests).toHaveLength(1);
  });

  it('a server that stays silent and open after message_stop does not hold the answer until the idle timeout', { timeout: 15_000 }, async () => {
    await using server = await startAnthropicServer([{ raw: { body: [start(), ...textBlock('hello'), ...end()], then: 'stall' } }]);
    const { response } = await streamed(model(server, { timeoutMs: 60_000 }));
    expect(response.message.content).toBe('hello');
  });
});

describe('AnthropicModel: server text never reaches the console', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
  });

  it('a stream line that is not JSON (terminal escapes, any size) is not written to the console', async () => {
    // The SDK takes the console when a client is built and caches its bound methods per console
    // object: a fresh one, in place while the model is built, records what the SDK would print.
    vi.stubEnv('ANTHROPIC_LOG', ''); // the SDK's logs are only on when the user asks for them
    const printed: unknown[][] = [];
    const record = (...args: unknown[]) => void printed.push(args);
    vi.stubGlobal('console', { ...console, log: record, info: record, warn: record, error: record, debug: record });
    const hostile = `event: content_block_delta\ndata: {not json \u001b[2J\u001b[31mOWNED ${'A'.repeat(10_000)}\n\n`;
    await using server = await startAnthropicServer([{ raw: { body: [start(), hostile] } }, { reply: { text: 'ok' } }]);
    const adapter = model(server);
    vi.unstubAllGlobals();
    const { response } = await streamed(adapter);
    expect(response.message.content).toBe('ok'); // unreadable before output: retried
    expect(server.requests).toHaveLength(2);
    expect(printed).toEqual([]);
  });
});

describe('AnthropicModel: errors', () => {
  it('a 200 whose body is the API error object keeps its message, and is retried', async () => {
    const error = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    await using server = await startAnthropicServer([json(error), json(error)]);
    await expect(model(server, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } }).generate(request()))
      .rejects.toMatchObject({ code: 'model_unavailable', retryable: true, message: expect.stringContaining('it is an error: Overloaded') });
    expect(server.requests).toHaveLength(2);
  });

  it('an error event in the stream is classified by its type: rate_limit_error is model_rate_limited, invalid_request_error is not retried', async () => {
    const limited = { raw: { body: [start(), ev('error', { error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } })] } };
    await using server = await startAnthropicServer([limited]);
    await expect(streamed(model(server, { retry: { maxAttempts: 1 } }))).rejects.toMatchObject({ code: 'model_rate_limited', retryable: true });
    const invalid = { raw: { body: [start(), ev('error', { error: { type: 'invalid_request_error', message: 'prompt is too long' } })] } };
    await using bad = await startAnthropicServer([invalid, { reply: { text: 'never' } }]);
    await expect(streamed(model(bad))).rejects.toMatchObject({ code: 'context_overflow' });
    expect(bad.requests).toHaveLength(1);
  });

  it('overloaded_error before any output is retried; after visible output it is not', async () => {
    const overloaded = ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
    await using before = await startAnthropicServer([{ raw: { body: [start(), overloaded] } }, { reply: { text: 'ok' } }]);
    expect((await streamed(model(before))).response.message.content).toBe('ok');
    expect(before.requests).toHaveLength(2);
    await using after = await startAnthropicServer([{ raw: { body: [start(), ...textBlock('partial'), overloaded] } }, { reply: { text: 'ok' } }]);
    await expect(streamed(model(after))).rejects.toMatchObject({ code: 'model_unavailable', details: { afterVisibleOutput: true } });
    expect(after.requests).toHaveLength(1);
  });
});

describe('AnthropicModel: usage and stop reasons', () => {
  const cached = { input_tokens: 3, cache_creation_input_tokens: 100, cache_read_input_tokens: 50, output_tokens: 7 };

  it('cache writes and reads count as input tokens (input_tokens excludes them), streamed and not', async () => {
    await using server = await startAnthropicServer([
      json({ id: 'm', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', usage: cached }),
      { raw: { body: [start(cached), ...textBlock('hi'), ...end('end_turn', { output_tokens: 7 })] } },
    ]);
    expect((await model(server).generate(request())).usage).toEqual({ inputTokens: 153, outputTokens: 7 });
    expect((await streamed(model(server))).response.usage).toEqual({ inputTokens: 153, outputTokens: 7 });
  });

  it('message_delta usage is cumulative: its input counts replace message_start\'s', async () => {
    await using server = await startAnthropicServer([{ raw: { body: [start({ input_tokens: 0, output_tokens: 1 }), ...textBlock('hi'), ...end('end_turn', { input_tokens: 20, cache_read_input_tokens: 5, output_tokens: 9 })] } }]);
    expect((await streamed(model(server))).response.usage).toEqual({ inputTokens: 25, outputTokens: 9 });
  });

  it('absurd counts (1e308, fractions, negative, strings) become sane integers', async () => {
    const absurd = { input_tokens: 1e308, cache_read_input_tokens: 1e308, output_tokens: 2.7 };
    await using server = await startAnthropicServer([
      json({ id: 'm', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', usage: absurd }),
      { raw: { body: [start({ input_tokens: -4, cache_creation_input_tokens: 'x' }), ...textBlock('hi'), ...end('end_turn', { output_tokens: 2.7 })] } },
    ]);
    expect((await model(server).generate(request())).usage).toEqual({ inputTokens: Number.MAX_SAFE_INTEGER, outputTokens: 2 });
    expect((await streamed(model(server))).response.usage).toEqual({ inputTokens: 0, outputTokens: 2 });
  });

  it.each([
    ['max_tokens', 'length'], ['model_context_window_exceeded', 'length'], ['refusal', 'content_filter'], ['pause_turn', 'other'], ['stop_sequence', 'stop'], ['something_new', 'other'],
  ])('stop_reason %s is %s, streamed and not', async (reason, expected) => {
    await using server = await startAnthropicServer([
      json({ id: 'm', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'hi' }], stop_reason: reason, usage: { input_tokens: 1, output_tokens: 1 } }),
      { raw: { body: [start(), ...textBlock('hi'), ...end(reason)] } },
    ]);
    expect((await model(server).generate(request())).finishReason).toBe(expected);
    expect((await streamed(model(server))).response.finishReason).toBe(expected);
  });
});

describe('AnthropicModel: parallel tool_use blocks', () => {
  it('interleaved indexes, a delta for a block never started, broken and empty input, a __proto__ name', async () => {
    const use = (index: number, id: string, name: string) => ev('content_block_start', { index, content_block: { type: 'tool_use', id, name, input: {} } });
    const delta = (index: number, partial_json: string) => ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
    const body = [start(), use(0, 'toolu_a', 'lookup'), use(1, 'toolu_b', '__proto__'), delta(1, '{"q":'), delta(0, '{"a":'), delta(1, '2}'), delta(0, '1}'),
      delta(7, '{"ghost":1}'), use(2, 'toolu_c', 'lookup'), use(3, 'toolu_d', 'lookup'), delta(3, '{"cut'), ...end('tool_use')];
    await using server = await startAnthropicServer([{ raw: { body } }]);
    const { response, events } = await streamed(model(server));
    expect(response.message.toolCalls).toEqual([
      { id: 'toolu_a', name: 'lookup', args: { a: 1 } },
      { id: 'toolu_b', name: '__proto__', args: { q: 2 } },
      { id: 'toolu_c', name: 'lookup', args: {} },
      { id: 'toolu_d', name: 'lookup', args: '{"cut' },
    ]);
    expect(Object.getPrototypeOf(response.message.toolCalls![1]!.args)).toBe(Object.prototype);
    // The input of a block that was never started is no call: no delta shows it.
    const deltas = events.filter((event) => event.type === 'tool_call_delta');
    expect(deltas.some((event) => event.type === 'tool_call_delta' && event.index === 7)).toBe(false);
    expect(deltas.map((event) => (event.type === 'tool_call_delta' ? event.argsDelta ?? '' : '')).join('')).not.toContain('ghost');
  });
});

describe('AnthropicModel: full runs with a tool (positive path)', () => {
  const lookup = defineTool({ name: 'lookup', description: 'Looks a city up.', input: z.object({ city: z.string() }), execute: ({ city }) => `${city}: 21 °C` });
  const script: LoopbackStep[] = [
    { reply: { toolCalls: [{ id: 'toolu_1', name: 'lookup', args: { city: 'Paris' } }], usage: { inputTokens: 30, outputTokens: 8 } } },
    { reply: (body) => {
      const messages = (body as { messages: { content: unknown }[] }).messages;
      const result = JSON.stringify(messages.at(-1)?.content);
      return { text: result.includes('Paris: 21 °C') ? 'It is 21 °C in Paris.' : 'tool result missing', usage: { inputTokens: 50, outputTokens: 9 } };
    } },
  ];

  it('run (generate) ends with the answer and the summed usage', async () => {
    await using server = await startAnthropicServer(script);
    const runtime = createRuntime({ model: model(server), tools: [lookup], store: new MemoryStore() });
    const result = await runtime.run('Weather in Paris?');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'It is 21 °C in Paris.', toolCalls: 1, usage: { inputTokens: 80, outputTokens: 17 } });
    expect(server.requests.map((r) => (r.body as { stream?: boolean }).stream ?? false)).toEqual([false, false]);
  });

  it('stream ends with the answer and the summed usage', async () => {
    await using server = await startAnthropicServer(script);
    const runtime = createRuntime({ model: model(server), tools: [lookup], store: new MemoryStore() });
    let final: RunResult<unknown> | undefined;
    const deltas: string[] = [];
    for await (const event of runtime.stream('Weather in Paris?') as AsyncIterable<RunEvent>) {
      if (event.type === 'model_delta') deltas.push(event.text);
      if (event.type === 'run_finished') final = event.result;
    }
    expect(final).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'It is 21 °C in Paris.', toolCalls: 1, usage: { inputTokens: 80, outputTokens: 17 } });
    expect(deltas.join('')).toBe('It is 21 °C in Paris.');
    expect(server.requests.every((r) => (r.body as { stream?: boolean }).stream === true)).toBe(true);
  });

  it('a stream that stalls mid-body ends at the run\'s timeoutMs, not the adapter\'s idle timeout', { timeout: 15_000 }, async () => {
    await using server = await startAnthropicServer([{ raw: { body: [start(), ...textBlock('thinking about it')], then: 'stall' } }]);
    const runtime = createRuntime({ model: model(server, { timeoutMs: 60_000 }), store: new MemoryStore(), limits: { timeoutMs: 1_000 } });
    let final: RunResult<unknown> | undefined;
    for await (const event of runtime.stream('hi') as AsyncIterable<RunEvent>) if (event.type === 'run_finished') final = event.result;
    expect(final).toMatchObject({ status: 'stopped', stopReason: 'timeout' });
    await waitFor(() => server.requests.length === 1);
  });
});
