// Red team: secrets inside terminal-coloured text (a tool wrapping `env` or a CLI with colours).
// The escape sequence's final letter sits right before the secret, so a pattern anchored on a
// word boundary would not see the secret start.
import { createRuntime, defineTool, MemoryStore, Redactor } from '@agentrt/core';
import { ScriptedModel, SECRET_CANARIES } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const coloured = (text: string) => `\x1b[1;31m${text}\x1b[0m`;

describe('red team: secrets in ANSI-coloured text', () => {
  it('redacts every canary wrapped in colour codes (CSI, 8-bit CSI, OSC hyperlinks) and keeps the codes', () => {
    const redactor = new Redactor();
    for (const canary of SECRET_CANARIES) {
      for (const text of [coloured(canary), `\x9b31m${canary}`, `\x1b]8;;https://x.example\x1b\\${canary}\x1b]8;;\x1b\\`, `key: ${coloured(canary)} done`]) {
        const out = redactor.text(text);
        expect(out, JSON.stringify(text)).not.toContain(canary);
        expect(out).toContain('[REDACTED]');
      }
    }
    expect(redactor.text(coloured('plain words, no secret'))).toBe(coloured('plain words, no secret'));
    // Still no false positive inside a word.
    expect(redactor.text('ask-me-anything-about-anything')).toBe('ask-me-anything-about-anything');
  });

  it('keeps coloured secrets out of the audit log and the model-visible tool result', async () => {
    const env = defineTool({ name: 'env', description: 'Prints the environment in colour', input: z.object({}), execute: () => SECRET_CANARIES.map((c) => `${coloured('TOKEN')}=${coloured(c)}`).join('\n') });
    const model = new ScriptedModel([ScriptedModel.call('env', {}), ScriptedModel.answer('ok')]);
    const runtime = createRuntime({ model, store: new MemoryStore(), tools: [env] });
    const result = await runtime.run('show env');
    const audit = await runtime.exportAudit(result.runId);
    const sent = JSON.stringify(model.requests[1]!.messages);
    for (const canary of SECRET_CANARIES) {
      expect(audit).not.toContain(canary);
      expect(sent).not.toContain(canary);
    }
    await runtime.close();
  });
});
