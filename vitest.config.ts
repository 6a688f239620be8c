import { defineConfig } from 'vitest/config';

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
  },
});
