// Red team 12d: an outsider's attack on OpenAIModel through the official `openai` SDK against the
// strict loopback server (requests validated as the API does; hostile answers written as raw bytes).
import { createRuntime, defineTool, MemoryStore, type RunResult } from '@agentrt/core';
import { OpenAIModel } from '@agentrt/model-openai';
import { assertRunInvariants, endlessBody, startOpenAIServer, waitFor, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const model = (server: LoopbackServer, options: { timeoutMs?: number; maxResponseBytes?: number } = {}) =>
  new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options });
const request = () => ({ messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal });
const chunk = (choice: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: choice ? [{ index: 0, finish_reason: null, ...choice }] : [], ...extra })}\n\n`;
const answer = (text: string) => [
  chunk({ delta: { role: 'assistant', content: text } }),
  chunk({ delta: {}, finish_reason: 'stop' }),
  chunk(undefined, { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }),
];

async function streamed(m: OpenAIModel) {
  let response: unknown;
  for await (const event of m.stream!(request())) if (event.type === 'response') response = event.response;
  return response as { message: { content: string; toolCalls?: { id: string; name: string; args: unknown }[] }; usage: unknown; finishReason: string };
}

/** A body that sends `frames`, then `after()` every 10 ms until the client closes the connection (`closed()` tells). */
function thenKeepsOpen(frames: string[], after: () => string) {
  let ended = false;
  async function* body() {
    try {
      yield* frames;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        yield after();
      }
    } finally {
      ended = true;
    }
  }
  return { step: { raw: { body: body() } } satisfies LoopbackStep, closed: () => ended };
}

describe('OpenAIModel: a stream that goes on after [DONE] (red team 12d)', () => {
  it.each([
    ['a keep-alive comment', () => ': keep-alive\n\n'],
    ['more chunks, ignored', () => chunk({ delta: { content: ' EXTRA' } })],
  ])('[DONE], then the connection stays open with %s: the answer comes at once and the connection is closed', async (_what, after) => {
    const { step, closed } = thenKeepsOpen([...answer('four'), 'data: [DONE]\n\n'], after);
    await using server = await startOpenAIServer([step]);
    const started = Date.now();
    // Before: the SDK read on after [DONE] until the idle timeout (here 20 s, 60 s by default).
    const response = await streamed(model(server, { timeoutMs: 20_000 }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(response).toMatchObject({ message: { content: 'four' }, usage: { inputTokens: 3, outputTokens: 4 }, finishReason: 'stop' });
    await waitFor(closed, { message: 'the connection was closed after [DONE]', timeoutMs: 5_000 });
  });

  it.each([
    ['CRLF line breaks, split at every byte', (frames: string[]) => frames.map((f) => f.replaceAll('\n', '\r\n')), 1],
    ['lone CR line breaks, split at every byte', (frames: string[]) => frames.map((f) => f.replaceAll('\n', '\r')), 1],
    ['"data:[DONE]" without a space, one write', (frames: string[]) => frames.map((f) => f.replace('data: [DONE]', 'data:[DONE]')), undefined],
  ])('[DONE] written with %s, then an endless body: the answer, not a response over maxResponseBytes', async (_what, shape, splitBytes) => {
    const frames = shape([...answer('hé😀llo'), 'data: [DONE]\n\n']);
    const endless = endlessBody({ head: frames.join(''), frame: (i) => chunk({ delta: { content: `junk ${i}` } }) });
    await using server = await startOpenAIServer([{ raw: { body: endless.body, ...(splitBytes ? { splitBytes } : {}) } }]);
    // Before: the SDK read the junk until the bound, and the stream failed after its output (model_unavailable).
    const response = await streamed(model(server, { maxResponseBytes: 256 * 1024 }));
    expect(response).toMatchObject({ message: { content: 'hé😀llo' }, usage: { inputTokens: 3, outputTokens: 4 }, finishReason: 'stop' });
    await endless.stopped;
    expect(server.requests).toHaveLength(1);
  });

  it('"[DONE]" inside a chunk\'s text or in a comment line does not end the stream', async () => {
    await using server = await startOpenAIServer([{
      raw: {
        splitBytes: 3,
        body: [
          chunk({ delta: { role: 'assistant', content: 'data: [DONE]\n\n' } }),
          ': data: [DONE]\n\n',
          ...answer(' and more'),
          'data: [DONE]\n\n',
        ],
      },
    }]);
    expect((await streamed(model(server))).message.content).toBe('data: [DONE]\n\n and more');
  });
});

describe('OpenAIModel: parallel tool calls streamed at one index (red team 12d)', () => {
  const indexZero = (calls: { id: string; name: string; args: string }[]) => [
    ...calls.map((call) => chunk({ delta: { tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }] } })),
    chunk({ delta: {}, finish_reason: 'tool_calls' }),
    'data: [DONE]\n\n',
  ];

  it('each new id at index 0 is a call of its own (gateways in front of Gemini and others); fragments without id continue the latest', async () => {
    await using server = await startOpenAIServer([{
      raw: {
        body: [
          ...indexZero([{ id: 'call_a', name: 'lookup', args: '{"q":1}' }, { id: 'call_b', name: 'weather', args: '{"city":' }]).slice(0, 2),
          chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] } }),
          chunk({ delta: { tool_calls: [{ index: 1, id: 'call_c', type: 'function', function: { name: 'lookup', arguments: '{"q":3}' } }] } }),
          chunk({ delta: {}, finish_reason: 'tool_calls' }),
          'data: [DONE]\n\n',
        ],
      },
    }]);
    // Before: one call named "lookupweather" with arguments `{"q":1}{"city":"Oslo"}`, id call_b.
    expect((await streamed(model(server))).message.toolCalls).toEqual([
      { id: 'call_a', name: 'lookup', args: { q: 1 } },
      { id: 'call_b', name: 'weather', args: { city: 'Oslo' } },
      { id: 'call_c', name: 'lookup', args: { q: 3 } },
    ]);
  });

  it('a new id without a name at a taken index continues that call (servers whose ids change from fragment to fragment)', async () => {
    await using server = await startOpenAIServer([{
      raw: {
        body: [
          chunk({ delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q"' } }] } }),
          chunk({ delta: { tool_calls: [{ index: 0, id: 'call_2', type: 'function', function: { arguments: ':1}' } }] } }),
          chunk({ delta: {}, finish_reason: 'tool_calls' }),
          'data: [DONE]\n\n',
        ],
      },
    }]);
    expect((await streamed(model(server))).message.toolCalls).toEqual([{ id: 'call_2', name: 'lookup', args: { q: 1 } }]);
  });

  it('at run level: both calls run and the strict server accepts the next request', async () => {
    await using server = await startOpenAIServer([
      { raw: { body: indexZero([{ id: 'call_a', name: 'lookup', args: '{"q":1}' }, { id: 'call_b', name: 'lookup', args: '{"q":2}' }]) } },
      { reply: { text: 'found both' } },
    ]);
    const seen: number[] = [];
    const lookup = defineTool({ name: 'lookup', description: 'look up', input: z.object({ q: z.number() }), execute: ({ q }) => (seen.push(q), `found ${q}`) });
    const store = new MemoryStore();
    let result: RunResult<unknown> | undefined;
    for await (const event of createRuntime({ model: model(server), tools: [lookup], store }).stream('go')) if (event.type === 'run_finished') result = event.result;
    expect(result).toMatchObject({ status: 'completed', output: 'found both', toolCalls: 2 });
    expect(seen).toEqual([1, 2]);
    expect(server.requests.map((r) => r.rejected)).toEqual([undefined, undefined]);
    const tools = (server.requests[1]!.body as { messages: { role: string; tool_call_id?: string; content: string }[] }).messages.filter((m) => m.role === 'tool');
    expect(tools).toEqual([{ role: 'tool', tool_call_id: 'call_a', content: 'found 1' }, { role: 'tool', tool_call_id: 'call_b', content: 'found 2' }]);
    await assertRunInvariants({ store, runId: result!.runId, result: result! });
  });
});

describe('OpenAIModel: a 200 carrying the API\'s error body (red team 12d)', () => {
  it('is model_unavailable naming the error, retried within the policy', async () => {
    const error = { raw: { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error' } }) } };
    await using server = await startOpenAIServer([error, error, error]);
    await expect(model(server).generate(request())).rejects.toMatchObject({ code: 'model_unavailable', retryable: true, message: expect.stringContaining('it is an error: The server had an error while processing your request.') });
    expect(server.requests).toHaveLength(3);
  });
});

describe('OpenAIModel: a full agent run (red team 12d positive path)', () => {
  it.each([false, true])('AgentRuntime + a tool, stream=%s: the right answer, usage summed over both steps', async (stream) => {
    await using server = await startOpenAIServer([
      { reply: { toolCalls: [{ id: 'call_1', name: 'add', args: { a: 2, b: 40 } }], usage: { inputTokens: 10, outputTokens: 5 } } },
      { reply: (body) => ({ text: `the sum is ${JSON.stringify((body as { messages: { role: string; content: string }[] }).messages.at(-1)!.content)}`, usage: { inputTokens: 20, outputTokens: 7 } }) },
    ]);
    const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
    const store = new MemoryStore();
    const runtime = createRuntime({ model: model(server), tools: [add], store });
    let result: RunResult<unknown> | undefined;
    if (stream) for await (const event of runtime.stream('2 + 40?')) { if (event.type === 'run_finished') result = event.result; }
    else result = await runtime.run('2 + 40?');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'the sum is "42"', steps: 2, toolCalls: 1, usage: { inputTokens: 30, outputTokens: 12 } });
    expect(server.requests.map((r) => [r.rejected, (r.body as { stream?: boolean }).stream ?? false])).toEqual([[undefined, stream], [undefined, stream]]);
    await assertRunInvariants({ store, runId: result!.runId, result: result! });
  });

  it('a stream that stalls mid-body (comments only): the run\'s timeout ends it promptly and the connection is closed', async () => {
    // It never sends another chunk, only SSE comments (what keeps a naive socket idle timeout from firing).
    const { step, closed } = thenKeepsOpen([chunk({ delta: { role: 'assistant', content: 'thinking about it' } })], () => ': still here\n\n');
    await using server = await startOpenAIServer([step]);
    const started = Date.now();
    const result = await createRuntime({ model: model(server, { timeoutMs: 60_000 }), store: new MemoryStore(), limits: { timeoutMs: 1_000 } }).run('hi');
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'timeout', steps: 0 });
    expect(Date.now() - started).toBeLessThan(10_000);
    await waitFor(closed, { message: 'the stalled connection was closed', timeoutMs: 5_000 });
  });
});

describe('OpenAIModel: stream lines the SDK cannot parse are never printed', () => {
  const SERVER_TEXT = '\x1b]0;PWNED\x07 server-chosen text that must not reach the console';
  it.each([
    ['a data line that is not JSON', [chunk({ delta: { role: 'assistant', content: 'hi' } }), `data: {not json ${SERVER_TEXT}\n\n`]],
    ['an Assistants "thread." event whose data is not JSON', [chunk({ delta: { role: 'assistant', content: 'hi' } }), `event: thread.message.delta\ndata: {not json ${SERVER_TEXT}\n\n`]],
  ])('%s: the call fails model_unavailable and nothing is written to the console', async (_what, frames) => {
    const printed: unknown[][] = [];
    const spies = (['error', 'warn', 'log', 'info', 'debug'] as const).map((level) => {
      const original = console[level];
      console[level] = (...args: unknown[]) => void printed.push(args);
      return () => void (console[level] = original);
    });
    const previous = process.env.OPENAI_LOG;
    process.env.OPENAI_LOG = 'debug'; // a user's debug setting must not print server text either
    try {
      await using server = await startOpenAIServer([{ raw: { body: (async function* () { yield* frames; })() } }]);
      await expect(streamed(model(server, { retry: { maxAttempts: 1 } } as never))).rejects.toMatchObject({ code: 'model_unavailable' });
    } finally {
      for (const restore of spies) restore();
      if (previous === undefined) delete process.env.OPENAI_LOG;
      else process.env.OPENAI_LOG = previous;
    }
    expect(printed.flat().map(String).join('\n')).not.toContain('server-chosen');
  });
});
