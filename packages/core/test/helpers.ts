import { defineTool, type RuntimeHooks } from '@agentrt/core';
import { z } from 'zod';

/** A trivial pure tool. */
export const add = defineTool({
  name: 'add',
  description: 'Adds two numbers',
  input: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
});

/** A tool that waits `ms` (honouring abort) and records the order it finished in. */
export function sleeper(log: string[] = []) {
  return defineTool({
    name: 'sleep',
    description: 'Waits',
    input: z.object({ ms: z.number(), tag: z.string() }),
    execute: ({ ms, tag }, ctx) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          log.push(tag);
          resolve(`slept ${tag}`);
        }, ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      }),
  });
}

/** Records every hook call. */
export function recordingHooks(calls: string[]): RuntimeHooks {
  return {
    onRunStart: () => void calls.push('onRunStart'),
    onStepStart: (c) => void calls.push(`onStepStart:${c.stepIndex}`),
    beforeModel: () => void calls.push('beforeModel'),
    afterModel: () => void calls.push('afterModel'),
    beforeTool: (call) => void calls.push(`beforeTool:${call.name}`),
    afterTool: (result) => void calls.push(`afterTool:${result.name}`),
    onStepEnd: (step) => void calls.push(`onStepEnd:${step.stepIndex}`),
    onRunEnd: (result) => void calls.push(`onRunEnd:${result.stopReason}`),
    onError: (error) => void calls.push(`onError:${error.code}`),
  };
}
