import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './scripts/vitest-sequencer.js';

/**
 * Packages whose test files run without isolation (`isolate: false`, one vitest project, `shared`:
 * each project has its own transform cache, so one project transforms the workspace source once):
 * a worker runs one file after another and keeps the modules it imported, so the workspace source (core and its dependencies)
 * is imported once per worker instead of once per file (~0.5–0.7 CPU s a file). Only packages whose
 * tests were audited for state that outlives a file: no `vi.mock`, fake timers, `vi.stubGlobal` /
 * `vi.stubEnv`, `process.env` writes, `process.on` listeners left on, spies left unrestored,
 * prototype or global writes, nor counts of the process's timers, heap or listeners; the
 * module-level state of their `src/` is memo caches whose answers do not depend on what ran
 * before (see docs/testing.md, "CI time"). A file that needs a fresh process is listed in `FRESH`.
 */
const SHARED = ['core', 'context', 'tools-fs', 'tools-math', 'model-ollama', 'store-memory'];
/** Files of SHARED packages that keep isolation: they fake clocks or timers, mock modules, touch `process.env`, add `process` listeners, or count the process's timers, heap or garbage collection. */
const FRESH = [
  'composition', 'config-strict', 'construction-and-notices', 'redteam-core-misc', 'redteam-governance', 'redteam-perf2', 'redteam-perf3',
  'redteam8-fake-performance', 'rel-B52-B54', 'rel-L07-L08', 'starved-event-loop', 'stream-abandon', 'stream-consumer-turn',
  'thenable-fake-microtask', 'tool-kill-faults',
].map((name) => `packages/core/test/${name}.test.ts`);

export default defineConfig({
  resolve: { conditions: ['@agentrt/source'] },
  ssr: { resolve: { conditions: ['@agentrt/source'] } },
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    setupFiles: ['./scripts/vitest-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Files wait on child processes, servers and sockets part of the time (alone, most use 45–90 %
    // of one core): three files at a time on a 2-core machine keep both cores busy (the default of
    // cores − 1 ran them one by one; two left about a third of the machine idle). The suite is built
    // to pass with every core busy (`pnpm test:stress`: two workers plus a CPU hog per core).
    maxWorkers: Math.max(3, availableParallelism() - 1),
    // Longest files first (known durations: scripts/test-durations.json), so no long file starts
    // last; the files of a project without isolation one after another (see the sequencer).
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        extends: true,
        test: { name: 'isolated', include: [`packages/!(${SHARED.join('|')})/test/**/*.test.ts`, 'examples/*/test/**/*.test.ts', ...FRESH] },
      },
      {
        extends: true,
        test: { name: 'shared', include: SHARED.map((pkg) => `packages/${pkg}/test/**/*.test.ts`), exclude: ['**/node_modules/**', ...FRESH], isolate: false },
      },
    ],
  },
});
