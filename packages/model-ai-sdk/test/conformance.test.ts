import { describeModelAdapter } from '@agentrt/testing';
import { anthropicSuite, anthropicV2Suite, openaiSuite, openaiV2Suite } from './suite.js';

// Specification v3 (AI SDK 6 provider packages, 3.x) and v2 (AI SDK 5, 2.x), each against the strict loopback servers.
describeModelAdapter(openaiSuite);
describeModelAdapter(anthropicSuite);
describeModelAdapter(openaiV2Suite);
describeModelAdapter(anthropicV2Suite);
