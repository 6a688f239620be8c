// Red team 16f: the console media route with hostile step values, other runs' parts and no token.
import { createHash } from 'node:crypto';
import { createRuntime, defineTool, MemoryStore, type AgentRuntime } from '@agentrt/core';
import { buildPng } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startConsole, type ConsoleServer } from '../src/index.js';

const PNG_A = buildPng({ width: 4, height: 3 });
const PNG_B = buildPng({ width: 5, height: 2 });
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function runtimeWith(store: MemoryStore, png: Buffer, shots: number): AgentRuntime {
  const snapshot = defineTool({ name: 'snapshot', description: 'a screenshot', input: z.object({}), execute: () => [{ type: 'image' as const, mediaType: 'image/png', data: png.toString('base64') }] });
  let calls = 0;
  return createRuntime({
    store,
    tools: [snapshot],
    model: {
      provider: 'scripted', model: 'rt16f',
      capabilities: { imageTypes: ['*'], fileTypes: ['*'], partsInToolResults: true, imageUrls: true, fileUrls: true, structuredOutput: false, reasoning: false },
      async generate() {
        return ++calls <= shots
          ? { message: { role: 'assistant', content: '', toolCalls: [{ id: `s${calls}`, name: 'snapshot', args: {} }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' }
          : { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
      },
    } as never,
  });
}

describe('red team 16f: console media route', () => {
  const store = new MemoryStore();
  let server: ConsoleServer;
  beforeAll(async () => {
    expect((await runtimeWith(store, PNG_A, 1).run({ input: 'a', runId: 'run-a' })).stopReason).toBe('final_answer');
    expect((await runtimeWith(store, PNG_B, 1).run({ input: 'b', runId: 'run-b' })).stopReason).toBe('final_answer');
    server = await startConsole({ runtime: runtimeWith(store, PNG_A, 0), port: 0 });
  });
  afterAll(async () => server?.close());
  const status = async (path: string, headers: Record<string, string> = { authorization: `Bearer ${server.token}` }) => (await fetch(`${server.origin}${path}`, { headers })).status;

  it('step is a plain decimal index or input: -0, 1e0, 0x0, an empty value, spaces, __proto__ and 2^53 are 400', async () => {
    expect(await status(`/api/runs/run-a/media/${sha(PNG_A)}?step=0`)).toBe(200);
    for (const step of ['-0', '1e0', '0x0', '', '%200', '0.0', '00', '__proto__', 'constructor', String(2 ** 53), 'Infinity', 'INPUT']) {
      expect(await status(`/api/runs/run-a/media/${sha(PNG_A)}?step=${step}`), `step=${step}`).toBe(400);
    }
  });

  it('a part of another run is not served through this run, cached or not', async () => {
    expect(await status(`/api/runs/run-b/media/${sha(PNG_B)}?step=0`)).toBe(200); // now cached under run-b
    expect(await status(`/api/runs/run-a/media/${sha(PNG_B)}?step=0`)).toBe(404);
    for (const runId of ['run-a%2F..%2Frun-b', '..%2Frun-b', 'run-a%00run-b', '*']) expect(await status(`/api/runs/${runId}/media/${sha(PNG_B)}?step=0`), runId).toBe(404);
  });

  it('no token, a wrong token, or a cross-site page: refused', async () => {
    expect(await status(`/api/runs/run-a/media/${sha(PNG_A)}?step=0`, {})).toBe(401);
    expect(await status(`/api/runs/run-a/media/${sha(PNG_A)}?step=0`, { authorization: 'Bearer x'.padEnd(40, 'x') })).toBe(401);
    expect(await status(`/api/runs/run-a/media/${sha(PNG_A)}?step=0`, { authorization: `Bearer ${server.token}`, 'sec-fetch-site': 'cross-site' })).toBe(403);
  });
});
