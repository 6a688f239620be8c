// The config of a child vitest that runs one mutant suite (red team 15d, mutants 15g/15h/16a): only
// `include`, with the workspace's source resolution and setup; `overrides` replace `test` options.
import { defineConfig, type ViteUserConfig } from 'vitest/config';

type TestOptions = NonNullable<ViteUserConfig['test']>;

export function childConfig(include: string, overrides: TestOptions = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: ['@agentrt/source'] },
    ssr: { resolve: { conditions: ['@agentrt/source'] } },
    oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
    test: {
      root: new URL('../../../..', import.meta.url).pathname,
      include: [`packages/testing/test/__fixtures__/${include}`],
      setupFiles: ['./scripts/vitest-setup.ts'],
      testTimeout: 30_000,
      pool: 'forks',
      maxWorkers: 1,
      ...overrides,
    },
  });
}
