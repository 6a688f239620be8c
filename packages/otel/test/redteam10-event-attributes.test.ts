import { createRuntime, defineTool } from '@agentrt/core';
import { createOtelHooks } from '@agentrt/otel';
import { ScriptedModel } from '@agentrt/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { telemetry, useContextManager } from './harness.js';

let disposeContext: () => void;
beforeAll(() => {
  disposeContext = useContextManager();
});
afterAll(() => disposeContext());

/** Every string an attribute (of a span or of a span event) carries, with where it was found. */
function attributeStrings(spans: ReturnType<ReturnType<typeof telemetry>['spans']>): { at: string; length: number }[] {
  const out: { at: string; length: number }[] = [];
  const add = (at: string, attributes: Record<string, unknown> | undefined) => {
    for (const [key, value] of Object.entries(attributes ?? {})) {
      for (const item of Array.isArray(value) ? value : [value]) if (typeof item === 'string') out.push({ at: `${at} ${key}`, length: item.length });
    }
  };
  for (const span of spans) {
    add(span.name.slice(0, 40), span.attributes);
    for (const event of span.events) add(`${span.name.slice(0, 40)} / ${event.name}`, event.attributes);
  }
  return out;
}

it('a model-chosen tool call id of 100 000 characters is clipped in span events too (approval requested and decided), as in span attributes', async () => {
  const id = `call_${'x'.repeat(100_000)}`;
  const transfer = defineTool({ name: 'transfer', description: 'Moves money', input: z.object({ amount: z.number() }), requiresApproval: true, execute: ({ amount }) => `moved ${amount}` });
  const otel = telemetry();
  const runtime = createRuntime({
    model: new ScriptedModel([ScriptedModel.call('transfer', { amount: 1 }, { id }), ScriptedModel.answer('done')]),
    tools: [transfer],
    hooks: [createOtelHooks({ tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider })],
  });
  const paused = await runtime.run({ input: 'move 1' });
  expect(paused.stopReason).toBe('awaiting_approval');
  const done = await runtime.resume(paused.runId, { approvals: { [id]: 'approve' } });
  expect(done.stopReason).toBe('final_answer');
  const strings = attributeStrings(otel.spans());
  const events = otel.spans().flatMap((span) => span.events.map((event) => event.name));
  expect(events).toEqual(expect.arrayContaining(['agentrt.approval.requested', 'agentrt.approval.decided']));
  expect(strings.filter((entry) => entry.length > 1_100)).toEqual([]);
  await otel.shutdown();
});
