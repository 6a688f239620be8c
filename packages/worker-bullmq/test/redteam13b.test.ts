// Red team 13b: createAgentWorker and AgentQueue did not check most of their options. A bad
// `concurrency` failed with BullMQ's own untyped Error, `lockDurationMs: -1` was taken,
// `restartLostRuns: 'false'` (a string from an environment variable) was read as true — restarting
// lost runs and repeating their effects — and misspelt options (`concurency`, `nme`) were ignored.
// They are `config_invalid` naming the option, before any connection.
import { createRuntime } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { AgentQueue, createAgentWorker } from '@agentrt/worker-bullmq';
import { describe, expect, it } from 'vitest';

const runtime = createRuntime({ model: new ScriptedModel([]) });

describe('worker and queue options (red team 13b)', () => {
  it.each([
    [{ concurrency: 0 }, 'concurrency'],
    [{ concurrency: 'x' }, 'concurrency'],
    [{ lockDurationMs: -1 }, 'lockDurationMs'],
    [{ stalledIntervalMs: 0 }, 'stalledIntervalMs'],
    [{ restartLostRuns: 'false' }, 'restartLostRuns'],
    [{ url: 42 }, 'url'],
    [{ name: '' }, 'name'],
    [{ concurency: 8 }, 'concurency'],
  ])('createAgentWorker %j is config_invalid naming %s', (options, field) => {
    expect(() => createAgentWorker({ runtime, ...options } as never)).toThrow(expect.objectContaining({ code: 'config_invalid', field }));
  });

  it('a misspelt worker option names the one it was meant to be', () => {
    expect(() => createAgentWorker({ runtime, concurency: 8 } as never)).toThrow(/did you mean "concurrency"/);
  });

  it.each([
    [{ nme: 'runs' }, 'nme'],
    [{ name: 5 }, 'name'],
    [{ prefix: 5 }, 'prefix'],
  ])('AgentQueue %j is config_invalid naming %s', (options, field) => {
    expect(() => new AgentQueue(options as never)).toThrow(expect.objectContaining({ code: 'config_invalid', field }));
  });
});
