import { describeModelAdapterRuns } from '@agentrt/testing';
import { suite } from './suite.js';

// Run-level rich messages: createRuntime + this adapter + the strict loopback server.
describeModelAdapterRuns(suite);
