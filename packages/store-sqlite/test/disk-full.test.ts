import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// F-46 needs a small filesystem to fill: a tmpfs mount (tests run as root on these machines, as CI does).
describe('SqliteStore on a full disk (F-46)', () => {
  it('fails the write with store_unavailable, keeps the file sound, and resumes after space is freed', async () => {
    const mountpoint = mkdtempSync(join(tmpdir(), 'agentrt-tinyfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=768k', 'tmpfs', mountpoint]);
    try {
      const filler = join(mountpoint, 'filler.bin');
      writeFileSync(filler, Buffer.alloc(256 * 1024));
      const store = new SqliteStore({ path: join(mountpoint, 'runs.db') });
      const page = defineTool({ name: 'page', description: 'returns a page', input: z.object({ n: z.number() }), sideEffects: 'idempotent', execute: ({ n }) => `${n}:`.padEnd(40_000, 'x') });
      let done = false;
      let n = 0;
      const model = new ScriptedModel([() => (done ? ScriptedModel.answer('finished') : ScriptedModel.call('page', { n: ++n }))], { whenExhausted: 'cycle' });
      const runtime = createRuntime({ model, tools: [page], store, loopDetection: false, leaseTtlMs: 200, limits: { maxSteps: 200, maxToolCalls: 200, maxToolOutputChars: 65_536 } });
      const failed = await runtime.run({ input: 'read pages until the disk is full', runId: 'disk-full' });
      expect(failed).toMatchObject({ stopReason: 'error', error: { code: 'store_unavailable' } });
      expect(store.integrityCheck()).toBe('ok');
      const committed = (await store.getRun('disk-full'))!.stepCount;
      expect(committed).toBeGreaterThan(0);
      rmSync(filler);
      done = true;
      const resumed = await createRuntime({ model, tools: [page], store, loopDetection: false, limits: { maxSteps: 200, maxToolCalls: 200, maxToolOutputChars: 65_536 } }).resume('disk-full', { waitForLeaseMs: 2_000 });
      expect(resumed.stopReason).toBe('final_answer');
      expect(resumed.steps).toBeGreaterThan(committed);
      await assertRunInvariants({ store, runId: 'disk-full', result: resumed });
      expect(store.integrityCheck()).toBe('ok');
      await store.close();
    } finally {
      execFileSync('umount', ['-l', mountpoint]);
      rmSync(mountpoint, { recursive: true, force: true });
    }
  });
});
