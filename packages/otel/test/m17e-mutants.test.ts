/**
 * Mutants 17e (otel): cases the package's tests did not have, each written to fail a realistic
 * fault (see docs/testing.md, "Mutants 17e"): a span left open on a path no test took, a bound
 * not held, a value a user or provider controls reaching an attribute unredacted.
 */
import { createRuntime, defineTool } from '@agentrt/core';
import { createOtelHooks } from '@agentrt/otel';
import { ScriptedModel } from '@agentrt/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { named, telemetry, useContextManager } from './harness.js';

let disposeContext: () => void;
beforeAll(() => {
  disposeContext = useContextManager();
});
afterAll(() => disposeContext());

describe('otel mutants 17e', () => {
  it('an execute_tool span ends, marked ERROR, when a hook inside it throws (the tool never answers)', async () => {
    const t = telemetry();
    const echo = defineTool({ name: 'echo', description: 'echo', input: z.object({ text: z.string() }), execute: ({ text }) => text });
    const model = new ScriptedModel([ScriptedModel.call('echo', { text: 'hi' }), ScriptedModel.answer('done')]);
    const failing = { wrapToolCall: () => Promise.reject(new Error('policy engine down')) };
    const result = await createRuntime({ model, tools: [echo], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false }), failing] }).run('go');
    expect(result.status).toBe('failed');
    const [tool] = named(t.spans(), 'execute_tool echo');
    expect(tool, 'the execute_tool span was exported (ended)').toBeDefined();
    expect(tool!.status.code).toBe(SpanStatusCode.ERROR);
    expect(tool!.attributes['error.type']).toBeDefined();
    await t.shutdown();
  });
});
