import { createRuntime, defineTool, MemoryStore, verifyAuditEvents, type RunEvent } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// The hot events are built as literals ending with placeholders of the stamped fields (runId, at,
// seq) and redacted in place; an event whose keys a user pattern renames is copied instead. Either
// way the event has its own fields, then runId, at, seq (and hash), and no placeholder shows.
const add = defineTool({ name: 'add', description: 'Adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => ({ sum: a + b }) });

async function events(redact?: { patterns: RegExp[] }): Promise<RunEvent[]> {
  const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }), ScriptedModel.answer('done')]);
  const seen: RunEvent[] = [];
  const runtime = createRuntime({ model, tools: [add], store: new MemoryStore(), audit: { hashChain: true }, ...(redact ? { redact } : {}) });
  for await (const event of runtime.stream('go')) seen.push(event);
  expect(verifyAuditEvents(seen.filter((e) => e.seq !== undefined) as never).ok).toBe(true);
  return seen.filter((e) => e.seq !== undefined);
}

describe('hot events stamped into placeholder slots', () => {
  it('keep their fields in order, then runId, at, seq, hash, with the stamped values', async () => {
    const list = await events();
    const byType = new Map(list.map((e) => [e.type, Object.keys(e)]));
    expect(byType.get('step_started')).toEqual(['type', 'stepIndex', 'runId', 'at', 'seq', 'hash']);
    expect(byType.get('model_request')).toEqual(['type', 'stepIndex', 'messageCount', 'historyMessages', 'repairedPairs', 'tools', 'attempt', 'runId', 'at', 'seq', 'hash']);
    expect(byType.get('model_response')).toEqual(['type', 'stepIndex', 'message', 'usage', 'finishReason', 'runId', 'at', 'seq', 'hash']);
    expect(byType.get('tool_started')).toEqual(['type', 'stepIndex', 'toolCallId', 'name', 'args', 'runId', 'at', 'seq', 'hash']);
    expect(byType.get('tool_finished')).toEqual(['type', 'stepIndex', 'toolCallId', 'name', 'isError', 'content', 'durationMs', 'runId', 'at', 'seq', 'hash']);
    expect(byType.get('step_finished')).toEqual(['type', 'stepIndex', 'usage', 'toolCalls', 'toolCallsRefused', 'durationMs', 'runId', 'at', 'seq', 'hash']);
    list.forEach((e, i) => {
      expect(e.seq).toBe(i + 1);
      expect(e.runId).toBe(list[0]!.runId);
      expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(Object.isFrozen(e)).toBe(true);
    });
  });

  it('a user pattern that renames keys (also the stamped ones) copies the event: no placeholder becomes a field', async () => {
    const list = await events({ patterns: [/name/, /\bat\b/, /seq/, /runId/] });
    const finished = list.find((e) => e.type === 'tool_finished')!;
    // `name` is renamed by the pattern; the stamped fields are never redacted and hold their stamps.
    expect(Object.keys(finished)).toEqual(['type', 'stepIndex', 'toolCallId', '[REDACTED]', 'isError', 'content', 'durationMs', 'runId', 'at', 'seq', 'hash']);
    expect((finished as unknown as Record<string, unknown>)['[REDACTED]']).toBe('add');
    const started = list.find((e) => e.type === 'tool_started')!;
    expect(Object.keys(started)).toEqual(['type', 'stepIndex', 'toolCallId', '[REDACTED]', 'args', 'runId', 'at', 'seq', 'hash']);
    expect((started as unknown as Record<string, unknown>)['[REDACTED]']).toBe('add');
    for (const e of list) {
      expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(typeof e.seq).toBe('number');
    }
  });
});
