// Red team 3: the reason given to kill/killAll is caller text (the CLI's and the console's
// arguments, an operator's paste). A paused run is finished by the runtime itself (nobody drives
// it), and that path stored the reason as it came: unredacted, unbounded, even not a string.
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { checkRunInvariants, ScriptedModel, SECRET_CANARIES } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const pay = defineTool({ name: 'pay', description: 'Pays', input: z.object({ cents: z.number() }), requiresApproval: true, sideEffects: 'non-idempotent', execute: ({ cents }) => `paid ${cents}` });

async function pausedRun() {
  const store = new MemoryStore();
  const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', { cents: 5 }, { id: 'p1' }), ScriptedModel.answer('not paid')]), tools: [pay], store, audit: { hashChain: true } });
  const paused = await runtime.run('pay');
  expect(paused.status).toBe('paused');
  return { store, runtime, runId: paused.runId };
}

const leaked = (text: string) => SECRET_CANARIES.filter((canary) => text.includes(canary));

describe('red team 3: kill reasons', () => {
  for (const how of ['kill', 'killAll'] as const) {
    it(`${how} of a paused run: a secret in the reason reaches neither the stored result nor the audit log`, async () => {
      const { store, runtime, runId } = await pausedRun();
      const reason = `incident: key ${SECRET_CANARIES[0]} leaked, also ${SECRET_CANARIES[2]}`;
      await (how === 'kill' ? runtime.kill(runId, reason) : runtime.killAll(reason));
      const record = await runtime.getRun(runId);
      expect(record?.stopReason).toBe('killed');
      expect(record?.result?.stopDetail).toContain('incident: key [REDACTED]');
      expect(leaked(JSON.stringify([record, await store.getRun(runId), await runtime.exportAudit(runId)]))).toEqual([]);
      expect(await runtime.verifyAudit(runId)).toMatchObject({ ok: true, hashChained: true });
      expect((await checkRunInvariants({ store, runId })).violations).toEqual([]);
      await runtime.clearKill();
    });
  }

  it('a reason of megabytes is bounded in the stored result and the audit event; the kill still happens', async () => {
    const { runtime, runId } = await pausedRun();
    await runtime.kill(runId, 'x'.repeat(5_000_000));
    const record = await runtime.getRun(runId);
    expect(record?.stopReason).toBe('killed');
    expect(record!.result!.stopDetail!.length).toBeLessThanOrEqual(8_192);
    expect((await runtime.exportAudit(runId)).length).toBeLessThan(100_000);
  });

  it('a reason that is not a string is config_invalid before anything is recorded; the run stays paused', async () => {
    const { runtime, runId } = await pausedRun();
    for (const reason of [{ a: 1 }, 42, null, undefined]) {
      await expect(runtime.kill(runId, reason as unknown as string)).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('reason') });
      await expect(runtime.killAll(reason as unknown as string)).rejects.toMatchObject({ code: 'config_invalid' });
    }
    expect((await runtime.getRun(runId))?.status).toBe('paused');
    // Nothing was flagged: a new run is not refused.
    const fresh = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('ok')]), store: runtime.store });
    expect((await fresh.run('hi')).status).toBe('completed');
  });
});

describe('red team 3: resume options', () => {
  it('null, an array or a string as the options is config_invalid (not a TypeError); the run stays paused and resumable', async () => {
    const { runtime, runId } = await pausedRun();
    for (const options of [null, [], 'approve', 42]) {
      await expect(runtime.resume(runId, options as never)).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('resume') });
    }
    expect((await runtime.getRun(runId))?.status).toBe('paused');
    expect(await runtime.resume(runId, { approvals: { p1: 'deny' } })).toMatchObject({ status: 'completed', output: 'not paid' });
  });
});
