// Red team 12d: an outsider's attack on OllamaModel through the official `ollama` client against the
// strict loopback server (requests validated as Ollama does; hostile answers written as raw bytes).
import { createRuntime, defineTool, MemoryStore, type ModelStreamEvent, type RunResult } from '@agentrt/core';
import { OllamaModel } from '@agentrt/model-ollama';
import { assertRunInvariants, startOllamaServer, waitFor, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

const model = (server: LoopbackServer, options: { model?: string; timeoutMs?: number } = {}) =>
  new OllamaModel({ model: 'llama3.1', host: server.url, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options });
const request = () => ({ messages: [{ role: 'user' as const, content: 'hi' }], tools: [], signal: new AbortController().signal });
const line = (fields: Record<string, unknown>) => `${JSON.stringify({ model: 'llama3.1', created_at: '2025-01-01T00:00:00Z', ...fields })}\n`;
const done = (fields: Record<string, unknown> = {}) => line({ message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 3, eval_count: 4, ...fields });

async function streamed(m: OllamaModel) {
  const events: ModelStreamEvent[] = [];
  for await (const event of m.stream!(request())) events.push(event);
  const last = events.at(-1);
  return { events, response: last?.type === 'response' ? last.response : undefined };
}

/** A body that sends `lines`, then `after` every 10 ms until the client closes the connection (`closed()` tells). */
function thenKeepsOpen(lines: string[], after: string) {
  let ended = false;
  async function* body() {
    try {
      yield* lines;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        yield after;
      }
    } finally {
      ended = true;
    }
  }
  return { step: { raw: { body: body() } } satisfies LoopbackStep, closed: () => ended };
}

describe('OllamaModel: connections (red team 12d)', () => {
  it.each([
    ['keeps the connection open (spaces, no line)', ' '],
    ['keeps sending lines after done', line({ message: { role: 'assistant', content: 'EXTRA' }, done: false })],
  ])('a server that %s: the answer is kept and the connection is closed', async (_what, after) => {
    const { step, closed } = thenKeepsOpen([line({ message: { role: 'assistant', content: 'four' }, done: false }), done()], after);
    await using server = await startOllamaServer([step]);
    const { response } = await streamed(model(server, { timeoutMs: 20_000 }));
    expect(response).toMatchObject({ message: { content: 'four' }, usage: { inputTokens: 3, outputTokens: 4 }, finishReason: 'stop' });
    // Before: the client stopped reading at the done line and never cancelled the body: the socket stayed open.
    await waitFor(closed, { message: 'the connection was closed after the done line', timeoutMs: 5_000 });
  });

  it('a stream that stalls mid-body: the run\'s timeout ends it promptly and the connection is closed', async () => {
    const { step, closed } = thenKeepsOpen([line({ message: { role: 'assistant', content: 'thinking' }, done: false })], ' ');
    await using server = await startOllamaServer([step]);
    const started = Date.now();
    const result = await createRuntime({ model: model(server, { timeoutMs: 60_000 }), store: new MemoryStore(), limits: { timeoutMs: 1_000 } }).run('hi');
    expect(result).toMatchObject({ status: 'stopped', stopReason: 'timeout', steps: 0 });
    expect(Date.now() - started).toBeLessThan(10_000);
    await waitFor(closed, { message: 'the stalled connection was closed', timeoutMs: 5_000 });
  });

  it('a model that is not pulled (404) is model_bad_request saying so, not retried (generate and stream)', async () => {
    await using server = await startOllamaServer();
    const m = model(server, { model: 'missing-model' });
    const notPulled = { code: 'model_bad_request', status: 404, retryable: false, message: expect.stringContaining('not found, try pulling it first') };
    await expect(m.generate(request())).rejects.toMatchObject(notPulled);
    await expect(streamed(m)).rejects.toMatchObject(notPulled);
    expect(server.requests).toHaveLength(2);
  });
});

describe('OllamaModel: a 200 that is not an answer (red team 12d)', () => {
  const json = (body: unknown): LoopbackStep => ({ raw: { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } });

  it('{} and Ollama\'s error body with status 200 are model_unavailable "could not be read", retried; never an empty final answer', async () => {
    await using server = await startOllamaServer([
      json({}),
      json({ error: 'model requires more system memory (9.5 GiB) than is available (4.0 GiB)' }),
      json({ model: 'llama3.1', message: { role: 'assistant', content: 'ok' }, done: true, done_reason: 'stop', prompt_eval_count: 2, eval_count: 1 }),
    ]);
    const store = new MemoryStore();
    // Before: the run completed at once with '' as its output.
    const result = await createRuntime({ model: model(server), store }).run('hi');
    expect(result).toMatchObject({ status: 'completed', output: 'ok', usage: { inputTokens: 2, outputTokens: 1 } });
    expect(server.requests).toHaveLength(3);
    await using failing = await startOllamaServer([json({ error: 'boom' }), json({ error: 'boom' }), json({ error: 'boom' })]);
    await expect(model(failing).generate(request())).rejects.toMatchObject({ code: 'model_unavailable', retryable: true, message: expect.stringContaining('could not be read: it is an error: boom') });
    // A final answer without content is still one.
    await using empty = await startOllamaServer([json({ model: 'llama3.1', message: { role: 'assistant', content: '' }, done: true, done_reason: 'load' }), json({ done: true })]);
    expect(await model(empty).generate(request())).toMatchObject({ message: { content: '' }, finishReason: 'other' });
    expect(await model(empty).generate(request())).toMatchObject({ message: { content: '' }, finishReason: 'other' });
  });
});

