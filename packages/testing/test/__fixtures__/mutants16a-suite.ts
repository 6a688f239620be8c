// Runs describeRunLimits and describeConcurrentRuns over the stores MUTANTS16A names (a JSON list;
// "correct" is the plain MemoryStore). A mutant's remaining cases are skipped once one failed
// (MUTANTS16A_EVERY_CASE=1 runs them all).
import { MemoryStore } from '@agentrt/core';
import { describeConcurrentRuns, describeRunLimits } from '@agentrt/testing';
import { afterEach, beforeEach, describe } from 'vitest';
import { MUTANTS } from './mutants16a-stores.js';

const names = JSON.parse(process.env.MUTANTS16A ?? '["correct"]') as string[];
for (const name of names) {
  describe(`mutant: ${name}`, () => {
    let failed = false;
    beforeEach((context) => {
      if (failed && name !== 'correct' && !process.env.MUTANTS16A_EVERY_CASE) context.skip();
    });
    afterEach((context) => {
      if (context.task.result?.state === 'fail') failed = true;
    });
    const create = name === 'correct' ? () => new MemoryStore() : MUTANTS[name]!;
    describeRunLimits({ name, create });
    describeConcurrentRuns({ name, create, runs: 30, steps: 5 });
  });
}
