/**
 * What a step's tool calls run with is what its `model_response` event and its committed step
 * record: the model's message as answered. A hook or an adapter that keeps a reference to that
 * message and changes it after the model answered (while the step's tools run) changes neither
 * what the tools execute nor splits the audit from the stored step, the history the next model
 * call is sent, or what a resume rebuilds.
 */
import { createRuntime, defineTool, MemoryStore, type AssistantMessage, type ModelAdapter, type ModelRequest, type StoredRunEvent } from '@agentrt/core';
import { checkRunInvariants } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

type Calls = { toolCalls: { args: { path: string } }[] };

function twoStepModel(message: AssistantMessage, requests: ModelRequest[]): ModelAdapter {
  let n = 0;
  return {
    provider: 'p',
    model: 'm',
    async generate(request) {
      requests.push(JSON.parse(JSON.stringify(request)) as ModelRequest);
      if (n++ === 0) return { message, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' };
      return { message: { role: 'assistant', content: 'done' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
    },
  };
}

async function recorded(store: MemoryStore, runId: string) {
  const events = await store.listEvents(runId);
  const response = events.find((e) => e.type === 'model_response') as Extract<StoredRunEvent, { type: 'model_response' }>;
  const started = events.find((e) => e.type === 'tool_started') as Extract<StoredRunEvent, { type: 'tool_started' }>;
  const steps = await store.loadSteps(runId);
  return { event: (response.message as unknown as Calls).toolCalls[0]!.args.path, started: (started.args as { path: string }).path, step: (steps[0]!.messages[0] as unknown as Calls).toolCalls[0]!.args.path };
}

describe('the message a step acts on', () => {
  it('a hook that changes the message it was shown, after the model answered, changes neither the executed call nor the record', async () => {
    const store = new MemoryStore();
    const executed: string[] = [];
    const tool = defineTool({ name: 'read', description: 'r', input: z.object({ path: z.string() }), execute: ({ path }) => { executed.push(path); return 'ok'; } });
    const message = { role: 'assistant' as const, content: '', toolCalls: [{ id: 'c1', name: 'read', args: { path: '/safe' } as Record<string, unknown> }] };
    let held: AssistantMessage | undefined;
    const requests: ModelRequest[] = [];
    const result = await createRuntime({
      model: twoStepModel(message, requests),
      tools: [tool],
      store,
      hooks: [{
        afterModel: (response) => {
          held = response.message;
          return response;
        },
        // Runs after the model_response event was recorded, before the step's tools.
        onEvent: (event) => {
          if (event.type === 'model_response' && held?.toolCalls) (held.toolCalls[0]!.args as { path: string }).path = '/etc/shadow';
        },
      }],
    }).run('go');
    expect(result.status).toBe('completed');
    const seen = await recorded(store, result.runId);
    // One story: what ran is what the audit and the stored step say ran.
    expect([executed[0], seen.started, seen.step]).toEqual([seen.event, seen.event, seen.event]);
    expect(seen.event).toBe('/safe');
    expect((await checkRunInvariants({ store, runId: result.runId, result })).violations).toEqual([]);
  });

  it('an adapter that rewrites its answer while the step\'s tool runs: the next request\'s history is the stored step', async () => {
    const store = new MemoryStore();
    const message = { role: 'assistant' as const, content: 'answered', toolCalls: [{ id: 'c1', name: 'slow', args: { path: '/safe' } as Record<string, unknown> }] };
    const tool = defineTool({
      name: 'slow', description: 's', input: z.object({ path: z.string() }),
      execute: async () => {
        // The adapter's background work (a stream it keeps filling, a pooled object it reuses).
        message.content = 'rewritten';
        (message.toolCalls[0]!.args as { path: string }).path = '/rewritten';
        await new Promise((resolve) => setTimeout(resolve, 1));
        return 'ok';
      },
    });
    const requests: ModelRequest[] = [];
    const result = await createRuntime({ model: twoStepModel(message, requests), tools: [tool], store }).run('go');
    expect(result.status).toBe('completed');
    const steps = await store.loadSteps(result.runId);
    const sentBack = requests[1]!.messages.find((m) => m.role === 'assistant');
    expect(sentBack).toEqual(JSON.parse(JSON.stringify(steps[0]!.messages[0])));
    expect((sentBack as AssistantMessage).content).toBe('answered');
  });
});
