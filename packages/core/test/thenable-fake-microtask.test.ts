/**
 * A tool returning a thenable that is not a native promise is adopted one microtask later, as
 * `Promise.resolve` would. That microtask used to be `queueMicrotask`: a test faking it
 * (`vi.useFakeTimers({ toFake: [..., 'queueMicrotask'] })`) held the call forever. It is now a
 * settled promise's reaction, which no fake timer replaces (red team 8's open item).
 */
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

afterEach(() => {
  vi.useRealTimers();
});

describe('a thenable tool result with queueMicrotask faked', () => {
  it('is adopted and the run finishes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'queueMicrotask', 'Date'] });
    const thenable = defineTool({
      name: 'th', description: 't', input: z.object({}),
      execute: () => ({ then: (resolve: (v: string) => void) => resolve('from a thenable') }) as unknown as string,
    });
    const model = new ScriptedModel([ScriptedModel.call('th', {}), ScriptedModel.answer('done')]);
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [thenable], store }).run('go');
    expect(result.stopReason).toBe('final_answer');
    const steps = await store.loadSteps(result.runId);
    const toolMessage = steps[0]!.messages[1] as { content: unknown };
    expect(JSON.stringify(toolMessage.content)).toContain('from a thenable');
  });
});
