// Only the mutant suite (mutants 15h), with the workspace's source resolution.
import { childConfig } from './child-config.js';
export default childConfig('mutants15h-store-suite.ts');
