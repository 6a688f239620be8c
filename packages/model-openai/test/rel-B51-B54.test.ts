// RELIABILITY.md B-51 (secrets in errors) and the retry clause of B-54 (one audit event per retry),
// through the official `openai` SDK (OpenAIModel) against the strict loopback server.
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { OpenAIModel } from '@agentrt/model-openai';
import { checkRunInvariants, startOpenAIServer, type LoopbackServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const CANARY = 'sk-agentrt-CANARY-0123456789abcdefghij';
const adapter = (server: LoopbackServer) => new OpenAIModel({ model: 'gpt-4o-mini', apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1`, retry: { baseDelayMs: 1, maxDelayMs: 5 } });

describe('B-51 secrets in errors are redacted in RunResult.error, the audit and the stored result', () => {
  it('a provider error message carrying the request URL with ?key=', async () => {
    await using server = await startOpenAIServer([{ status: 400, message: `invalid request to https://api.example.test/v1/chat?key=${CANARY}&x=1` }]);
    const store = new MemoryStore();
    const result = await createRuntime({ model: adapter(server), store }).run('go');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'error', error: { code: 'model_bad_request' } });
    expect(server.requests).toHaveLength(1);
    const everything = JSON.stringify(result) + JSON.stringify(await store.listEvents(result.runId)) + JSON.stringify(await store.getRun(result.runId));
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain('0123456789abcdefghij');
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
  });

  it('a tool error echoing the environment', async () => {
    process.env.AGENTRT_REL_B51_TOKEN = CANARY;
    try {
      const leaky = defineTool({ name: 'leaky', description: 'fails loudly', input: z.object({}), execute: () => { throw new Error(`failed with env ${JSON.stringify(process.env)}`); } });
      await using server = await startOpenAIServer([{ reply: { toolCalls: [{ id: 'call_l', name: 'leaky', args: '{}' }], finishReason: 'tool_calls' } }, { reply: { text: 'done' } }]);
      const store = new MemoryStore();
      const result = await createRuntime({ model: adapter(server), tools: [leaky], store }).run('go');
      expect(result.stopReason).toBe('final_answer');
      // Neither the provider (the model-visible result) nor the store sees the secret.
      expect(JSON.stringify(server.requests.map((r) => r.body))).not.toContain(CANARY);
      expect(JSON.stringify(await store.listEvents(result.runId)) + JSON.stringify(await store.loadSteps(result.runId))).not.toContain(CANARY);
      expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
    } finally {
      delete process.env.AGENTRT_REL_B51_TOKEN;
    }
  });
});

describe('B-54 audit completeness: retries', () => {
  it('two 429s then a reply: exactly two model_retry events, one run_finished', async () => {
    await using server = await startOpenAIServer([{ status: 429, headers: { 'retry-after-ms': '5' } }, { status: 429, headers: { 'retry-after-ms': '5' } }, { reply: { text: 'ok' } }]);
    const store = new MemoryStore();
    const result = await createRuntime({ model: adapter(server), store }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(server.requests).toHaveLength(3);
    const events = await store.listEvents(result.runId);
    expect(events.filter((e) => e.type === 'model_retry')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'run_finished')).toHaveLength(1);
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
  });
});
