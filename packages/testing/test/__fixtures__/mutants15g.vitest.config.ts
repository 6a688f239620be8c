// Only the mutant suite (mutants 15g), with the workspace's source resolution.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@agentrt/source'] },
  ssr: { resolve: { conditions: ['@agentrt/source'] } },
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    root: new URL('../../../..', import.meta.url).pathname,
    include: ['packages/testing/test/__fixtures__/mutants15g-mutant-suite.ts'],
    setupFiles: ['./scripts/vitest-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
