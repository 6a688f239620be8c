// Red team 5: tool call ids and names the provider refuses in the history, through AI SDK
// provider packages against the strict loopback servers (they check the history as the APIs do).
// Sent verbatim, a tool name the model invented (answered tool_not_found), a vLLM id of 46
// characters (OpenAI) or a Kimi id `functions.lookup:0` (Anthropic) failed every later request.
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { AiSdkModel } from '@agentrt/model-ai-sdk';
import { ScriptedModel, startAnthropicServer, startOpenAIServer } from '@agentrt/testing';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const lookup = defineTool({ name: 'lookup', description: 'look up', input: z.object({}), execute: () => 'found' });

describe('AiSdkModel sends tool call ids and names the provider accepts (red team 5)', () => {
  it.each(['functions.lookup', '', `chatcmpl-tool-${'a'.repeat(32)}`])('openai: a call %j (an invented name, or a 46-character id) does not fail the run', async (odd) => {
    const call = odd.startsWith('chatcmpl-') ? { id: odd, name: 'lookup', args: {} } : { id: 'call_1', name: odd, args: {} };
    await using server = await startOpenAIServer([{ reply: { toolCalls: [call] } }, { reply: { text: 'done' } }]);
    const model = new AiSdkModel({ model: createOpenAI({ apiKey: 'sk-test-loopback', baseURL: `${server.url}/v1` }).chat('gpt-4o-mini'), retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [lookup], store }).run('hi');
    expect(result).toMatchObject({ status: 'completed', output: 'done' });
    const [step] = await store.loadSteps(result.runId);
    expect(step!.messages[0]).toMatchObject({ toolCalls: [{ id: call.id, name: call.name }] });
  });

  it('anthropic: a run begun on another provider with ids like "functions.lookup:0" continues', async () => {
    const store = new MemoryStore();
    const approved = defineTool({ name: 'lookup', description: 'look up', input: z.object({}), requiresApproval: true, execute: () => 'found' });
    const paused = await createRuntime({ model: new ScriptedModel([{ toolCalls: [{ id: 'functions.lookup:0', name: 'lookup', args: {} }] }]), tools: [approved], store }).run('hi');
    expect(paused.status).toBe('paused');
    await using server = await startAnthropicServer([{ reply: { text: 'done' } }]);
    const model = new AiSdkModel({ model: createAnthropic({ apiKey: 'sk-ant-test-loopback', baseURL: `${server.url}/v1` })('claude-sonnet-4-5'), retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const result = await createRuntime({ model, tools: [approved], store }).resume(paused.runId, { approvals: { 'functions.lookup:0': { decision: 'approve' } } });
    expect(result).toMatchObject({ status: 'completed', output: 'done' });
  });
});

describe('AiSdkModel and whitespace-only assistant text on Anthropic (red team 5)', () => {
  it('a turn with text "\\n\\n" next to a tool call does not fail the next request', async () => {
    await using server = await startAnthropicServer([{ reply: { text: '\n\n', toolCalls: [{ name: 'lookup', args: {} }] } }, { reply: { text: 'done' } }]);
    const model = new AiSdkModel({ model: createAnthropic({ apiKey: 'sk-ant-test-loopback', baseURL: `${server.url}/v1` })('claude-sonnet-4-5'), retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const result = await createRuntime({ model, tools: [lookup], store: new MemoryStore() }).run('hi');
    expect(result).toMatchObject({ status: 'completed', output: 'done' });
  });
});
