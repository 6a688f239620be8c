// Only the mutant suite (red team 15d), with the workspace's source resolution.
import { childConfig } from './child-config.js';
export default childConfig('redteam15d-mutant-suite.ts');
