import { AnthropicModel } from '@agentrt/model-anthropic';
import { type ModelAdapterSuiteOptions, startAnthropicServer } from '@agentrt/testing';

/** The conformance suites' options for this adapter (shared by conformance.test.ts and runs.test.ts). */
export const suite: ModelAdapterSuiteOptions = {
  name: 'AnthropicModel (@anthropic-ai/sdk)',
  start: (steps) => startAnthropicServer(steps),
  create: (server, { reasoning, ...options }) => new AnthropicModel({
    model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test-loopback', baseURL: server.url, ...(reasoning ? { thinking: { budgetTokens: 1024 } } : {}), ...options,
  }),
  malformedArgs: 'stream',
  rejectsOrphans: true,
};
