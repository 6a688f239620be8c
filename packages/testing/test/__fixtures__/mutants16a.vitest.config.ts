// Only the mutant suite (mutants 16a), with the workspace's source resolution.
import { childConfig } from './child-config.js';
export default childConfig('mutants16a-suite.ts');
