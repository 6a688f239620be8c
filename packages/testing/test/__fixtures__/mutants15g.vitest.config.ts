// Only the mutant suite (mutants 15g), with the workspace's source resolution.
import { childConfig } from './child-config.js';
export default childConfig('mutants15g-mutant-suite.ts', { hookTimeout: 30_000, maxWorkers: 2, fileParallelism: true });
