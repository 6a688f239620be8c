/**
 * A prefixed key right after `_` (`call_sk-proj-…`, `resp_AKIA…`) was left in clear: the detectors
 * started a key only after a non-word character, and `_` is a word character — while `-` before one
 * was already a start. A model chooses its tool call ids, so it could carry a key into the audit log.
 */
import { createRuntime, defineTool, MemoryStore, Redactor } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const SK = 'sk-proj-Abcdefghijklmnop0123456789';
const AKIA = 'AKIAIOSFODNN7EXAMPLE';

describe('prefixed keys joined by "_"', () => {
  it('are masked after "_" as after "-" or a space, and after a number-and-underscore run', () => {
    const redactor = new Redactor();
    for (const lead of ['call_', 'resp_', 'id_', 'x-', ' ', 'a_b_', '9_', '__']) {
      expect(redactor.text(`${lead}${SK}`)).toBe(`${lead}[REDACTED]`);
      expect(redactor.text(`${lead}${AKIA}`)).toBe(`${lead}[REDACTED]`);
    }
    expect(redactor.text(`id_${AKIA}_2`)).toBe('id_[REDACTED]_2');
  });

  it('leaves words that only look alike: a letter or digit right before, too short, lower-case AKIA', () => {
    const redactor = new Redactor();
    for (const text of ['task_skills-are-great-and-long', 'mask-abcdefghijklmnop', 'risk_assessment_v2', 'my_sk-short', 'id_akiaiosfodnn7example', `X${AKIA}`, `9${SK}`]) {
      expect(redactor.text(text)).toBe(text);
    }
  });

  it('a model-chosen tool call id carrying a key never reaches the audit log', async () => {
    const store = new MemoryStore();
    const echo = defineTool({ name: 'echo', description: 'e', input: z.object({ v: z.string() }), execute: ({ v }) => v });
    const model = new ScriptedModel([{ text: '', toolCalls: [{ id: `call_${SK}`, name: 'echo', args: { v: 'x' } }, { id: `resp_${AKIA}`, name: 'echo', args: { v: 'y' } }] }, { text: 'done' }]);
    const runtime = createRuntime({ model, tools: [echo], store });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    const audit = await runtime.exportAudit(result.runId);
    expect(audit).not.toContain(SK);
    expect(audit).not.toContain(AKIA);
    expect(audit).toContain('call_[REDACTED]');
  });
});