describe('OllamaModel: stream lines that are not objects (red team 12d)', () => {
  it('null, numbers, arrays, HTML, broken JSON and terminal escapes between the lines: dropped silently, the answer kept, no retry', async () => {
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    try {
      await using server = await startOllamaServer([{
        raw: {
          splitBytes: 5,
          body: [
            line({ message: { role: 'assistant', content: 'fo' }, done: false }),
            'null\n', '5\n', '[1]\n', '"text"\n', '\n', '<html><body>502</body></html>\n', '{"oops\n', '\u001b[2J\u001b[31mFAKE LOG LINE\u001b[0m\r\n',
            line({ message: { role: 'assistant', content: 'ur' }, done: false }).replace('\n', '\r\n'),
            done(),
          ],
        },
      }]);
      // Before: TypeError "Cannot use 'in' operator to search for 'error' in null" after the output: the stream failed.
      const { response } = await streamed(model(server));
      expect(response).toMatchObject({ message: { content: 'four' }, usage: { inputTokens: 3, outputTokens: 4 }, finishReason: 'stop' });
      expect(server.requests).toHaveLength(1);
      expect([...warn.mock.calls, ...log.mock.calls]).toEqual([]);
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });

  it('an error line mid-stream still fails the stream with its message', async () => {
    await using server = await startOllamaServer([{ raw: { body: [line({ message: { role: 'assistant', content: 'hi' }, done: false }), '{"error":"an error was encountered while running the model: unexpected EOF"}\n'] } }]);
    await expect(streamed(model(server))).rejects.toMatchObject({ code: 'model_unavailable', message: expect.stringContaining('unexpected EOF') });
    expect(server.requests).toHaveLength(1);
  });
});

describe('OllamaModel: tool calls (red team 12d)', () => {
  it('arguments sent as JSON text (some Ollama-compatible servers): the delta carries that text, not a JSON string of it', async () => {
    await using server = await startOllamaServer([{
      raw: {
        body: [
          line({ message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'lookup', arguments: '{"q":1}' } }, { function: { name: 'lookup', arguments: { q: 2 } } }] }, done: false }),
          done(),
        ],
      },
    }]);
    const { events, response } = await streamed(model(server));
    // Before: the first delta's argsDelta was "\"{\\\"q\\\":1}\"" (the text encoded again).
    expect(events.filter((e) => e.type === 'tool_call_delta')).toEqual([
      { type: 'tool_call_delta', index: 0, name: 'lookup', argsDelta: '{"q":1}' },
      { type: 'tool_call_delta', index: 1, name: 'lookup', argsDelta: '{"q":2}' },
    ]);
    expect(response!.message.toolCalls).toEqual([{ id: '', name: 'lookup', args: '{"q":1}' }, { id: '', name: 'lookup', args: { q: 2 } }]);
  });
});

describe('OllamaModel: a full agent run (red team 12d positive path)', () => {
  it.each([false, true])('AgentRuntime + a tool, stream=%s: the right answer, usage summed, arguments sent back as an object', async (stream) => {
    await using server = await startOllamaServer([
      { reply: { toolCalls: [{ name: 'add', args: { a: 2, b: 40 } }], usage: { inputTokens: 10, outputTokens: 5 } } },
      { reply: (body) => ({ text: `the sum is ${(body as { messages: { content: string }[] }).messages.at(-1)!.content}`, usage: { inputTokens: 20, outputTokens: 7 } }) },
    ]);
    const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
    const store = new MemoryStore();
    const runtime = createRuntime({ model: model(server), tools: [add], store });
    let result: RunResult<unknown> | undefined;
    if (stream) for await (const event of runtime.stream('2 + 40?')) { if (event.type === 'run_finished') result = event.result; }
    else result = await runtime.run('2 + 40?');
    expect(result).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'the sum is 42', steps: 2, toolCalls: 1, usage: { inputTokens: 30, outputTokens: 12 } });
    expect(server.requests.map((r) => [r.rejected, (r.body as { stream?: boolean }).stream])).toEqual([[undefined, stream], [undefined, stream]]);
    expect((server.requests[1]!.body as { messages: unknown[] }).messages.slice(1)).toEqual([
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'add', arguments: { a: 2, b: 40 } } }] },
      { role: 'tool', content: '42', tool_name: 'add' },
    ]);
    await assertRunInvariants({ store, runId: result!.runId, result: result! });
  });
});
