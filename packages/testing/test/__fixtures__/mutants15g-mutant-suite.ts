// Runs describeModelAdapter over the adapters MUTANTS15G names (a JSON list; "correct" has no fault).
// A mutant's remaining cases are skipped once one failed (MUTANTS15G_EVERY_CASE=1 runs them all).
import { describeModelAdapter, startOpenAIServer } from '@agentrt/testing';
import { afterEach, beforeEach, describe } from 'vitest';
import { createMutant } from './mutants15g-adapters.js';

const names = JSON.parse(process.env.MUTANTS15G ?? '["correct"]') as string[];
for (const name of names) {
  describe(`mutant: ${name}`, () => {
    let failed = false;
    beforeEach((context) => {
      if (failed && name !== 'correct' && !process.env.MUTANTS15G_EVERY_CASE) context.skip();
    });
    afterEach((context) => {
      if (context.task.result?.state === 'fail') failed = true;
    });
    describeModelAdapter({ name, start: (steps) => startOpenAIServer(steps), create: (server, options) => createMutant(name, server, options), malformedArgs: 'generate', rejectsOrphans: true });
  });
}
