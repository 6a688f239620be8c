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
    // Files wait on child processes, servers and sockets part of the time (alone, most use 45–90 %
    // of one core): three files at a time on a 2-core machine keep both cores busy (the default of
    // cores − 1 ran them one by one; two left about a third of the machine idle). The suite is built
    // to pass with every core busy (`pnpm test:stress`: two workers plus a CPU hog per core).
    maxWorkers: Math.max(3, availableParallelism() - 1),
    // Longest files first (known durations: scripts/test-durations.json), so no long file starts last.
    sequence: { sequencer: LongestFirstSequencer },
  },
});
