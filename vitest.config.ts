import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './scripts/vitest-sequencer.js';

export default defineConfig({
  resolve: { conditions: ['@agentrt/source'] },
  ssr: { resolve: { conditions: ['@agentrt/source'] } },
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    setupFiles: ['./scripts/vitest-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most files wait on child processes, servers and sockets rather than the CPU: two files at a
    // time on a 2-core machine halve the wall time (the default of cores − 1 ran them one by one).
    // The suite is built to pass with every core busy (`pnpm test:stress`).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Longest files first (known durations: scripts/test-durations.json), so no long file starts last.
    sequence: { sequencer: LongestFirstSequencer },
  },
});
